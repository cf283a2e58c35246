"""Argument normalisation shared by every learning objective.

Sentinels (``"always"``, ``"zeros"``) are resolved here, shapes are checked
here, with messages that name the argument, its expected layout and what was
given. What Theano cannot know while building the graph (batch and tick sizes,
symbolic ``n_steps`` and discounts) is checked when the compiled function runs,
again with a ``ValueError``.
"""
import functools
import numbers
from collections import namedtuple

import numpy as np
import theano
import theano.tensor as T

from ..utils.logging import warn
from ..utils._runtime_check import runtime_check

__all__ = ["action_ids_in_range", "as_float", "require_ndim", "require_actions", "state_values_2d", "require_mask",
           "default_is_alive", "default_values_after_end", "check_gamma", "gamma_matrix",
           "check_n_steps", "same_batch_tick", "static_size"]

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


def require_actions(actions, integer=True):
    """Raise ``ValueError`` unless ``actions`` is ``[batch, tick]`` (int if ``integer``)."""
    require_ndim(actions, "actions", 2)
    dtype = str(actions.dtype)
    if integer and not dtype.startswith(("int", "uint")):
        raise ValueError("`actions` must be an int tensor [batch, tick] of action ids, got dtype %s"
                         % dtype)
    return actions


class _ActionIdRange(namedtuple("_ActionIdRange", "argument")):
    """Message when action ids fall outside ``[-n_actions, n_actions)``."""

    def __call__(self, n_outside, n_actions):
        if n_outside == 0:
            return None
        return ("`%s` must hold action ids in [-%i, %i) for n_actions = %i, got %i outside"
                % (self.argument, n_actions, n_actions, n_actions, n_outside))


def action_ids_in_range(actions, n_actions, argument="actions"):
    """``actions`` with negative ids counted from the end, checked at run time to be valid.

    Returns ids in ``[0, n_actions)``; when the compiled function runs,
    raises ``ValueError`` if an id lies outside ``[-n_actions, n_actions)``
    (numpy's rule for indices). Empty ``actions`` pass.
    """
    outside = T.or_(T.lt(actions, -n_actions), T.ge(actions, n_actions))
    n_outside = outside.sum(dtype="int64")
    checked = runtime_check(actions, _ActionIdRange(argument), n_outside, n_actions,
                            holds=T.eq(n_outside, 0))
    return T.switch(T.lt(checked, 0), checked + n_actions, checked)


def state_values_2d(values, argument):
    """``[batch, tick]`` values in floatX; ``[batch, tick, 1]`` is reduced with a warning."""
    require_ndim(values, argument, 2, 3)
    if values.ndim == 3:
        warn("`%s` has ndim 3; using %s[:, :, 0]." % (argument, argument))
        values = values[:, :, 0]
    return as_float(values)


def require_mask(mask, argument):
    """A ``[batch, tick]`` mask (``is_alive``, ``is_truncated``); None and strings pass through."""
    if mask is None or isinstance(mask, str):
        return mask
    return require_ndim(mask, argument, 2)


def default_is_alive(is_alive, like):
    """``"always"`` means all ones shaped like ``like``; otherwise a 2-D floatX mask."""
    if isinstance(is_alive, str):
        if is_alive != "always":
            raise ValueError("`is_alive` must be a [batch, tick] tensor or 'always', got %r"
                             % is_alive)
        return T.ones_like(like, dtype=theano.config.floatX)
    return as_float(require_mask(is_alive, "is_alive"))


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


class _GammaRange(namedtuple("_GammaRange", "argument")):
    """Message when the smallest or largest discount lies outside [0, 1]."""

    def __call__(self, low, high):
        if 0 <= low <= high <= 1:
            return None
        return "`%s` must lie in [0, 1], got values in [%g, %g]" % (self.argument, low, high)

    @staticmethod
    def holds(low, high):
        """The condition :math:`0 \\le low \\wedge high \\le 1` (false for NaN), symbolic."""
        return T.and_(T.ge(low, 0), T.le(high, 1))


def check_gamma(gamma, argument="gamma_or_gammas"):
    """A discount, checked to lie in :math:`[0, 1]`.

    Numbers, numpy arrays and Theano constants are checked now; other tensors
    (e.g. a shared variable) when the compiled function runs.
    """
    value = gamma.data if isinstance(gamma, T.TensorConstant) else gamma
    if isinstance(value, (numbers.Number, np.ndarray)):
        value = np.asarray(value, dtype="float64")
        message = _GammaRange(argument)(value.min(), value.max()) if value.size else None
        if message is not None:
            raise ValueError(message)
        return gamma
    gamma = T.as_tensor_variable(gamma)
    low, high = gamma.min(), gamma.max()
    return runtime_check(gamma, _GammaRange(argument), low, high,
                         holds=_GammaRange.holds(low, high))


def gamma_matrix(gamma_or_gammas, rewards):
    """The checked discount (a scalar, ``[batch]`` or ``[batch, tick]``) as ``[batch, tick]``."""
    gamma = T.as_tensor_variable(gamma_or_gammas)
    if gamma.ndim not in (0, 1, 2):
        raise ValueError("`gamma_or_gammas` must be a scalar, [batch] or [batch, tick], got ndim %i"
                         % gamma.ndim)
    gamma = as_float(check_gamma(gamma))
    if gamma.ndim == 1:
        gamma = gamma[:, None]
    return T.ones_like(rewards, dtype=theano.config.floatX) * gamma


