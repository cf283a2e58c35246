"""``DenseLayer`` with ``num_leading_axes``, as in later Lasagne versions."""
import numpy as np
import theano.tensor as T
from lasagne import init, nonlinearities
from lasagne.layers import Layer
from lasagne.layers.dense import DenseLayer as _Lasagne01DenseLayer

from ._checks import check_keywords, is_int, shape_str

__all__ = ["DenseLayer"]


def _leading_axes(num_leading_axes, ndim):
    """Resolve a possibly negative ``num_leading_axes`` against an ``ndim``-d input."""
    if not is_int(num_leading_axes):
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

    @check_keywords
    def __init__(self, incoming, num_units, W=init.GlorotUniform(), b=init.Constant(0.),
                 nonlinearity=nonlinearities.rectify, num_leading_axes=1, **kwargs):
        # Lasagne 0.1's __init__ sizes W for exactly one leading axis, so it is skipped.
        Layer.__init__(self, incoming, **kwargs)
        if not is_int(num_units):
            raise TypeError("`num_units` must be a positive int, got %r (%s)"
                            % (num_units, type(num_units).__name__))
        if num_units <= 0:
            raise ValueError("`num_units` must be a positive int, got %r" % (num_units,))
        leading = _leading_axes(num_leading_axes, len(self.input_shape))
        trailing = self.input_shape[leading:]
        if any(size is None for size in trailing):
            raise ValueError("DenseLayer needs known sizes on the axes after the %i leading "
                             "one(s); input shape %s" % (leading, shape_str(self.input_shape)))
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
