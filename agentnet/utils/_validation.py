"""Argument checks shared by the public API: raise early, say what was expected."""
import difflib
import functools
import inspect
import numbers

import lasagne
import numpy as np
import theano

__all__ = ["suggest_keywords", "unknown_keyword_message", "require_layer", "require_layer_ndim",
           "require_input_layer", "shape_str", "require_int", "require_int_or_symbolic",
           "require_real", "require_probability", "require_dtype", "require_bool",
           "require_callable"]


def shape_str(shape):
    """Format a shape tuple for messages: ``(None, 3)``."""
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def unknown_keyword_message(function_name, keyword, known):
    """'f() got an unexpected keyword argument ...; did you mean ...?'"""
    message = "%s() got an unexpected keyword argument '%s'" % (function_name, keyword)
    close = difflib.get_close_matches(keyword, known, n=1, cutoff=0.6)
    if close:
        message += "; did you mean '%s'?" % close[0]
    return message


def suggest_keywords(function):
    """Decorate ``function`` so misspelled keywords raise a did-you-mean hint.

    Functions that accept ``**kwargs`` pass their keywords on elsewhere and
    are returned unchanged.
    """
    signature = inspect.signature(function)
    parameters = signature.parameters
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return function
    known = [name for name, p in parameters.items()
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    name = function.__qualname__.replace(".__init__", "")

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        for keyword in kwargs:
            if keyword not in parameters:
                raise TypeError(unknown_keyword_message(name, keyword, known))
        return function(*args, **kwargs)
    return wrapper


def require_layer(value, argument):
    """Raise ``TypeError`` unless ``value`` is a Lasagne layer."""
    if not isinstance(value, lasagne.layers.Layer):
        raise TypeError("`%s` must be a lasagne layer, got %s" % (argument, type(value).__name__))
    return value


def require_layer_ndim(layer, ndim, argument, layout):
    """Return ``layer``; raise unless it is a Lasagne layer with ``ndim`` axes.

    ``layout`` names the axes in the message, e.g. ``"[batch, units]"``.
    """
    shape = require_layer(layer, argument).output_shape
    if len(shape) != ndim:
        raise ValueError("`%s` must have ndim %i %s, got shape %s"
                         % (argument, ndim, layout, shape_str(shape)))
    return layer


def require_input_layer(value, argument,
                        why="previous values enter the one-tick graph through InputLayers"):
    """Raise ``TypeError`` unless ``value`` is a ``lasagne.layers.InputLayer``.

    ``why`` says what the InputLayer is for; the message names what was given
    (a layer's class and name, or any other value's repr).
    """
    if not isinstance(value, lasagne.layers.InputLayer):
        given = type(value).__name__ + (" named %r" % value.name if getattr(value, "name", None)
                                        else "") \
            if isinstance(value, lasagne.layers.Layer) else repr(value)
        raise TypeError("`%s` must be a lasagne InputLayer (%s), got %s" % (argument, why, given))
    return value


def _is_int(value):
    return isinstance(value, (numbers.Integral, np.integer)) \
        and not isinstance(value, (bool, np.bool_))


def require_int(value, argument, minimum=1, meaning=""):
    """Return ``int(value)``; raise unless it is an integer ``>= minimum``.

    Booleans are refused (``True`` is an int to Python, never a count to a user).
    ``meaning`` is appended to the message, e.g. ``" (ticks per session)"``.
    """
    if not _is_int(value):
        raise TypeError("`%s` must be an int >= %i%s, got %r (%s)"
                        % (argument, minimum, meaning, value, type(value).__name__))
    if value < minimum:
        raise ValueError("`%s` must be an int >= %i%s, got %r"
                         % (argument, minimum, meaning, value))
    return int(value)


def require_int_or_symbolic(value, argument, minimum=1, meaning=""):
    """Return ``value``: an integer ``>= minimum`` (as :func:`require_int`) or a Theano int scalar.

    A symbolic size (e.g. ``n_steps`` of a ``theano.scan`` loop) is only known
    at run time: its type is checked, its value is not.
    """
    if isinstance(value, theano.Variable):
        ndim, dtype = getattr(value, "ndim", None), str(getattr(value, "dtype", ""))
        if ndim != 0 or not dtype.startswith(("int", "uint")):
            raise TypeError("`%s` must be an int >= %i%s or a symbolic integer scalar, got a "
                            "symbolic %s of ndim %s" % (argument, minimum, meaning, dtype, ndim))
        return value
    return require_int(value, argument, minimum, meaning)


def _bound_text(low, high, low_open, high_open):
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    return "in %s%s, %s%s" % (left, "-inf" if low is None else low,
                              "inf" if high is None else high, right)


def _within(value, low, high, low_open, high_open):
    above = low is None or (value > low if low_open else value >= low)
    below = high is None or (value < high if high_open else value <= high)
    return above and below


def require_real(value, argument, low=None, high=None, low_open=False, high_open=False):
    """Return ``float(value)``; raise unless it is a finite real number in the interval.

    The interval is :math:`[low, high]`, with either end open when ``low_open`` /
    ``high_open`` and unbounded when None. NaN and infinities are refused.
    """
    bounds = _bound_text(low, high, low_open, high_open)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError("`%s` must be a real number %s, got %r (%s)"
                        % (argument, bounds, value, type(value).__name__))
    if not np.isfinite(value) or not _within(value, low, high, low_open, high_open):
        raise ValueError("`%s` must be a finite real number %s, got %r"
                         % (argument, bounds, value))
    return float(value)


def require_probability(value, argument):
    """Return ``float(value)``; raise unless it is a real number in :math:`[0, 1]`."""
    return require_real(value, argument, 0, 1)


def require_dtype(value, argument, kind=None):
    """Return the dtype name of ``value``; raise unless numpy understands it.

    ``kind`` restricts the family: ``"int"`` (signed or unsigned integers),
    ``"float"`` or None (any).
    """
    try:
        dtype = np.dtype(value)
    except TypeError:
        raise TypeError("`%s` must be a dtype name such as 'int32' or 'float32', got %r"
                        % (argument, value)) from None
    families = {"int": "iu", "float": "f"}
    if kind is not None and dtype.kind not in families[kind]:
        raise ValueError("`%s` must be a%s %s dtype, got %r"
                         % (argument, "n" if kind == "int" else "", kind, value))
    return dtype.name


def require_bool(value, argument):
    """Return ``bool(value)``; raise ``TypeError`` unless it is a bool (or an int 0 or 1).

    Ints 0 and 1 pass because scripts written for the original AgentNet pass
    them as flags; a string such as ``"False"`` would silently be true.
    """
    if isinstance(value, (bool, np.bool_)) or (_is_int(value) and value in (0, 1)):
        return bool(value)
    raise TypeError("`%s` must be True or False, got %r (%s)"
                    % (argument, value, type(value).__name__))


def require_callable(value, argument):
    """Return ``value``; raise ``TypeError`` unless it can be called."""
    if not callable(value):
        raise TypeError("`%s` must be callable, got %r (%s)"
                        % (argument, value, type(value).__name__))
    return value
