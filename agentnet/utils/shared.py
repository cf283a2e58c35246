"""Creating and setting Theano shared variables with explicit dtypes."""
import numpy as np
import theano

__all__ = ["create_shared", "set_shared"]


def _resolve_dtype(dtype):
    return theano.config.floatX if dtype == "floatX" else dtype


def create_shared(name, initial_value, dtype="floatX", strict=False, allow_downcast=True):
    """Create a shared variable holding a C-contiguous copy of ``initial_value``.

    Parameters
    ----------
    name : str
    initial_value : array_like
    dtype : str
        ``"floatX"`` (default) means ``theano.config.floatX``.
    strict, allow_downcast : bool
        Passed to :func:`theano.shared`.
    """
    value = np.ascontiguousarray(initial_value, dtype=_resolve_dtype(dtype))
    return theano.shared(value, name=name, strict=strict, allow_downcast=allow_downcast)


def set_shared(var, value):
    """Set a shared variable to ``value`` cast to the variable's dtype."""
    var.set_value(np.ascontiguousarray(value, dtype=var.dtype))
