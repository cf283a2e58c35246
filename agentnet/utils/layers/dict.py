"""Layers with several named outputs."""
from collections import OrderedDict

import theano
from lasagne.layers import Layer, MergeLayer

from ..format import check_list
from ..logging import warn

__all__ = ["DictLayer", "DictElementLayer"]


def _output_keys(output_shapes, output_dtypes):
    for candidate in (output_shapes, output_dtypes):
        if isinstance(candidate, dict):
            if not isinstance(candidate, OrderedDict) and len(candidate) > 1:
                warn("A plain dict defines the output order of a DictLayer; use an OrderedDict "
                     "if the order matters.", verbosity_level=2)
            return list(candidate.keys())
    warn("DictLayer outputs given as a list are keyed 0..n-1.", verbosity_level=2)
    return list(range(len(output_shapes)))


def _aligned(values, keys, default):
    if values is None:
        return OrderedDict((key, default) for key in keys)
    if isinstance(values, dict):
        return OrderedDict((key, values[key]) for key in keys)
    values = list(values)
    if len(values) != len(keys):
        raise ValueError("expected %i entries, one per output, got %i" % (len(keys), len(values)))
    return OrderedDict(zip(keys, values))


class DictLayer(MergeLayer):
    """Base class of Lasagne layers that produce several named outputs.

    ``layer[key]`` gives an ordinary one-output layer (:class:`DictElementLayer`)
    for one output; ``layer[key1, key2]`` a tuple of them. Iterating a
    ``DictLayer`` raises ``TypeError`` on purpose, so that Lasagne's helpers
    treat it as a single layer rather than a list of layers.

    Parameters
    ----------
    incomings : layer or list of layers
    output_shapes : dict {key: shape} or list of shapes
        One shape per output; dict keys become output keys (otherwise 0..n-1).
    output_dtypes : dict, list or None
        One dtype per output; default ``theano.config.floatX`` for all.
    """

    def __init__(self, incomings, output_shapes, output_dtypes=None, **kwargs):
        super(DictLayer, self).__init__(check_list(incomings), **kwargs)
        keys = _output_keys(output_shapes, output_dtypes)
        self.output_keys = keys
        self.output_shapes = _aligned(output_shapes, keys, None)
        self.output_dtypes = _aligned(output_dtypes, keys, theano.config.floatX)

    def get_output_shape_for(self, input_shapes):
        return self.output_shapes

    @property
    def output_dtype(self):
        """OrderedDict {key: dtype}."""
        return self.output_dtypes

    def get_output_for(self, inputs, **kwargs):
        if len(inputs) != len(self.output_keys):
            raise NotImplementedError("%s must implement get_output_for" % type(self).__name__)
        return OrderedDict(zip(self.output_keys, inputs))

    def keys(self):
        """The output keys, in order."""
        return list(self.output_keys)

    def values(self):
        """A tuple of element layers, one per output key."""
        return self[self.keys()]

    def __len__(self):
        return len(self.output_keys)

    def __iter__(self):
        raise TypeError("%s is a single layer with several outputs and cannot be iterated; "
                        "use layer[key] or layer.values()" % type(self).__name__)

    def __getitem__(self, key):
        if isinstance(key, (list, tuple)):
            return tuple(self[k] for k in key)
        if key not in self.output_shapes:
            raise KeyError("%r is not an output of %s; outputs are %s"
                           % (key, self.name or type(self).__name__, self.keys()))
        return DictElementLayer(self, key)


class DictElementLayer(Layer):
    """One output of a :class:`DictLayer`, usable as a normal Lasagne layer.

    Parameters
    ----------
    incoming : DictLayer
    key
        One of ``incoming.keys()``.
    name : str or None
    """

    def __init__(self, incoming, key, name=None):
        if not isinstance(incoming, DictLayer):
            raise TypeError("DictElementLayer needs a DictLayer, got %s" % type(incoming).__name__)
        if key not in incoming.output_shapes:
            raise KeyError("%r is not an output of %s" % (key, incoming.name))
        # Layer.__init__ is skipped on purpose: it would validate the parent's
        # shape dict as if it were a shape tuple.
        self.input_layer = incoming
        self.input_shape = incoming.output_shape
        self.key = key
        self.name = name
        self.params = OrderedDict()
        self.get_output_kwargs = []

    def get_output_for(self, outputs_by_key, **kwargs):
        return outputs_by_key[self.key]

    def get_output_shape_for(self, shapes_by_key):
        return shapes_by_key[self.key]

    @property
    def output_dtype(self):
        """The parent's dtype for this key."""
        return self.input_layer.output_dtypes[self.key]
