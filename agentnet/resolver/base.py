"""Greedy action picking: the base of every resolver."""
import theano.tensor as T
from lasagne.layers import Layer

from ..utils._validation import require_dtype, require_layer, shape_str

__all__ = ["BaseResolver"]


class BaseResolver(Layer):
    r"""Pick the action with the highest score: :math:`a = \arg\max_i s_i`.

    Resolvers turn per-action scores ``[batch, n_actions]`` into action ids
    ``[batch]`` and declare an integer ``output_dtype``.

    Parameters
    ----------
    incoming : layer [batch, n_actions]
        Q-values, probabilities or any scores.
    name : str
    output_dtype : str
        Integer dtype of the action ids (numpy name, e.g. ``"int32"``,
        ``"int64"``, ``"uint8"``).

    Raises
    ------
    TypeError
        If ``incoming`` is not a layer or ``output_dtype`` is not a dtype.
    ValueError
        If ``incoming`` is not 2-D or ``output_dtype`` is not an integer dtype.
    """

    def __init__(self, incoming, name="BaseResolver", output_dtype="int32"):
        require_layer(incoming, "incoming")
        output_dtype = require_dtype(output_dtype, "output_dtype", kind="int")
        if len(incoming.output_shape) != 2:
            raise ValueError("`incoming` of %s must have ndim 2 [batch, n_actions], got shape %s"
                             % (type(self).__name__, shape_str(incoming.output_shape)))
        super(BaseResolver, self).__init__(incoming, name=name)
        self.output_dtype = output_dtype

    def get_output_shape_for(self, input_shape):
        return (input_shape[0],)

    def get_output_for(self, policy, **kwargs):
        return T.argmax(policy, axis=1).astype(self.output_dtype)