class _AtLeastOne(namedtuple("_AtLeastOne", "argument")):
    """Message when a symbolic step count is below 1."""

    def __call__(self, n_steps):
        return None if n_steps >= 1 else "`%s` must be >= 1, got %i" % (self.argument, n_steps)

    @staticmethod
    def holds(n_steps):
        """The condition :math:`n \\ge 1`, symbolic."""
        return T.ge(n_steps, 1)


def check_n_steps(n_steps, argument="n_steps"):
    """``None``, a Python int >= 1, or a symbolic int scalar (checked to be >= 1 at run time).

    Numpy integers become Python ints, so ``numpy.int64(1)`` also takes the
    one-step path.
    """
    if n_steps is None:
        return None
    if isinstance(n_steps, numbers.Integral) and not isinstance(n_steps, (bool, np.bool_)):
        if n_steps < 1:
            raise ValueError("`%s` must be None or an int >= 1, got %i" % (argument, n_steps))
        return int(n_steps)
    if isinstance(n_steps, theano.Variable) and n_steps.ndim == 0 \
            and str(n_steps.dtype).startswith(("int", "uint")):
        return runtime_check(n_steps, _AtLeastOne(argument), n_steps,
                             holds=_AtLeastOne.holds(n_steps))
    raise TypeError("`%s` must be None, an int >= 1 or a symbolic int scalar, got %r"
                    % (argument, n_steps))


def static_size(x, axis):
    """``x.shape[axis]`` if it is known while building the graph, else None.

    Known are the sizes of numpy arrays and constants, broadcastable
    dimensions (size 1), sizes declared with ``theano.tensor.specify_shape``
    and sizes that Theano folds to a constant.
    """
    if isinstance(x, np.ndarray):
        return x.shape[axis]
    if isinstance(x, T.TensorConstant):
        return x.data.shape[axis]
    if x.broadcastable[axis]:
        return 1
    declared = x.owner is not None and isinstance(x.owner.op, T.SpecifyShape)
    return _constant_or_none(x.owner.inputs[1][axis] if declared else x.shape[axis])


def _constant_or_none(size):
    try:
        return int(T.get_scalar_constant_value(size))
    except T.NotScalarConstantError:
        return None


class _BatchTickMismatch(namedtuple("_BatchTickMismatch", "names")):
    """Message for the first argument whose [batch, tick] sizes differ from ``names[0]``'s.

    Called with the sizes ``batch_0, tick_0, batch_1, tick_1, ...``; unknown
    sizes (None, before run time) match anything.
    """

    def __call__(self, *sizes):
        pairs = list(zip(sizes[::2], sizes[1::2]))
        for name, pair in zip(self.names[1:], pairs[1:]):
            if any(None not in (a, b) and a != b for a, b in zip(pairs[0], pair)):
                return ("`%s` and `%s` must agree on [batch, tick]: `%s` is %s, `%s` is %s"
                        % (self.names[0], name, self.names[0], _sizes_str(pairs[0]), name,
                           _sizes_str(pair)))
        return None

    @staticmethod
    def holds(*sizes):
        """The symbolic condition: every ``(batch, tick)`` pair equals the first one."""
        equal = [T.eq(first, other) for start in range(2, len(sizes), 2)
                 for first, other in zip(sizes[:2], sizes[start:start + 2])]
        return functools.reduce(T.and_, equal)


def _sizes_str(pair):
    return "[%s]" % ", ".join("?" if s is None else str(s) for s in pair)


def same_batch_tick(named_tensors):
    """Check that tensors share their first two sizes, ``[batch, tick]``, with the first one.

    Parameters
    ----------
    named_tensors : list of (str, tensor or None or str)
        Argument names and values; None and sentinel strings are skipped.

    Returns
    -------
    list
        The values in the same order. Sizes known while building the graph
        are compared now (``ValueError``); if any is unknown, every tensor is
        gated by a run-time check, so nothing is computed from mismatched
        arguments. A gated tensor's ``[batch, tick]`` are then, for Theano's
        shape inference, those of the first tensor: checking tensors computed
        from them again is proven redundant while compiling and removed.

    Raises
    ------
    ValueError
        Now, or when the compiled function runs.
    """
    checked = [(i, name, x) for i, (name, x) in enumerate(named_tensors)
               if x is not None and not isinstance(x, str)]
    mismatch = _BatchTickMismatch(tuple(name for _, name, _ in checked))
    static = [static_size(x, axis) for _, _, x in checked for axis in (0, 1)]
    message = mismatch(*static)
    if message is not None:
        raise ValueError(message)
    values = [x for _, x in named_tensors]
    if None not in static or len(checked) < 2:
        return values
    sizes = [x.shape[axis] for _, _, x in checked for axis in (0, 1)]
    holds = mismatch.holds(*sizes)
    for i, _, x in checked:
        values[i] = runtime_check(x, mismatch, *sizes, holds=holds, n_sizes=2)
    return values
