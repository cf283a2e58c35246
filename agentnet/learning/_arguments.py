"""Argument normalisation shared by every learning objective.

Sentinels (``"always"``, ``"zeros"``) are resolved here, shapes are checked
here, with messages that name the argument, its expected layout and what was
given. Data whose range is known (action ids in :math:`[0, n_{actions})`, masks
of 0 and 1) is checked too: numpy arrays now, tensors in the graph. What Theano
cannot know while building the graph (batch and tick sizes, symbolic data,
``n_steps`` and discounts) is checked when the compiled function runs, again
with a ``ValueError`` naming the argument.
"""
import functools
import numbers
from collections import namedtuple

import numpy as np
import theano
import theano.tensor as T

from ..utils.logging import warn
from ..utils._runtime_check import RuntimeCheck, runtime_check
from ..utils._validation import require_bool, require_callable, require_int_or_symbolic

__all__ = ["action_ids_in_range", "as_float", "require_ndim", "require_actions", "known_value",
           "checked_flags", "state_values_2d", "require_mask", "require_flags", "require_options",
           "default_is_alive", "require_values_after_end", "default_values_after_end",
           "check_gamma", "gamma_matrix",
           "check_n_steps", "same_batch_tick", "static_size"]

_LAYOUTS = {2: "[batch, tick]", 3: "[batch, tick, n_actions]"}


def as_float(x):
    """Cast to ``theano.config.floatX``."""
    return T.cast(x, theano.config.floatX)


def _ndim(x, argument):
    ndim = getattr(x, "ndim", None)
    if ndim is None or isinstance(x, str):
        raise TypeError("`%s` must be a tensor or a numpy array, got %s (%r)"
                        % (argument, type(x).__name__, x))
    return ndim


def require_ndim(x, argument, *allowed):
    """Raise ``ValueError`` unless ``x.ndim`` is one of ``allowed``; returns ``x``.

    ``TypeError`` if ``x`` is not a tensor or an array.
    """
    ndim = _ndim(x, argument)
    if ndim not in allowed:
        layouts = " or ".join(("ndim %i %s" % (n, _LAYOUTS.get(n, ""))).strip() for n in allowed)
        raise ValueError("`%s` must have %s, got ndim %i" % (argument, layouts, ndim))
    return x


def require_actions(actions, integer=True):
    """Raise ``ValueError`` unless ``actions`` is ``[batch, tick]`` (int if ``integer``)."""
    require_ndim(actions, "actions", 2)
    dtype = str(actions.dtype)
    if integer and not dtype.startswith(("int", "uint")):
        raise ValueError("`actions` must be an int tensor [batch, tick] of action ids, "
                         "got dtype %s" % dtype)
    return actions


def _unwrapped(x):
    """``x`` without the run-time checks and casts wrapped around it, and those checks'
    ``find_error``, outermost first."""
    checks = []
    while isinstance(x, theano.Variable) and x.owner is not None:
        op = x.owner.op
        is_cast = isinstance(op, T.Elemwise) and isinstance(op.scalar_op, theano.scalar.Cast)
        if not (is_cast or isinstance(op, RuntimeCheck)):
            break
        checks += [op.find_error] if isinstance(op, RuntimeCheck) else []
        x = x.owner.inputs[0]
    return x, checks


def known_value(x):
    """The numpy value of ``x`` if it is known while building the graph (an array, a
    Theano constant, possibly cast or gated by size checks), else None."""
    source, _ = _unwrapped(x)
    if isinstance(source, T.TensorConstant):
        return source.data
    return source if isinstance(source, np.ndarray) else None


def _first_entry(array, bad):
    """``"<value> at [<index>]"`` for the first True entry of the boolean array ``bad``."""
    index = np.argwhere(bad)[0]
    return "%r at [%s]" % (array[tuple(index)].item(), ", ".join(str(i) for i in index))


class _ActionIdRange(namedtuple("_ActionIdRange", "argument")):
    """Message when action ids fall outside ``[0, n_actions)``; None if ``n_actions`` is
    unknown, then only negative ids are reported."""

    def __call__(self, actions, n_actions):
        bad = actions < 0 if n_actions is None else (actions < 0) | (actions >= n_actions)
        if not bad.any():
            return None
        bounds = ">= 0" if n_actions is None else "in [0, %i) for n_actions = %i" % (
            n_actions, n_actions)
        return ("`%s` must hold action ids %s, got %s (%i of %i ids outside)"
                % (self.argument, bounds, _first_entry(actions, bad), bad.sum(), bad.size))


