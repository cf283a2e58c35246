r"""Lasagne APIs newer than Lasagne 0.1, written for AgentNet from their documented behaviour.

AgentNet and code written for later Lasagne versions use layers that the
only PyPI release of Lasagne (0.1) lacks. They are defined here, once, and
:func:`install` (run by the start-up import hook right after ``import
lasagne``, and again by ``import agentnet``) makes them reachable where later
Lasagne versions keep them:

==========================  ===============================================
name                        where
==========================  ===============================================
``ScaleLayer``              ``lasagne.layers``, ``lasagne.layers.special``
``BiasLayer``               ``lasagne.layers``, ``lasagne.layers.special``
``ExpressionLayer``         ``lasagne.layers``, ``lasagne.layers.special``
``standardize``             ``lasagne.layers``, ``lasagne.layers.special``
``BatchNormLayer``          ``lasagne.layers``, ``lasagne.layers.normalization``
``batch_norm``              ``lasagne.layers``, ``lasagne.layers.normalization``
``DenseLayer``              ``lasagne.layers``, ``lasagne.layers.dense``
                            (with ``num_leading_axes``)
``elu``                     ``lasagne.nonlinearities``
``LSTMLayer``               its ``get_output_for`` (output-gate peephole
                            inside the gate's nonlinearity)
==========================  ===============================================

Names Lasagne already has are left alone; ``DenseLayer`` is replaced by the
subclass defined here only when Lasagne's own has no ``num_leading_axes``
parameter (with the default ``num_leading_axes=1`` the two behave alike),
and ``LSTMLayer.get_output_for`` by :func:`lstm_get_output_for` when Lasagne
is release 0.1, whose output gate adds its peephole after the gate's sigmoid
(fixed on Lasagne master in October 2015, Lasagne PR #449).
``lasagne.random.get_rng``/``set_rng`` already exist in 0.1 and need no
backport.

This module imports only the standard library, numpy, Theano and Lasagne:
the hook may run it while ``agentnet`` itself is still importing.
"""
import functools
import inspect
import sys
import types
from collections import OrderedDict
from importlib.machinery import ModuleSpec

import numpy as np
import theano
import theano.tensor as T
from lasagne import init, nonlinearities
from lasagne.layers import Layer, NonlinearityLayer
from lasagne.layers.dense import DenseLayer as _Lasagne01DenseLayer
from lasagne.utils import unroll_scan

__all__ = ["ScaleLayer", "BiasLayer", "ExpressionLayer", "DenseLayer", "BatchNormLayer",
           "batch_norm", "standardize", "elu", "lstm_step", "lstm_get_output_for",
           "install"]


def elu(x):
    r"""Exponential linear unit (Clevert et al. 2016).

    .. math::
        \mathrm{elu}(x) = \begin{cases} x & x > 0 \\ e^x - 1 & x \le 0 \end{cases}

    Parameters
    ----------
    x : tensor of any shape, float

    Returns
    -------
    tensor of the same shape and dtype

    References
    ----------
    D.-A. Clevert, T. Unterthiner, S. Hochreiter. Fast and accurate deep
    network learning by exponential linear units (ELUs). ICLR 2016.
    """
    # expm1 keeps precision for small negative x, where e^x - 1 cancels.
    return T.switch(x > 0, x, T.expm1(x))


# ---------------------------------------------------------------- argument checks

def _check_keywords(init_method):
    """Turn a misspelled layer keyword into a TypeError with a did-you-mean hint.

    Lasagne 0.1's ``Layer.__init__`` takes only ``name``; anything else would
    otherwise fail there with a message that names neither the layer nor the
    intended keyword.
    """
    known = [p for p in inspect.signature(init_method).parameters
             if p not in ("self", "kwargs")] + ["name"]
    layer_name = init_method.__qualname__.split(".")[0]

    @functools.wraps(init_method)
    def checked(self, *args, **kwargs):
        for keyword in kwargs:
            if keyword not in known:
                raise TypeError(_unknown_keyword(layer_name, keyword, known))
        return init_method(self, *args, **kwargs)
    return checked


