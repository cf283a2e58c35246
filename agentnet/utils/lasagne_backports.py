r"""Lasagne APIs newer than Lasagne 0.1, written for AgentNet from their documented behaviour.

AgentNet and code written for Lasagne's later versions use layers that the
only PyPI release of Lasagne (0.1) lacks. They are defined here, once, and
:func:`install` (run by the start-up import hook right after ``import
lasagne``) makes them reachable where later Lasagne versions keep them:

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
==========================  ===============================================

Names Lasagne already has are left alone; ``DenseLayer`` is replaced by the
subclass here only when it has no ``num_leading_axes`` parameter. This
module imports only numpy, Theano and Lasagne: the hook runs it while
``agentnet`` may still be importing.
"""
import inspect
import sys
import types

import numpy as np
import theano
import theano.tensor as T
from lasagne import init, nonlinearities
from lasagne.layers import Layer, NonlinearityLayer
from lasagne.layers.dense import DenseLayer as _Lasagne01DenseLayer

__all__ = ["ScaleLayer", "BiasLayer", "ExpressionLayer", "DenseLayer", "BatchNormLayer",
           "batch_norm", "standardize", "elu", "install"]


def elu(x):
    r"""Exponential linear unit (Clevert et al. 2016): :math:`x` if :math:`x > 0`, else
    :math:`e^x - 1`."""
    return T.switch(x > 0, x, T.expm1(x))


def _shared_axes(shared_axes, ndim):
    """'auto' shares every axis but the second (batch and spatial axes); an int is one axis."""
    if isinstance(shared_axes, str):
        if shared_axes != "auto":
            raise ValueError("`shared_axes` must be 'auto', an int or a tuple of ints, got %r"
                             % shared_axes)
        return (0,) + tuple(range(2, ndim))
    if isinstance(shared_axes, int):
        return (shared_axes,)
    return tuple(shared_axes)


def _parameter_shape(input_shape, shared_axes, layer_name):
    shape = tuple(size for axis, size in enumerate(input_shape) if axis not in shared_axes)
    if any(size is None for size in shape):
        raise ValueError("%s: every axis not in shared_axes must have a known size; input shape "
                         "%s with shared_axes %s" % (layer_name, input_shape, shared_axes))
    return shape


def _broadcast_to_input(param, shared_axes, ndim):
    """dimshuffle a parameter over the non-shared axes so it broadcasts over the input."""
    param_axes = iter(range(param.ndim))
    pattern = ["x" if axis in shared_axes else next(param_axes) for axis in range(ndim)]
    return param.dimshuffle(*pattern)


class ScaleLayer(Layer):
    r"""Multiply the input by learned scales: :math:`y = x \odot s`.

    Parameters
    ----------
    incoming : layer
    scales : initializer, array or shared variable
        Parameter ``scales`` (not regularizable), of the shape of the input's
        non-shared axes.
    shared_axes : 'auto', int or tuple of ints
        Axes over which a scale is shared; 'auto' = all but axis 1.
    """

    def __init__(self, incoming, scales=init.Constant(1), shared_axes="auto", **kwargs):
        super(ScaleLayer, self).__init__(incoming, **kwargs)
        self.shared_axes = _shared_axes(shared_axes, len(self.input_shape))
        shape = _parameter_shape(self.input_shape, self.shared_axes, "ScaleLayer")
        self.scales = self.add_param(scales, shape, "scales", regularizable=False)

    def get_output_for(self, input, **kwargs):
        return input * _broadcast_to_input(self.scales, self.shared_axes, input.ndim)


class BiasLayer(Layer):
    r"""Add a learned bias: :math:`y = x + b` (identity when ``b`` is None).

    Parameters
    ----------
    incoming : layer
    b : initializer, array, shared variable or None
        Parameter ``b`` (not regularizable).
    shared_axes : 'auto', int or tuple of ints
    """

    def __init__(self, incoming, b=init.Constant(0), shared_axes="auto", **kwargs):
        super(BiasLayer, self).__init__(incoming, **kwargs)
        self.shared_axes = _shared_axes(shared_axes, len(self.input_shape))
        self.b = None
        if b is not None:
            shape = _parameter_shape(self.input_shape, self.shared_axes, "BiasLayer")
            self.b = self.add_param(b, shape, "b", regularizable=False)

    def get_output_for(self, input, **kwargs):
        if self.b is None:
            return input
        return input + _broadcast_to_input(self.b, self.shared_axes, input.ndim)


def _probe_shape(function, input_shape, fill):
    dummy = np.zeros([fill if size is None else size for size in input_shape],
                     dtype=theano.config.floatX)
    return tuple(function(theano.shared(dummy)).shape.eval())


