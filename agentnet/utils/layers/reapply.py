"""Apply an existing sub-network, with the same parameters, on top of other layers."""
from collections import OrderedDict

from lasagne.layers import Layer, get_all_params, get_output

from ..layers.dict import DictLayer
from ..layers.helpers import get_layer_dtype

__all__ = ["ReapplyLayer", "reapply"]


class ReapplyLayer(DictLayer):
    """Evaluate ``layers`` with some of their inputs replaced; shares their parameters.

    Parameters
    ----------
    layers : dict {key: layer}, layer or list of layers
        A layer or list is keyed 0, 1, ...
    replacements : dict {existing layer: new layer}
        The new layers become this layer's inputs.
    output_shapes, output_dtypes : dict or None
        Default: the original layers' shapes and dtypes (shapes are not
        recomputed for the new inputs).
    """

    def __init__(self, layers, replacements, output_shapes=None, output_dtypes=None, **kwargs):
        if not isinstance(layers, dict):
            layers = [layers] if isinstance(layers, Layer) else list(layers)
            layers = OrderedDict(enumerate(layers))
        self.layers = OrderedDict(layers)
        self.input_keys = list(replacements.keys())
        shapes = output_shapes or OrderedDict((k, l.output_shape) for k, l in self.layers.items())
        dtypes = output_dtypes or OrderedDict((k, get_layer_dtype(l))
                                              for k, l in self.layers.items())
        super(ReapplyLayer, self).__init__(list(replacements.values()), shapes, dtypes, **kwargs)

    def get_output_for(self, inputs, **kwargs):
        values = get_output(list(self.layers.values()), dict(zip(self.input_keys, inputs)),
                            **kwargs)
        return OrderedDict(zip(self.layers.keys(), values))

    def get_params(self, **tags):
        """The original sub-network's parameters: training through the copy trains them."""
        return get_all_params(list(self.layers.values()), **tags)


def reapply(layer_or_layers, replacements, **kwargs):
    """Re-apply ``layer_or_layers`` with ``replacements``; returns layer(s) of the same container.

    Parameters
    ----------
    layer_or_layers : layer, list/tuple of layers or dict of layers
    replacements : dict {existing layer: new layer}

    Returns
    -------
    layer, list of layers or dict {key: layer}
    """
    if not isinstance(replacements, dict):
        raise TypeError("`replacements` must be a dict {existing layer: new layer}, got %s"
                        % type(replacements).__name__)
    reapplied = ReapplyLayer(layer_or_layers, replacements, **kwargs)
    if isinstance(layer_or_layers, Layer):
        return reapplied[0]
    if isinstance(layer_or_layers, dict):
        return OrderedDict((key, reapplied[key]) for key in layer_or_layers)
    return [reapplied[i] for i in range(len(layer_or_layers))]