def _unknown_keyword(layer_name, keyword, known):
    import difflib  # only on the error path: keeps `import lasagne` cheap
    message = "%s() got an unexpected keyword argument '%s'" % (layer_name, keyword)
    close = difflib.get_close_matches(keyword, known, n=1, cutoff=0.6)
    return message + ("; did you mean '%s'?" % close[0] if close else "")


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _resolve_axes(axes, ndim, argument):
    """'auto' (every axis but 1), an int or a sequence of ints -> sorted non-negative axes."""
    if isinstance(axes, str):
        if axes != "auto":
            raise ValueError("`%s` must be 'auto', an int or a tuple of ints, got %r"
                             % (argument, axes))
        return (0,) + tuple(range(2, ndim))
    axes = (axes,) if _is_int(axes) else axes
    if not isinstance(axes, (tuple, list)) or not all(_is_int(a) for a in axes):
        raise TypeError("`%s` must be 'auto', an int or a tuple of ints, got %r"
                        % (argument, axes))
    if any(not -ndim <= a < ndim for a in axes):
        raise ValueError("`%s` must name axes of the %i-d input, got %r" % (argument, ndim, axes))
    return tuple(sorted(set(a % ndim for a in axes)))


def _parameter_shape(input_shape, shared_axes, layer_name):
    """The input shape without the shared axes; those sizes must be known."""
    shape = tuple(size for axis, size in enumerate(input_shape) if axis not in shared_axes)
    if any(size is None for size in shape):
        raise ValueError("%s needs a known size on every axis it does not share; input shape %s "
                         "with shared axes %s" % (layer_name, _shape_str(input_shape),
                                                  shared_axes))
    return shape


