"""``lasagne.layers.special`` of later Lasagne versions: ScaleLayer, BiasLayer,
ExpressionLayer and ``standardize``."""
import numpy as np
import theano
import theano.tensor as T
from lasagne import init
from lasagne.layers import Layer

from ._checks import check_keywords, is_int, parameter_shape, resolve_axes, shape_str, spread

__all__ = ["ScaleLayer", "BiasLayer", "ExpressionLayer", "standardize"]


class ScaleLayer(Layer):
    r"""Multiply the input by learned per-unit scales.

    .. math::
        y = x \odot s

    with :math:`s` broadcast over ``shared_axes``.

    Parameters
    ----------
    incoming : layer or shape tuple
        Input of shape ``[d_0, d_1, ...]``.
    scales : initializer, numpy array or shared variable
        Parameter ``scales`` (tags: trainable, not regularizable), of the
        input's shape without the shared axes; ``Constant(1)`` by default.
    shared_axes : 'auto', int or tuple of ints
        Axes over which one scale is shared. 'auto' shares every axis but
        axis 1: axis 0 of a ``[batch, units]`` input, axes ``(0, 2, 3)`` of a
        ``[batch, channels, rows, cols]`` input (one scale per channel).
    **kwargs
        ``name``.

    Raises
    ------
    ValueError
        When a non-shared axis has an unknown (None) size or an axis is out
        of range.

    Examples
    --------
    >>> from lasagne.layers import InputLayer
    >>> layer = ScaleLayer(InputLayer((None, 3, 5, 5)))
    >>> layer.scales.get_value().shape
    (3,)
    """

    @check_keywords
    def __init__(self, incoming, scales=init.Constant(1), shared_axes="auto", **kwargs):
        super(ScaleLayer, self).__init__(incoming, **kwargs)
        self.shared_axes = resolve_axes(shared_axes, len(self.input_shape), "shared_axes")
        shape = parameter_shape(self.input_shape, self.shared_axes, "ScaleLayer")
        self.scales = self.add_param(scales, shape, "scales", regularizable=False)

    def get_output_for(self, input, **kwargs):
        return input * spread(self.scales, self.shared_axes, input.ndim)


class BiasLayer(Layer):
    r"""Add a learned per-unit bias.

    .. math::
        y = x + b

    with :math:`b` broadcast over ``shared_axes``; the identity when ``b``
    is None.

    Parameters
    ----------
    incoming : layer or shape tuple
        Input of shape ``[d_0, d_1, ...]``.
    b : initializer, numpy array, shared variable or None
        Parameter ``b`` (tags: trainable, not regularizable), of the input's
        shape without the shared axes; ``Constant(0)`` by default.
    shared_axes : 'auto', int or tuple of ints
        As in :class:`ScaleLayer`.
    **kwargs
        ``name``.

    Raises
    ------
    ValueError
        When a non-shared axis has an unknown (None) size or an axis is out
        of range.
    """

    @check_keywords
    def __init__(self, incoming, b=init.Constant(0), shared_axes="auto", **kwargs):
        super(BiasLayer, self).__init__(incoming, **kwargs)
        self.shared_axes = resolve_axes(shared_axes, len(self.input_shape), "shared_axes")
        self.b = None
        if b is not None:
            shape = parameter_shape(self.input_shape, self.shared_axes, "BiasLayer")
            self.b = self.add_param(b, shape, "b", regularizable=False)

    def get_output_for(self, input, **kwargs):
        if self.b is None:
            return input
        return input + spread(self.b, self.shared_axes, input.ndim)


_PROBE_MODE = theano.compile.mode.Mode(linker="py", optimizer="fast_compile")


def _probe_output_shape(function, input_shape):
    """Apply ``function`` to zeros; sizes that follow an unknown input size become None."""
    fills = (2, 3) if None in input_shape else (1,)
    probes = []
    for fill in fills:
        dummy = T.constant(np.zeros([fill if s is None else s for s in input_shape],
                                    dtype=theano.config.floatX))
        probes.append(tuple(theano.function([], function(dummy).shape, mode=_PROBE_MODE)()))
    return tuple(int(size) if all(p[axis] == size for p in probes) else None
                 for axis, size in enumerate(probes[0]))


def _check_output_shape_spec(output_shape):
    if isinstance(output_shape, str):
        if output_shape == "auto":
            return
        raise ValueError("`output_shape` must be None, 'auto', a tuple or a callable, got %r"
                         % output_shape)
    if output_shape is None or callable(output_shape):
        return
    if not isinstance(output_shape, (tuple, list)) or \
            not all(s is None or is_int(s) for s in output_shape):
        raise TypeError("`output_shape` must be None, 'auto', a tuple of ints/None or a "
                        "callable, got %r" % (output_shape,))


