"""Argument checks shared by the public API: raise early, say what was expected."""
import difflib
import functools
import inspect

import lasagne

__all__ = ["suggest_keywords", "unknown_keyword_message", "require_layer", "require_input_layer", "shape_str"]


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


def require_input_layer(value, argument):
    """Raise ``TypeError`` unless ``value`` is a ``lasagne.layers.InputLayer``."""
    if not isinstance(value, lasagne.layers.InputLayer):
        raise TypeError("`%s` must be a lasagne InputLayer (previous values enter the one-tick "
                        "graph through InputLayers), got %s%s"
                        % (argument, type(value).__name__,
                           " named %r" % value.name if getattr(value, "name", None) else ""))
    return value