def _shape_str(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _spread(param, shared_axes, ndim):
    """dimshuffle a per-unit parameter so that it broadcasts over the shared axes."""
    param_axes = iter(range(param.ndim))
    return param.dimshuffle(*["x" if axis in shared_axes else next(param_axes)
                              for axis in range(ndim)])


# ---------------------------------------------------------------- elementwise layers

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

    @_check_keywords
    def __init__(self, incoming, scales=init.Constant(1), shared_axes="auto", **kwargs):
        super(ScaleLayer, self).__init__(incoming, **kwargs)
        self.shared_axes = _resolve_axes(shared_axes, len(self.input_shape), "shared_axes")
        shape = _parameter_shape(self.input_shape, self.shared_axes, "ScaleLayer")
        self.scales = self.add_param(scales, shape, "scales", regularizable=False)

    def get_output_for(self, input, **kwargs):
        return input * _spread(self.scales, self.shared_axes, input.ndim)


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

    @_check_keywords
    def __init__(self, incoming, b=init.Constant(0), shared_axes="auto", **kwargs):
        super(BiasLayer, self).__init__(incoming, **kwargs)
        self.shared_axes = _resolve_axes(shared_axes, len(self.input_shape), "shared_axes")
        self.b = None
        if b is not None:
            shape = _parameter_shape(self.input_shape, self.shared_axes, "BiasLayer")
            self.b = self.add_param(b, shape, "b", regularizable=False)

    def get_output_for(self, input, **kwargs):
        if self.b is None:
            return input
        return input + _spread(self.b, self.shared_axes, input.ndim)


# ---------------------------------------------------------------- ExpressionLayer

# The 'auto' shape probe runs on a tiny dummy array: the Python linker
# avoids a C compile (seconds) for a graph that is evaluated once.
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
            not all(s is None or _is_int(s) for s in output_shape):
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

    @_check_keywords
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


# ---------------------------------------------------------------- DenseLayer

def _leading_axes(num_leading_axes, ndim):
    """Resolve a possibly negative ``num_leading_axes`` against an ``ndim``-d input."""
    if not _is_int(num_leading_axes):
        raise TypeError("`num_leading_axes` must be an int, got %r" % (num_leading_axes,))
    if not -ndim <= num_leading_axes < ndim:
        raise ValueError("`num_leading_axes` must be in [-%i, %i) for a %i-d input (at least "
                         "one trailing axis), got %i" % (ndim, ndim, ndim, num_leading_axes))
    return num_leading_axes % ndim


class DenseLayer(_Lasagne01DenseLayer):
    r"""Lasagne 0.1's fully connected layer plus ``num_leading_axes``.

    The first ``num_leading_axes`` axes are kept and every position along
    them gets the same affine map; the remaining axes are flattened into the
    input units:

    .. math::
        y_{i_0 \dots i_{n-1}} = f\left(\mathrm{flat}(x_{i_0 \dots i_{n-1}}) W + b\right)

    so an input ``[d_0, ..., d_{n-1}, r_0, r_1, ...]`` gives
    ``[d_0, ..., d_{n-1}, num_units]`` with ``W`` of shape
    ``(r_0 * r_1 * ..., num_units)``.

    Parameters
    ----------
    incoming : layer or shape tuple
    num_units : int
        Output units.
    W : initializer, numpy array or shared variable
        Parameter ``W`` (trainable, regularizable).
    b : initializer, numpy array, shared variable or None
        Parameter ``b`` of shape ``(num_units,)`` (trainable, not
        regularizable); None for no bias.
    nonlinearity : callable or None
        :math:`f`; None is the identity.
    num_leading_axes : int
        Axes kept as they are (1: Lasagne 0.1's behaviour). A negative value
        counts from the end: ``-1`` keeps every axis but the last. 0 flattens
        the whole input into one vector.
    **kwargs
        ``name``.

    Raises
    ------
    ValueError
        When ``num_leading_axes`` leaves no trailing axis, a trailing axis
        has an unknown size or ``num_units`` is not positive.
    TypeError
        When ``num_units`` or ``num_leading_axes`` is not an int.

    Examples
    --------
    >>> from lasagne.layers import InputLayer
    >>> DenseLayer(InputLayer((None, 7, 3)), 5, num_leading_axes=2).output_shape
    (None, 7, 5)
    """

    @_check_keywords
    def __init__(self, incoming, num_units, W=init.GlorotUniform(), b=init.Constant(0.),
                 nonlinearity=nonlinearities.rectify, num_leading_axes=1, **kwargs):
        # Lasagne 0.1's __init__ sizes W for exactly one leading axis, so it is skipped.
        Layer.__init__(self, incoming, **kwargs)
        if not _is_int(num_units):
            raise TypeError("`num_units` must be a positive int, got %r (%s)"
                            % (num_units, type(num_units).__name__))
        if num_units <= 0:
            raise ValueError("`num_units` must be a positive int, got %r" % (num_units,))
        leading = _leading_axes(num_leading_axes, len(self.input_shape))
        trailing = self.input_shape[leading:]
        if any(size is None for size in trailing):
            raise ValueError("DenseLayer needs known sizes on the axes after the %i leading "
                             "one(s); input shape %s" % (leading, _shape_str(self.input_shape)))
        self.num_leading_axes = num_leading_axes
        self.nonlinearity = nonlinearities.identity if nonlinearity is None else nonlinearity
        self.num_units = num_units
        self.W = self.add_param(W, (int(np.prod(trailing)), num_units), name="W")
        self.b = None if b is None else self.add_param(b, (num_units,), name="b",
                                                       regularizable=False)

    def get_output_shape_for(self, input_shape):
        leading = _leading_axes(self.num_leading_axes, len(input_shape))
        return tuple(input_shape[:leading]) + (self.num_units,)

    def get_output_for(self, input, **kwargs):
        leading = _leading_axes(self.num_leading_axes, input.ndim)
        if input.ndim > leading + 1:
            input = input.flatten(leading + 1)
        activation = T.dot(input, self.W)
        if self.b is not None:
            activation = activation + self.b
        return self.nonlinearity(activation)


# ---------------------------------------------------------------- batch normalisation

class BatchNormLayer(Layer):
    r"""Batch normalisation (Ioffe & Szegedy 2015).

    .. math::
        y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \, \gamma + \beta

    where :math:`\mu, \sigma^2` are computed over ``axes`` and
    :math:`\gamma, \beta` broadcast over them. In training (the default)
    :math:`\mu, \sigma^2` are the batch statistics and the running averages
    move towards them,

    .. math::
        m \leftarrow (1 - \alpha)\, m + \alpha\, \mu_{batch}, \qquad
        s \leftarrow (1 - \alpha)\, s + \alpha\, (\sigma^2_{batch} + \epsilon)^{-1/2},

    through the ``default_update`` of clones of ``mean`` and ``inv_std`` that
    ``theano.function`` applies at every call without being told. With
    ``deterministic=True`` the stored ``mean`` and ``inv_std`` are used and
    not updated.

    Parameters
    ----------
    incoming : layer or shape tuple
        Input ``[d_0, d_1, ...]``.
    axes : 'auto', int or tuple of ints
        Axes to normalise over; 'auto' = every axis but 1 (per unit for
        ``[batch, units]``, per channel for ``[batch, channels, rows, cols]``).
    epsilon : float
        Added to the variance, 1e-4.
    alpha : float
        Running-average rate, 0.1.
    beta : initializer, array, shared variable or None
        Shift :math:`\beta` (trainable, not regularizable); None removes it.
    gamma : initializer, array, shared variable or None
        Scale :math:`\gamma` (trainable, regularizable); None removes it.
    mean, inv_std : initializer, array or shared variable
        Running averages :math:`m` and :math:`s` (not trainable).
    **kwargs
        ``name``.

    Notes
    -----
    Flags read from ``lasagne.layers.get_output(..., **flags)``:
    ``deterministic`` (default False), ``batch_norm_use_averages`` (default:
    ``deterministic``) and ``batch_norm_update_averages`` (default: not
    ``deterministic``).

    References
    ----------
    S. Ioffe, C. Szegedy. Batch normalization: accelerating deep network
    training by reducing internal covariate shift. ICML 2015.
    """

    @_check_keywords
    def __init__(self, incoming, axes="auto", epsilon=1e-4, alpha=0.1, beta=init.Constant(0),
                 gamma=init.Constant(1), mean=init.Constant(0), inv_std=init.Constant(1),
                 **kwargs):
        super(BatchNormLayer, self).__init__(incoming, **kwargs)
        self.axes = _resolve_axes(axes, len(self.input_shape), "axes")
        self.epsilon, self.alpha = epsilon, alpha
        shape = _parameter_shape(self.input_shape, self.axes, "BatchNormLayer")
        self.beta = None if beta is None else self.add_param(beta, shape, "beta",
                                                             regularizable=False)
        self.gamma = None if gamma is None else self.add_param(gamma, shape, "gamma")
        self.mean = self.add_param(mean, shape, "mean", trainable=False, regularizable=False)
        self.inv_std = self.add_param(inv_std, shape, "inv_std", trainable=False,
                                      regularizable=False)

    def get_output_for(self, input, deterministic=False, batch_norm_use_averages=None,
                       batch_norm_update_averages=None, **kwargs):
        use_averages = deterministic if batch_norm_use_averages is None \
            else batch_norm_use_averages
        update_averages = not deterministic if batch_norm_update_averages is None \
            else batch_norm_update_averages
        batch_mean = input.mean(self.axes)
        # inv_std = 1 / sqrt(var + eps)
        batch_inv_std = T.inv(T.sqrt(input.var(self.axes) + self.epsilon))
        mean, inv_std = (self.mean, self.inv_std) if use_averages else (batch_mean, batch_inv_std)
        if update_averages:
            mean = mean + 0 * self._running_average(self.mean, batch_mean)
            inv_std = inv_std + 0 * self._running_average(self.inv_std, batch_inv_std)
        return self._normalize(input, mean, inv_std)

    def _running_average(self, average, batch_value):
        """A clone of ``average`` whose default update moves it towards ``batch_value``.

        The clone shares the storage of ``average``; the update lives on the
        clone so that only functions built from this output apply it.
        Adding ``0 * clone`` to the output puts the clone in the graph.
        """
        clone = theano.clone(average, share_inputs=False)
        # m <- (1 - alpha) m + alpha * batch statistic
        clone.default_update = (1 - self.alpha) * clone + self.alpha * batch_value
        return clone

    def _normalize(self, input, mean, inv_std):
        def spread(param):
            return _spread(param, self.axes, input.ndim)
        gamma = 1 if self.gamma is None else spread(self.gamma)
        beta = 0 if self.beta is None else spread(self.beta)
        return (input - spread(mean)) * (gamma * spread(inv_std)) + beta


def batch_norm(layer, **kwargs):
    r"""Batch-normalise a layer's pre-activation.

    ``layer``'s bias ``b`` is removed (the normalisation's :math:`\beta`
    replaces it) and its nonlinearity set to the identity; a
    :class:`BatchNormLayer` follows it and a ``NonlinearityLayer`` applies
    the original nonlinearity:

    .. math::
        f(x W + b) \;\to\; f(\mathrm{BN}(x W))

    Parameters
    ----------
    layer : layer
        Modified in place (``b`` and ``nonlinearity`` attributes, if any).
    **kwargs
        Passed to :class:`BatchNormLayer`; ``name`` defaults to
        ``layer.name + '_bn'`` and the nonlinearity layer gets
        ``<bn name>_nonlin``.

    Returns
    -------
    layer
        The ``NonlinearityLayer`` when ``layer`` had a nonlinearity, else the
        ``BatchNormLayer``.

    Raises
    ------
    TypeError
        When ``layer`` is not a Lasagne layer.
    """
    if not isinstance(layer, Layer):
        raise TypeError("`layer` must be a lasagne layer, got %s" % type(layer).__name__)
    nonlinearity = getattr(layer, "nonlinearity", None)
    if nonlinearity is not None:
        layer.nonlinearity = nonlinearities.identity
    if getattr(layer, "b", None) is not None:
        del layer.params[layer.b]
        layer.b = None
    name = kwargs.pop("name", None) or (layer.name and layer.name + "_bn")
    normalized = BatchNormLayer(layer, name=name, **kwargs)
    if nonlinearity is None:
        return normalized
    return NonlinearityLayer(normalized, nonlinearity, name=name and name + "_nonlin")


# ---------------------------------------------------------------- standardize

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
                         % (argument, _shape_str(array.shape), _shape_str(shape))) from None


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
    axes = _resolve_axes(shared_axes, len(input_shape), "shared_axes")
    shape = _parameter_shape(input_shape, axes, "standardize")
    offset = _fixed_values(offset, shape, "offset")
    scale = _fixed_values(scale, shape, "scale")
    if not np.all(scale != 0):
        raise ValueError("`scale` must be non-zero everywhere, got %s" % (scale,))
    shifted = BiasLayer(layer, -offset, axes, name=name and name + "_offset")
    scaled = ScaleLayer(_freeze(shifted, shifted.b), 1 / scale, axes,
                        name=name and name + "_scale")
    return _freeze(scaled, scaled.scales)