class ExpressionLayer(Layer):
    r"""A layer computing any Theano expression of its input.

    .. math::
        y = f(x)

    Parameters
    ----------
    incoming : layer or shape tuple
    function : callable
        Symbolic tensor in, symbolic tensor out, e.g. ``lambda x: x.max(1)``.
    output_shape : None, 'auto', tuple or callable
        ``None``: the output has the input's shape. ``'auto'``: found once
        per input shape by applying ``function`` to zeros (unknown input
        sizes are tried with 2 and 3; output sizes that follow them are
        None). A tuple: that shape. A callable: ``output_shape(input_shape)``.
    **kwargs
        ``name``.

    Raises
    ------
    TypeError
        When ``function`` is not callable or ``output_shape`` is of the
        wrong type.

    Examples
    --------
    >>> from lasagne.layers import InputLayer
    >>> ExpressionLayer(InputLayer((None, 4, 5)), lambda x: x.max(axis=1),
    ...                 output_shape="auto").output_shape
    (None, 5)
    """

    @check_keywords
    def __init__(self, incoming, function, output_shape=None, **kwargs):
        super(ExpressionLayer, self).__init__(incoming, **kwargs)
        if not callable(function):
            raise TypeError("`function` must be callable (a tensor in, a tensor out), got %s"
                            % type(function).__name__)
        _check_output_shape_spec(output_shape)
        self.function = function
        self._output_shape = output_shape
        self._probed_shapes = {}

    def get_output_shape_for(self, input_shape):
        spec = self._output_shape
        if spec is None:
            return input_shape
        if isinstance(spec, str):
            key = tuple(input_shape)
            if key not in self._probed_shapes:
                self._probed_shapes[key] = _probe_output_shape(self.function, key)
            return self._probed_shapes[key]
        if callable(spec):
            return tuple(spec(input_shape))
        return tuple(spec)

    def get_output_for(self, input, **kwargs):
        return self.function(input)


def _fixed_values(value, shape, argument):
    """``value`` as a floatX array of the parameter ``shape`` (scalars broadcast)."""
    if isinstance(value, theano.Variable):
        raise TypeError("`%s` must be a number or numpy array: Lasagne 0.1 parameters cannot be "
                        "symbolic, got %s" % (argument, type(value).__name__))
    array = np.asarray(value, dtype=theano.config.floatX)
    try:
        return np.array(np.broadcast_to(array, shape))
    except ValueError:
        raise ValueError("`%s` of shape %s does not broadcast to the per-unit shape %s"
                         % (argument, shape_str(array.shape), shape_str(shape))) from None


def _freeze(layer, param):
    layer.params[param].discard("trainable")
    return layer


def standardize(layer, offset, scale, shared_axes="auto", name=None):
    r"""Standardise with fixed statistics: :math:`y = (x - \text{offset}) / \text{scale}`.

    Built as a :class:`BiasLayer` holding ``-offset`` followed by a
    :class:`ScaleLayer` holding ``1 / scale``, both with their parameter
    marked non-trainable (so ``get_all_params(trainable=True)`` skips them
    but ``get_all_param_values`` saves them).

    Parameters
    ----------
    layer : layer or shape tuple
        Input ``[d_0, d_1, ...]``.
    offset, scale : number or numpy array
        Broadcast to the input's shape without ``shared_axes`` (e.g. per
        channel). ``scale`` must be non-zero.
    shared_axes : 'auto', int or tuple of ints
        As in :class:`ScaleLayer`.
    name : str or None
        The layers are named ``<name>_offset`` and ``<name>_scale``.

    Returns
    -------
    ScaleLayer
        The output layer; its ``input_layer`` is the ``BiasLayer``.

    Raises
    ------
    TypeError
        When ``offset`` or ``scale`` is symbolic.
    ValueError
        When they do not broadcast to the per-unit shape or ``scale`` has a
        zero.
    """
    input_shape = layer.output_shape if isinstance(layer, Layer) else tuple(layer)
    axes = resolve_axes(shared_axes, len(input_shape), "shared_axes")
    shape = parameter_shape(input_shape, axes, "standardize")
    offset = _fixed_values(offset, shape, "offset")
    scale = _fixed_values(scale, shape, "scale")
    if not np.all(scale != 0):
        raise ValueError("`scale` must be non-zero everywhere, got %s" % (scale,))
    shifted = BiasLayer(layer, -offset, axes, name=name and name + "_offset")
    scaled = ScaleLayer(_freeze(shifted, shifted.b), 1 / scale, axes,
                        name=name and name + "_scale")
    return _freeze(scaled, scaled.scales)
