"""Apply an existing sub-network, with the same parameters, on top of other layers."""
from collections import OrderedDict

from lasagne.layers import Layer, get_all_params, get_output

from .dict import DictLayer
from .helpers import get_layer_dtype

__all__ = ["ReapplyLayer", "reapply"]


def _keyed_layers(layers):
    """``{key: layer}``: a dict keeps its keys, a layer or list is keyed 0, 1, ..."""
    if isinstance(layers, dict):
        keyed = OrderedDict(layers)
    elif isinstance(layers, Layer):
        keyed = OrderedDict([(0, layers)])
    elif isinstance(layers, (list, tuple)):
        keyed = OrderedDict(enumerate(layers))
    else:
        raise TypeError("`layers` must be a layer, a list/tuple of layers or a dict of layers, "
                        "got %s" % type(layers).__name__)
    for key, layer in keyed.items():
        if not isinstance(layer, Layer):
            raise TypeError("`layers`[%r] must be a lasagne layer, got %s"
                            % (key, type(layer).__name__))
    if not keyed:
        raise ValueError("`layers` must hold at least one layer, got %r" % (layers,))
    return keyed


def _checked_replacements(replacements):
    if not isinstance(replacements, dict):
        raise TypeError("`replacements` must be a dict {existing layer: new layer}, got %s"
                        % type(replacements).__name__)
    for old, new in replacements.items():
        if not isinstance(old, Layer) or not isinstance(new, Layer):
            raise TypeError("`replacements` must map lasagne layers to lasagne layers, got "
                            "%s -> %s" % (type(old).__name__, type(new).__name__))
    return replacements


class ReapplyLayer(DictLayer):
    r"""Evaluate ``layers`` with some of their inputs replaced, sharing their parameters.

    If the original layers compute :math:`y_k = f_k(u_1, \dots, u_r; \theta)`
    from the outputs :math:`u_j` of the layers ``replacements`` maps, this
    layer computes

    .. math::

        y'_k = f_k(v_1, \dots, v_r; \theta)

    from the outputs :math:`v_j` of the new layers, with the same parameters
    :math:`\theta`. Gradients through :math:`y'` therefore train the
    original weights.

    Parameters
    ----------
    layers : dict {key: layer}, layer, or list/tuple of layers
        The sub-network's outputs; a layer or list is keyed 0, 1, ...
    replacements : dict {existing layer: new layer}
        The new layers become this layer's inputs; each is used wherever the
        sub-network reaches the existing one.
    output_shapes, output_dtypes : dict or None
        Default: the original layers' shapes and dtypes (shapes are not
        recomputed for the new inputs).

    Notes
    -----
    The sub-network is evaluated by its own ``get_output`` call, which knows
    only ``replacements``: layers of it that are not replaced read their
    ``InputLayer``'s own variable, even if an outer ``get_output`` maps that
    input layer to another expression.

    Attributes
    ----------
    layers : OrderedDict {key: layer}
    input_keys : list of layers
        The replaced layers, in the order of this layer's inputs.
    """

    def __init__(self, layers, replacements, output_shapes=None, output_dtypes=None, **kwargs):
        self.layers = _keyed_layers(layers)
        replacements = _checked_replacements(replacements)
        self.input_keys = list(replacements.keys())
        if output_shapes is None:
            output_shapes = OrderedDict((k, layer.output_shape)
                                        for k, layer in self.layers.items())
        if output_dtypes is None:
            output_dtypes = OrderedDict((k, get_layer_dtype(layer))
                                        for k, layer in self.layers.items())
        super(ReapplyLayer, self).__init__(list(replacements.values()), output_shapes,
                                           output_dtypes, **kwargs)

    def get_output_for(self, inputs, **kwargs):
        """Evaluate the original layers with the replaced layers' outputs set to ``inputs``."""
        values = get_output(list(self.layers.values()), dict(zip(self.input_keys, inputs)),
                            **kwargs)
        return OrderedDict(zip(self.layers.keys(), values))

    def get_params(self, **tags):
        """The original sub-network's parameters: training through the copy trains them."""
        return get_all_params(list(self.layers.values()), **tags)


def reapply(layer_or_layers, replacements, **kwargs):
    """Re-apply ``layer_or_layers`` with ``replacements``, sharing the weights.

    Parameters
    ----------
    layer_or_layers : layer, list/tuple of layers or dict {key: layer}
    replacements : dict {existing layer: new layer}
    **kwargs
        Passed to :class:`ReapplyLayer` (``output_shapes``, ``name``, ...).

    Returns
    -------
    layer, list of layers or OrderedDict {key: layer}
        One element layer per original layer, in the same container.

    Raises
    ------
    TypeError
        If ``replacements`` is not a dict of layers or ``layer_or_layers``
        is not a layer or a container of layers.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer
    >>> observation, other = InputLayer((None, 4)), InputLayer((None, 4))
    >>> critic = DenseLayer(observation, 1)
    >>> critic_of_other = reapply(critic, {observation: other})
    >>> critic_of_other.output_shape
    (None, 1)
    """
    reapplied = ReapplyLayer(layer_or_layers, replacements, **kwargs)
    if isinstance(layer_or_layers, Layer):
        return reapplied[0]
    if isinstance(layer_or_layers, dict):
        return OrderedDict((key, reapplied[key]) for key in layer_or_layers)
    return [reapplied[i] for i in range(len(layer_or_layers))]