# ---------------------------------------------------------------- LSTMLayer

_GATE_ORDER = ("ingate", "forgetgate", "cell", "outgate")


def lstm_step(layer, input_t, cell_prev, hid_prev, weights):
    r"""One tick of an LSTM layer, with the output gate of Lasagne master.

    .. math::
        z &= x_t W_x + b + h_{t-1} W_h = [z_i, z_f, z_c, z_o] \\
        i &= \sigma_i(z_i + w_{ci} \odot c_{t-1}), \quad
        f = \sigma_f(z_f + w_{cf} \odot c_{t-1}) \\
        c_t &= f \odot c_{t-1} + i \odot \sigma_c(z_c) \\
        o &= \sigma_o(z_o + w_{co} \odot c_t), \quad
        h_t = o \odot \sigma_h(c_t)

    The output gate's peephole term is inside :math:`\sigma_o` (Lasagne 0.1
    adds it to :math:`\sigma_o(z_o)`). The peephole terms are left out
    without ``layer.peepholes``.

    Parameters
    ----------
    layer : lasagne.layers.LSTMLayer
        Supplies ``num_units``, ``peepholes``, ``grad_clipping`` and the
        nonlinearities.
    input_t : tensor [batch, n_inputs], or [batch, 4 * num_units] when ``weights``
        has no ``"W_in"`` (input already multiplied and biased)
    cell_prev, hid_prev : tensors [batch, num_units]
    weights : dict
        ``"W_hid"`` [num_units, 4 * num_units]; ``"W_in"`` and ``"b"`` unless
        precomputed; ``"W_cell_to_<gate>"`` [num_units] with peepholes.

    Returns
    -------
    list [c_t, h_t], two tensors [batch, num_units]
    """
    if "W_in" in weights:
        input_t = T.dot(input_t, weights["W_in"]) + weights["b"]
    preactivations = input_t + T.dot(hid_prev, weights["W_hid"])
    if layer.grad_clipping:
        preactivations = theano.gradient.grad_clip(preactivations, -layer.grad_clipping,
                                                   layer.grad_clipping)
    n = layer.num_units
    z_in, z_forget, z_cell, z_out = [preactivations[:, k * n:(k + 1) * n] for k in range(4)]
    if layer.peepholes:
        z_in = z_in + cell_prev * weights["W_cell_to_ingate"]
        z_forget = z_forget + cell_prev * weights["W_cell_to_forgetgate"]
    cell = layer.nonlinearity_forgetgate(z_forget) * cell_prev \
        + layer.nonlinearity_ingate(z_in) * layer.nonlinearity_cell(z_cell)
    if layer.peepholes:
        z_out = z_out + cell * weights["W_cell_to_outgate"]
    return [cell, layer.nonlinearity_outgate(z_out) * layer.nonlinearity(cell)]