class ExpressionLayer(Layer):
    """A layer computing ``function(input)`` for any Theano expression.

    Parameters
    ----------
    incoming : layer
    function : callable
        Symbolic tensor in, symbolic tensor out.
    output_shape : None, 'auto', tuple or callable
        None: same as the input; 'auto': found by applying ``function`` to
        zeros (dimensions that follow the input's unknown sizes become None);
        a tuple: that shape; a callable: ``output_shape(input_shape)``.
    """

    def __init__(self, incoming, function, output_shape=None, **kwargs):
        super(ExpressionLayer, self).__init__(incoming, **kwargs)
        self.function = function
        if isinstance(output_shape, str) and output_shape != "auto":
            raise ValueError("`output_shape` must be None, 'auto', a tuple or a callable, got %r"
                             % output_shape)
        self._output_shape = output_shape

    def get_output_shape_for(self, input_shape):
        if self._output_shape is None:
            return input_shape
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        if isinstance(self._output_shape, str):
            first, second = (_probe_shape(self.function, input_shape, fill) for fill in (2, 3))
            return tuple(a if a == b else None for a, b in zip(first, second))
        return tuple(self._output_shape)

    def get_output_for(self, input, **kwargs):
        return self.function(input)


class DenseLayer(_Lasagne01DenseLayer):
    r"""Lasagne 0.1's ``DenseLayer`` plus ``num_leading_axes``.

    The first ``num_leading_axes`` axes are kept (each position gets the same
    dense transform); the remaining axes are flattened into the input units:
    input ``[d_0, ..., d_{n-1}, rest...]`` gives ``[d_0, ..., d_{n-1}, num_units]``
    with :math:`y = f(\mathrm{flat}(x) W + b)`. A negative value counts from
    the end (``-1``: all axes but the last are leading). With the default 1 it
    is Lasagne 0.1's layer.
    """

    def __init__(self, incoming, num_units, W=init.GlorotUniform(), b=init.Constant(0.),
                 nonlinearity=nonlinearities.rectify, num_leading_axes=1, **kwargs):
        Layer.__init__(self, incoming, **kwargs)
        self.num_leading_axes = _leading_axes(num_leading_axes, len(self.input_shape))
        trailing = self.input_shape[self.num_leading_axes:]
        if any(size is None for size in trailing):
            raise ValueError("DenseLayer needs known sizes for the axes after the %i leading "
                             "one(s); input shape %s" % (self.num_leading_axes, self.input_shape))
        self.nonlinearity = nonlinearities.identity if nonlinearity is None else nonlinearity
        self.num_units = num_units
        self.W = self.add_param(W, (int(np.prod(trailing)), num_units), name="W")
        self.b = None if b is None else self.add_param(b, (num_units,), name="b",
                                                       regularizable=False)

    def get_output_shape_for(self, input_shape):
        return tuple(input_shape[:self.num_leading_axes]) + (self.num_units,)

    def get_output_for(self, input, **kwargs):
        if input.ndim > self.num_leading_axes + 1:
            input = input.flatten(self.num_leading_axes + 1)
        activation = T.dot(input, self.W)
        if self.b is not None:
            activation = activation + self.b
        return self.nonlinearity(activation)


def _leading_axes(num_leading_axes, ndim):
    resolved = num_leading_axes + ndim if num_leading_axes < 0 else num_leading_axes
    if not 0 < resolved < ndim:
        raise ValueError("`num_leading_axes` must leave at least one leading and one trailing "
                         "axis of a %i-d input, got %i" % (ndim, num_leading_axes))
    return resolved