def action_ids_in_range(actions, values_for_all_actions, argument="actions"):
    """``actions``, checked to be ids in :math:`[0, n_{actions})` of the last axis of
    ``values_for_all_actions``.

    Known ids (a numpy array) are checked now, against ``n_actions`` if that is
    known too; otherwise the compiled function checks them, each call, and
    raises ``ValueError`` naming the first bad id and its ``[batch, tick]``.
    Negative ids are refused: numpy's indexing would silently count them from
    the end (``-1`` would train the last action).
    """
    n_actions = static_size(values_for_all_actions, 2)
    known = known_value(actions)
    if known is not None:
        message = _ActionIdRange(argument)(known, n_actions)
        if message is not None:
            raise ValueError(message)
        if n_actions is not None:
            return actions
    n_actions = values_for_all_actions.shape[2]
    inside = T.and_(T.ge(actions, 0), T.lt(actions, n_actions))
    return runtime_check(actions, _ActionIdRange(argument), n_actions, holds=T.all(inside),
                         with_input=True)


class _FlagValues(namedtuple("_FlagValues", "argument")):
    """Message when a mask (``is_alive``, ``is_truncated``) holds values other than 0 and 1."""

    def __call__(self, mask):
        bad = (mask != 0) & (mask != 1)
        if not bad.any():
            return None
        return ("`%s` must hold only 0 and 1, got %s (%i of %i values)"
                % (self.argument, _first_entry(mask, bad), bad.sum(), bad.size))


def _is_flag_checked(mask):
    """Whether ``mask`` is, up to size checks and casts, the output of a flag check."""
    return any(isinstance(check, _FlagValues) for check in _unwrapped(mask)[1])


def checked_flags(mask, argument):
    """``mask`` checked to hold only 0 and 1 (a value of 2 would double a tick's loss).

    A numpy array is checked now; a tensor when the compiled function runs,
    once (a tensor already checked, or cast from one, is not checked again).
    Boolean masks need no check.
    """
    known = known_value(mask)
    if known is not None:
        message = _FlagValues(argument)(known)
        if message is not None:
            raise ValueError(message)
        return mask
    if mask.dtype == "bool" or _is_flag_checked(mask):
        return mask
    is_flag = T.or_(T.eq(mask, 0), T.eq(mask, 1))
    return runtime_check(mask, _FlagValues(argument), holds=T.all(is_flag), with_input=True)


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
    return as_float(checked_flags(require_mask(is_alive, "is_alive"), "is_alive"))


def require_values_after_end(values_after_end, argument):
    """Raise unless ``values_after_end`` is ``"zeros"`` or a ``[batch]``/``[batch, 1]`` tensor."""
    if not isinstance(values_after_end, str):
        require_ndim(values_after_end, argument, 1, 2)
    elif values_after_end != "zeros":
        raise ValueError("`%s` must be a tensor or 'zeros', got %r" % (argument, values_after_end))


def default_values_after_end(values_after_end, state_values):
    """``"zeros"`` means ``[batch, 1]`` zeros; a ``[batch]`` vector becomes ``[batch, 1]``."""
    require_values_after_end(values_after_end, "state_values_after_end")
    if isinstance(values_after_end, str):
        return T.zeros_like(state_values[:, :1])
    values_after_end = as_float(values_after_end)
    return values_after_end[:, None] if values_after_end.ndim == 1 else values_after_end


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


def _numeric_gamma(gamma, argument):
    """The value of a discount known now (numbers, arrays, constants) as float64, else None.

    Raises ``TypeError`` for anything that is neither numeric nor a tensor.
    """
    value = gamma.data if isinstance(gamma, T.TensorConstant) else gamma
    if isinstance(value, theano.Variable):
        return None
    array = np.asarray(value) if isinstance(value, (numbers.Number, np.ndarray, list)) else None
    if array is None or isinstance(value, (bool, np.bool_)) or array.dtype.kind not in "iuf":
        raise TypeError("`%s` must be a discount in [0, 1] (a number, an array or a tensor), "
                        "got %r (%s)" % (argument, value, type(value).__name__))
    return array.astype("float64")


def check_gamma(gamma, argument="gamma_or_gammas"):
    """A discount, checked to lie in :math:`[0, 1]`.

    Numbers, numpy arrays and Theano constants are checked now; other tensors
    (e.g. a shared variable) when the compiled function runs.
    """
    value = _numeric_gamma(gamma, argument)
    if value is not None:
        message = _GammaRange(argument)(value.min(), value.max()) if value.size else None
        if message is not None:
            raise ValueError(message)
        return gamma
    low, high = gamma.min(), gamma.max()
    return runtime_check(gamma, _GammaRange(argument), low, high,
                         holds=_GammaRange.holds(low, high))