def _masked_step(layer, input_t, mask_t, cell_prev, hid_prev, weights):
    """:func:`lstm_step` where ``mask_t`` [batch, 1] is 1; the previous state where it is 0."""
    cell, hid = lstm_step(layer, input_t, cell_prev, hid_prev, weights)
    return [T.switch(mask_t, cell, cell_prev), T.switch(mask_t, hid, hid_prev)]


def _stacked_weights(layer):
    """The weights a tick reads, gates stacked in Lasagne's order (and peepholes)."""
    def stacked(prefix, axis):
        return T.concatenate([getattr(layer, prefix + gate) for gate in _GATE_ORDER], axis=axis)
    weights = OrderedDict([("W_hid", stacked("W_hid_to_", 1)), ("W_in", stacked("W_in_to_", 1)),
                           ("b", stacked("b_", 0))])
    if layer.peepholes:
        weights.update((name, getattr(layer, name)) for name in
                       ("W_cell_to_ingate", "W_cell_to_forgetgate", "W_cell_to_outgate"))
    return weights


def _initial_state(layer, value, batch_size):
    """[batch, units]: a (1, units) parameter repeated, a given 2-D tensor as it is."""
    return T.repeat(value, batch_size, axis=0) if value in layer.params else value


def _lstm_loop(layer, sequences, initial, weights):
    """Ticks over time-major ``sequences``; returns [cells, hids], each [time, batch, units]."""
    names, step = list(weights), _masked_step if len(sequences) == 2 else lstm_step

    def tick(*args):
        n = len(sequences) + 2
        return step(layer, *args[:n], weights=OrderedDict(zip(names, args[n:])))
    if layer.unroll_scan:
        return unroll_scan(tick, sequences, initial, list(weights.values()),
                           layer.input_shapes[0][1], go_backwards=layer.backwards)
    return theano.scan(tick, sequences=sequences, outputs_info=initial,
                       non_sequences=list(weights.values()), go_backwards=layer.backwards,
                       truncate_gradient=layer.gradient_steps, strict=True)[0]


