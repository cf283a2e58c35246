"""Argument normalisation shared by every learning objective.

Sentinels (``"always"``, ``"zeros"``) are resolved here, shapes are checked
here, with messages that name the argument, its expected layout and what was
given.
"""
import theano
import theano.tensor as T

from ..utils.logging import warn

__all__ = ["as_float", "require_ndim", "state_values_2d", "default_is_alive",
           "default_values_after_end", "gamma_matrix"]

_LAYOUTS = {2: "[batch, tick]", 3: "[batch, tick, n_actions]"}


def as_float(x):
    """Cast to ``theano.config.floatX``."""
    return T.cast(x, theano.config.floatX)


def _ndim(x):
    ndim = getattr(x, "ndim", None)
    if ndim is None:
        raise TypeError("expected a tensor, got %s (%r)" % (type(x).__name__, x))
    return ndim


def require_ndim(x, argument, *allowed):
    """Raise ``ValueError`` unless ``x.ndim`` is one of ``allowed``; returns ``x``."""
    ndim = _ndim(x)
    if ndim not in allowed:
        layouts = " or ".join("ndim %i %s" % (n, _LAYOUTS.get(n, "")) for n in allowed)
        raise ValueError("`%s` must have %s, got ndim %i" % (argument, layouts.strip(), ndim))
    return x


def state_values_2d(values, argument):
    """``[batch, tick]`` values in floatX; ``[batch, tick, 1]`` is reduced with a warning."""
    require_ndim(values, argument, 2, 3)
    if values.ndim == 3:
        warn("`%s` has ndim 3; using %s[:, :, 0]." % (argument, argument))
        values = values[:, :, 0]
    return as_float(values)


def default_is_alive(is_alive, like):
    """``"always"`` means all ones shaped like ``like``; otherwise a 2-D floatX mask."""
    if isinstance(is_alive, str):
        if is_alive != "always":
            raise ValueError("`is_alive` must be a [batch, tick] tensor or 'always', got %r"
                             % is_alive)
        return T.ones_like(like, dtype=theano.config.floatX)
    return as_float(require_ndim(is_alive, "is_alive", 2))


def default_values_after_end(values_after_end, state_values):
    """``"zeros"`` means ``[batch, 1]`` zeros; a ``[batch]`` vector becomes ``[batch, 1]``."""
    if isinstance(values_after_end, str):
        if values_after_end != "zeros":
            raise ValueError("`state_values_after_end` must be a tensor or 'zeros', got %r"
                             % values_after_end)
        return T.zeros_like(state_values[:, :1])
    values_after_end = as_float(values_after_end)
    if _ndim(values_after_end) == 1:
        return values_after_end[:, None]
    return require_ndim(values_after_end, "state_values_after_end", 2)


def gamma_matrix(gamma_or_gammas, rewards):
    """The discount broadcast to ``[batch, tick]``: from a scalar, ``[batch]`` or ``[batch, tick]``."""
    gamma = as_float(T.as_tensor_variable(gamma_or_gammas))
    if gamma.ndim == 1:
        gamma = gamma[:, None]
    elif gamma.ndim not in (0, 2):
        raise ValueError("`gamma_or_gammas` must be a scalar, [batch] or [batch, tick], got ndim %i"
                         % gamma.ndim)
    return T.ones_like(rewards, dtype=theano.config.floatX) * gamma
