"""Symbolic tensor helpers."""
import theano.tensor as T

__all__ = ["norm", "normalize", "linspace", "in1d", "insert_dim", "get_type", "cast_to_type"]


def norm(x, axis=-1, keepdims=True):
    r"""Euclidean norm :math:`\sqrt{\sum x^2}` along ``axis``."""
    return T.sqrt(T.sum(x ** 2, axis=axis, keepdims=keepdims))


def normalize(x, axis=-1):
    r"""Scale ``x`` to unit Euclidean norm along ``axis``; all-zero slices stay 0.

    .. math::

        y = \frac{x}{\lVert x \rVert}, \qquad y = 0 \text{ where } \lVert x \rVert = 0

    The gradient is finite everywhere, including at all-zero slices (where a
    plain ``x / norm(x)`` guarded by a switch would give NaN).
    """
    squared = T.sum(x ** 2, axis=axis, keepdims=True)
    # Dividing by 1 where the norm is 0 keeps those slices at 0 and never
    # differentiates sqrt at 0.
    return x / T.sqrt(T.switch(T.eq(squared, 0), 1, squared))


def linspace(start, stop, num_units, dtype="float32"):
    r"""Symbolic ``num_units`` evenly spaced values from ``start`` to ``stop`` (both included).

    .. math::

        y_i = \mathrm{start} + i \, \frac{\mathrm{stop} - \mathrm{start}}{n - 1},
        \qquad i = 0, \dots, n - 1

    With ``num_units == 1`` the single value is ``start`` (as ``numpy.linspace``).
    """
    steps = T.arange(num_units).astype(dtype)
    return (start + steps * (stop - start) / T.maximum(num_units - 1, 1)).astype(dtype)


def in1d(arr, in_arr):
    """Elementwise membership of ``arr``'s values in the 1-D ``in_arr`` (same shape as ``arr``)."""
    return T.eq(arr.reshape([1, -1]), in_arr.reshape([-1, 1])).any(axis=0).reshape(arr.shape)


def insert_dim(arg, pos=-1):
    """Insert a length-1 axis before ``pos`` (``list.insert`` semantics on the shape)."""
    shape = [arg.shape[i] for i in range(arg.ndim)]
    shape.insert(pos, 1)
    return arg.reshape(shape, ndim=arg.ndim + 1)


def get_type(tensor):
    """``T.TensorType`` with ``tensor``'s dtype and broadcast pattern."""
    return T.TensorType(tensor.dtype, tensor.broadcastable,
                        sparse_grad=getattr(tensor.type, "sparse_grad", False))


def cast_to_type(tensor, type):
    """Convert ``tensor`` to Theano ``type`` (same ndim); raise if impossible."""
    if tensor.ndim != type.ndim:
        raise ValueError("cannot convert a %i-d tensor to %s" % (tensor.ndim, type))
    converted = type.convert_variable(tensor)
    if converted is None:
        raise ValueError("cannot convert %s to %s" % (tensor.type, type))
    return converted