def lstm_get_output_for(self, inputs, **kwargs):
    r"""``LSTMLayer.get_output_for`` with the output gate of Lasagne master.

    Installed on Lasagne 0.1's ``LSTMLayer`` (constructor, parameters and
    names unchanged). Each tick is :func:`lstm_step`: the output gate's
    peephole is inside the nonlinearity,
    :math:`o_t = \sigma_o(x_t W_{xo} + h_{t-1} W_{ho} + w_{co} \odot c_t + b_o)`,
    as in the layer's own documented equations, where Lasagne 0.1 computes
    :math:`\sigma_o(x_t W_{xo} + h_{t-1} W_{ho} + b_o) + w_{co} \odot c_t`,
    which can leave :math:`(0, 1)`. ``grad_clipping=0`` means no clipping,
    as on master.

    Parameters
    ----------
    inputs : list
        The sequence ``[batch, time, ...]`` (axes after 2 are flattened)
        and, when the layer has a mask, the mask ``[batch, time]`` of 0/1:
        where it is 0 the state is carried over unchanged.

    Returns
    -------
    tensor [batch, time, num_units]
        The hidden states :math:`h_t` (in input order also when
        ``backwards``).

    References
    ----------
    Lasagne issue #448 and pull request #449 (October 2015).
    """
    sequence = inputs[0].flatten(3) if inputs[0].ndim > 3 else inputs[0]
    sequence = sequence.dimshuffle(1, 0, 2)
    weights = _stacked_weights(self)
    if self.precompute_input:
        sequence = T.dot(sequence, weights.pop("W_in")) + weights.pop("b")
    sequences = [sequence] + [mask.dimshuffle(1, 0, "x") for mask in inputs[1:2]]
    batch_size = sequence.shape[1]
    initial = [_initial_state(self, self.cell_init, batch_size),
               _initial_state(self, self.hid_init, batch_size)]
    hid = _lstm_loop(self, sequences, initial, weights)[1].dimshuffle(1, 0, 2)
    return hid[:, ::-1] if self.backwards else hid


