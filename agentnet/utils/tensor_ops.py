"""Symbolic tensor helpers."""
import theano.tensor as T

__all__ = ["norm", "normalize", "linspace", "in1d", "insert_dim", "get_type", "cast_to_type"]


def norm(x, axis=-1, keepdims=True):
    r"""Euclidean norm :math:`\sqrt{\sum x^2}` along ``axis``."""
    return T.sqrt(T.sum(x ** 2, axis=axis, keepdims=keepdims))


def normalize(x, axis=-1):
    """``x / norm(x)``, with 0 where the norm is 0."""
    x_norm = norm(x, axis=axis, keepdims=True)
    return T.switch(T.eq(x_norm, 0), 0, x / T.switch(T.eq(x_norm, 0), 1, x_norm))


def linspace(start, stop, num_units, dtype="float32"):
    """Symbolic ``num_units`` evenly spaced values from ``start`` to ``stop``."""
    steps = T.arange(num_units).astype(dtype)
    return (start + steps * (stop - start) / (num_units - 1)).astype(dtype)


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
