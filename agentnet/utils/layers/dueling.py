r"""The dueling head: Q-values from a state value and mean-centred advantages."""
from lasagne.layers import MergeLayer

from .._validation import require_layer, shape_str

__all__ = ["DuelingLayer"]


def _check_shapes(value_shape, advantage_shape):
    """``value`` must be ``[batch]`` or ``[batch, 1]``, ``advantages`` ``[batch, n_actions]``."""
    if len(advantage_shape) != 2:
        raise ValueError("`advantages` must have output shape [batch, n_actions], got %s"
                         % shape_str(advantage_shape))
    if len(value_shape) not in (1, 2) or value_shape[1:] not in ((), (1,), (None,)):
        raise ValueError("`value` must have output shape [batch] or [batch, 1], got %s"
                         % shape_str(value_shape))


class DuelingLayer(MergeLayer):
    r"""Q-values of a dueling network: :math:`Q = V + A - \mathrm{mean}_a A`.

    .. math::
        Q(s, a) = V(s) + A(s, a) - \frac{1}{n_{actions}} \sum_{a'} A(s, a')

    Two heads on shared features, one for the state value and one for the
    advantages, are merged into Q-values. Subtracting the mean advantage
    makes the split identifiable (any constant could otherwise move between
    :math:`V` and :math:`A`) and, unlike the max, moves the advantages only
    as fast as their mean (Wang et al. 2016, eq. 9). Every action's
    Q-value then trains :math:`V`, which is why the dueling form learns state
    values faster when many actions are alike.

    Parameters
    ----------
    value : lasagne layer, output [batch] or [batch, 1]
        The state value head, e.g. ``DenseLayer(features, 1, nonlinearity=None)``.
    advantages : lasagne layer, output [batch, n_actions]
        The advantage head, e.g. ``DenseLayer(features, n_actions, nonlinearity=None)``.
    **kwargs
        Passed to :class:`lasagne.layers.MergeLayer` (e.g. ``name``).

    Raises
    ------
    TypeError, ValueError
        For inputs that are not layers, or of other output shapes.

    References
    ----------
    Wang, Schaul, Hessel, van Hasselt, Lanctot and de Freitas (2016),
    *Dueling Network Architectures for Deep Reinforcement Learning*, ICML.

    Examples
    --------
    >>> from lasagne.layers import DenseLayer, InputLayer
    >>> features = DenseLayer(InputLayer((None, 4)), 16)
    >>> value = DenseLayer(features, 1, nonlinearity=None)
    >>> advantages = DenseLayer(features, 3, nonlinearity=None)
    >>> DuelingLayer(value, advantages).output_shape
    (None, 3)
    """

    def __init__(self, value, advantages, **kwargs):
        require_layer(value, "value")
        require_layer(advantages, "advantages")
        _check_shapes(value.output_shape, advantages.output_shape)
        super(DuelingLayer, self).__init__([value, advantages], **kwargs)

    def get_output_shape_for(self, input_shapes):
        """The advantages' shape, ``[batch, n_actions]``."""
        return input_shapes[1]

    def get_output_for(self, inputs, **kwargs):
        """:math:`Q = V + A - \\mathrm{mean}_a A`, ``[batch, n_actions]``."""
        value, advantages = inputs
        value = value.reshape((value.shape[0], 1))
        return value + advantages - advantages.mean(axis=1, keepdims=True)