# ---------------------------------------------------------------- install

_LOCATIONS = {
    "layers": ("ScaleLayer", "BiasLayer", "ExpressionLayer", "standardize", "BatchNormLayer",
               "batch_norm"),
    "layers.special": ("ScaleLayer", "BiasLayer", "ExpressionLayer", "standardize"),
    "layers.normalization": ("BatchNormLayer", "batch_norm"),
    "nonlinearities": ("elu",),
}


def _submodule(lasagne_module, dotted):
    """``lasagne.<dotted>``, created and registered in ``sys.modules`` if it does not exist."""
    module = lasagne_module
    for part in dotted.split("."):
        child = getattr(module, part, None)
        if child is None:
            child = types.ModuleType("%s.%s" % (module.__name__, part),
                                     "Added by agentnet.utils.lasagne_backports.")
            child.__spec__ = ModuleSpec(child.__name__, None)
            child.__all__ = []
            setattr(module, part, child)
            sys.modules[child.__name__] = child
        module = child
    return module


def _attach(module, name, value):
    """Set ``module.name`` unless it exists; list it in the module's ``__all__`` if any."""
    if hasattr(module, name):
        return
    setattr(module, name, value)
    exported = getattr(module, "__all__", None)
    if isinstance(exported, list) and name not in exported:
        exported.append(name)


def _install_dense_layer(layers):
    if "num_leading_axes" in inspect.signature(layers.DenseLayer.__init__).parameters:
        return
    layers.DenseLayer = DenseLayer
    layers.dense.DenseLayer = DenseLayer


def _install_lstm_output(lasagne_module):
    # Only the 0.1 release has the output-gate bug; master fixed it two months later. The
    # method is replaced in place: 0.1's constructor calls super() through the module-global
    # name LSTMLayer, so a subclass installed under that name would recurse into it.
    if getattr(lasagne_module, "__version__", None) == "0.1":
        lasagne_module.layers.recurrent.LSTMLayer.get_output_for = lstm_get_output_for


def install(lasagne_module):
    """Make the backports reachable from ``lasagne_module`` where they are missing.

    Attaches each name of the table in the module docstring to
    ``lasagne.layers``, its submodule and ``lasagne.nonlinearities``,
    creating ``lasagne.layers.special`` (also in ``sys.modules``) when
    absent. Names Lasagne already defines are kept, except that
    ``lasagne.layers.DenseLayer`` and ``lasagne.layers.dense.DenseLayer``
    become :class:`DenseLayer` when Lasagne's has no ``num_leading_axes``,
    and, when Lasagne is release 0.1, ``LSTMLayer.get_output_for`` becomes
    :func:`lstm_get_output_for`.
    Idempotent; a repeated call only checks ``hasattr``.

    Parameters
    ----------
    lasagne_module : module
        The imported ``lasagne`` package.

    Returns
    -------
    module
        ``lasagne_module``.
    """
    backports = globals()
    for dotted, names in _LOCATIONS.items():
        module = _submodule(lasagne_module, dotted)
        for name in names:
            _attach(module, name, backports[name])
    _install_dense_layer(lasagne_module.layers)
    _install_lstm_output(lasagne_module)
    return lasagne_module
