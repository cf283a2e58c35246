"""Argument and shape helpers of the backported layers (standard library and numpy only)."""
import functools
import inspect

import numpy as np

__all__ = ["check_keywords", "is_int", "resolve_axes", "parameter_shape", "shape_str", "spread"]


def check_keywords(init_method):
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


def is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def resolve_axes(axes, ndim, argument):
    """'auto' (every axis but 1), an int or a sequence of ints -> sorted non-negative axes."""
    if isinstance(axes, str):
        if axes != "auto":
            raise ValueError("`%s` must be 'auto', an int or a tuple of ints, got %r"
                             % (argument, axes))
        return (0,) + tuple(range(2, ndim))
    axes = (axes,) if is_int(axes) else axes
    if not isinstance(axes, (tuple, list)) or not all(is_int(a) for a in axes):
        raise TypeError("`%s` must be 'auto', an int or a tuple of ints, got %r"
                        % (argument, axes))
    if any(not -ndim <= a < ndim for a in axes):
        raise ValueError("`%s` must name axes of the %i-d input, got %r" % (argument, ndim, axes))
    return tuple(sorted(set(a % ndim for a in axes)))


def parameter_shape(input_shape, shared_axes, layer_name):
    """The input shape without the shared axes; those sizes must be known."""
    shape = tuple(size for axis, size in enumerate(input_shape) if axis not in shared_axes)
    if any(size is None for size in shape):
        raise ValueError("%s needs a known size on every axis it does not share; input shape %s "
                         "with shared axes %s" % (layer_name, shape_str(input_shape),
                                                  shared_axes))
    return shape


def shape_str(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def spread(param, shared_axes, ndim):
    """dimshuffle a per-unit parameter so that it broadcasts over the shared axes."""
    param_axes = iter(range(param.ndim))
    return param.dimshuffle(*["x" if axis in shared_axes else next(param_axes)
                              for axis in range(ndim)])