def gamma_matrix(gamma_or_gammas, rewards):
    """The checked discount (a scalar, ``[batch]`` or ``[batch, tick]``) as ``[batch, tick]``."""
    gamma = T.as_tensor_variable(check_gamma(gamma_or_gammas))
    if gamma.ndim not in (0, 1, 2):
        raise ValueError("`gamma_or_gammas` must be a scalar, [batch] or [batch, tick], "
                         "got ndim %i" % gamma.ndim)
    gamma = as_float(gamma)
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


def check_n_steps(n_steps, argument="n_steps", meaning=" (or None: to the window's end)"):
    """``None``, a Python int >= 1, or a symbolic int scalar (checked to be >= 1 at run time).

    Numpy integers become Python ints, so ``numpy.int64(1)`` also takes the
    one-step path.
    """
    if n_steps is None:
        return None
    n_steps = require_int_or_symbolic(n_steps, argument, 1, meaning)
    if isinstance(n_steps, theano.Variable):
        return runtime_check(n_steps, _AtLeastOne(argument), n_steps,
                             holds=_AtLeastOne.holds(n_steps))
    return n_steps


def require_flags(**flags):
    """Check boolean options given by keyword (``crop_last=...``): ``TypeError`` naming the
    keyword unless each is a bool (or an int 0 / 1, as scripts for the original pass)."""
    for argument, value in flags.items():
        require_bool(value, argument)


def require_options(loss_function, values_after_end, **flags):
    """Check the options of a value objective before any tensor: boolean ``flags`` by
    keyword, a callable ``loss_function``, and ``values_after_end`` (``{argument: value}``),
    each ``"zeros"`` or a ``[batch]``/``[batch, 1]`` tensor."""
    require_flags(**flags)
    require_callable(loss_function, "loss_function")
    for argument, value in values_after_end.items():
        require_values_after_end(value, argument)


def static_size(x, axis):
    """``x.shape[axis]`` if it is known while building the graph, else None.

    Known are the sizes of numpy arrays and constants, broadcastable
    dimensions (size 1), sizes that Theano folds to a constant, and sizes
    that the graph declares: a ``reshape`` to a constant size or
    ``theano.tensor.specify_shape``, traced back through the operations that
    carry a size over from an input (elementwise operations, dimension
    shuffles, reductions over other axes, run-time checks, casts). So the tick
    axis of every output of ``get_sessions(..., session_length=T,
    experience_replay=True)`` on the scan-free path is known to be ``T``, and
    so is that of values computed from them.
    """
    if isinstance(x, np.ndarray):
        return x.shape[axis]
    if isinstance(x, T.TensorConstant):
        return x.data.shape[axis]
    if x.broadcastable[axis]:
        return 1
    declared = _declared_size(x, axis)
    return declared if declared is not None else _constant_or_none(x.shape[axis])


_MAX_TRACED = 256
"""Most (variable, axis) pairs :func:`static_size` visits looking for a declared size."""


def _declared_size(x, axis):
    """The size a reshape, ``specify_shape`` or constant upstream gives ``x``'s ``axis``, or None.

    A depth-first search over the (variable, axis) pairs whose size equals
    this one, each visited once, at most :data:`_MAX_TRACED` of them.
    """
    pending, seen = [(x, axis)], set()
    while pending and len(seen) < _MAX_TRACED:
        variable, axis = pending.pop()
        if (variable, axis) in seen:
            continue
        seen.add((variable, axis))
        if isinstance(variable, T.TensorConstant):
            return variable.data.shape[axis]
        node = variable.owner
        if node is not None and isinstance(node.op, (T.SpecifyShape, T.Reshape)):
            size = _constant_or_none(node.inputs[1][axis])
            if size is not None and size >= 0:
                return size
        elif node is not None:
            pending.extend(reversed(_same_size_inputs(node, variable, axis)))
    return None


def _same_size_inputs(node, output, axis):
    """The (input, axis) pairs of ``node`` whose size ``output``'s ``axis`` has."""
    op, source = node.op, node.inputs[0]
    if isinstance(op, (RuntimeCheck, T.Rebroadcast)):
        return [(source, axis)]
    if isinstance(op, T.Elemwise):
        return [(operand, axis) for operand in node.inputs
                if operand.ndim == output.ndim and not operand.broadcastable[axis]]
    if isinstance(op, T.DimShuffle):
        source_axis = op.new_order[axis]
        return [] if source_axis == "x" else [(source, source_axis)]
    if isinstance(op, (T.CAReduce, T.MaxAndArgmax)):
        reduced = range(source.ndim) if op.axis is None else op.axis
        return [(source, [a for a in range(source.ndim) if a not in reduced][axis])]
    return []


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