class BatchNormLayer(Layer):
    r"""Batch normalisation (Ioffe & Szegedy 2015).

    .. math::
        y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \gamma + \beta

    In training :math:`\mu, \sigma^2` are the batch statistics over ``axes``
    and the running averages are updated as :math:`m \leftarrow (1-\alpha) m +
    \alpha \mu` (through default updates that ``theano.function`` applies by
    itself); with ``deterministic=True`` the running averages are used.

    Parameters
    ----------
    incoming : layer
    axes : 'auto', int or tuple of ints
        Axes to normalise over; 'auto' = all but axis 1.
    epsilon : float
    alpha : float
        Running-average rate.
    beta, gamma : initializers or None
        Shift and scale (trainable); None removes them.
    mean, inv_std : initializers
        Running averages (not trainable).

    Notes
    -----
    ``get_output`` flags: ``deterministic``, ``batch_norm_use_averages``
    (default: ``deterministic``) and ``batch_norm_update_averages`` (default:
    not ``deterministic``).
    """

    def __init__(self, incoming, axes="auto", epsilon=1e-4, alpha=0.1, beta=init.Constant(0),
                 gamma=init.Constant(1), mean=init.Constant(0), inv_std=init.Constant(1),
                 **kwargs):
        super(BatchNormLayer, self).__init__(incoming, **kwargs)
        self.axes = _shared_axes(axes, len(self.input_shape))
        self.epsilon, self.alpha = epsilon, alpha
        shape = _parameter_shape(self.input_shape, self.axes, "BatchNormLayer")
        self.beta = None if beta is None else self.add_param(beta, shape, "beta",
                                                             regularizable=False)
        self.gamma = None if gamma is None else self.add_param(gamma, shape, "gamma",
                                                               regularizable=False)
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
        batch_inv_std = T.inv(T.sqrt(input.var(self.axes) + self.epsilon))
        mean, inv_std = (self.mean, self.inv_std) if use_averages else (batch_mean, batch_inv_std)
        if update_averages:
            mean, inv_std = self._with_running_updates(mean, inv_std, batch_mean, batch_inv_std,
                                                       use_averages)
        return self._normalize(input, mean, inv_std)

    def _with_running_updates(self, mean, inv_std, batch_mean, batch_inv_std, use_averages):
        """Attach the running-average updates to the graph through clones with default updates."""
        running = []
        for average, batch_value in ((self.mean, batch_mean), (self.inv_std, batch_inv_std)):
            clone = theano.clone(average, share_inputs=False)
            clone.default_update = (1 - self.alpha) * clone + self.alpha * batch_value
            running.append(clone)
        if use_averages:
            return running
        return mean + 0 * running[0], inv_std + 0 * running[1]

    def _normalize(self, input, mean, inv_std):
        def spread(param):
            return _broadcast_to_input(param, self.axes, input.ndim)
        gamma = 1 if self.gamma is None else spread(self.gamma)
        beta = 0 if self.beta is None else spread(self.beta)
        return (input - spread(mean)) * (gamma * spread(inv_std)) + beta


def batch_norm(layer, **kwargs):
    """Batch-normalise ``layer``'s pre-activation: drop its bias, normalise, re-apply its
    nonlinearity.

    Returns the new output layer (a ``NonlinearityLayer``, or the
    ``BatchNormLayer`` when ``layer`` had no nonlinearity). ``kwargs`` go to
    :class:`BatchNormLayer`.
    """
    nonlinearity = getattr(layer, "nonlinearity", None)
    if nonlinearity is not None:
        layer.nonlinearity = nonlinearities.identity
    if getattr(layer, "b", None) is not None:
        del layer.params[layer.b]
        layer.b = None
    name = kwargs.pop("name", None) or (layer.name and layer.name + "_bn")
    normalized = BatchNormLayer(layer, name=name, **kwargs)
    if nonlinearity is None or nonlinearity is nonlinearities.identity:
        return normalized
    return NonlinearityLayer(normalized, nonlinearity, name=name and name + "_nonlin")


def standardize(layer, offset, scale, shared_axes="auto", name=None):
    r"""Fixed standardisation :math:`y = (x - \text{offset}) / \text{scale}`.

    A ``BiasLayer`` with ``-offset`` followed by a ``ScaleLayer`` with
    ``1 / scale``, both non-trainable.
    """
    shifted = BiasLayer(layer, -np.asarray(offset, dtype=theano.config.floatX), shared_axes,
                        name=name and name + "_offset")
    shifted.params[shifted.b].discard("trainable")
    scaled = ScaleLayer(shifted, 1 / np.asarray(scale, dtype=theano.config.floatX), shared_axes,
                        name=name and name + "_scale")
    scaled.params[scaled.scales].discard("trainable")
    return scaled


_LOCATIONS = {
    "layers": ("ScaleLayer", "BiasLayer", "ExpressionLayer", "standardize", "BatchNormLayer",
               "batch_norm"),
    "layers.special": ("ScaleLayer", "BiasLayer", "ExpressionLayer", "standardize"),
    "layers.normalization": ("BatchNormLayer", "batch_norm"),
    "nonlinearities": ("elu",),
}


def _submodule(lasagne_module, dotted):
    """``lasagne.<dotted>``, created (and registered in sys.modules) if it does not exist."""
    module = lasagne_module
    for part in dotted.split("."):
        child = getattr(module, part, None)
        if child is None:
            child = types.ModuleType("%s.%s" % (module.__name__, part))
            setattr(module, part, child)
            sys.modules[child.__name__] = child
        module = child
    return module


def _install_dense_layer(lasagne_module):
    current = lasagne_module.layers.DenseLayer
    if "num_leading_axes" in inspect.signature(current.__init__).parameters:
        return
    lasagne_module.layers.DenseLayer = DenseLayer
    lasagne_module.layers.dense.DenseLayer = DenseLayer


def install(lasagne_module):
    """Add the backports to ``lasagne_module``'s namespaces where missing (idempotent)."""
    backports = globals()
    for dotted, names in _LOCATIONS.items():
        module = _submodule(lasagne_module, dotted)
        for name in names:
            if not hasattr(module, name):
                setattr(module, name, backports[name])
    _install_dense_layer(lasagne_module)
    return lasagne_module
