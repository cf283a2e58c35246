r"""Building blocks shared by the learning objectives: session ends and n-step references.

All tensors are batch-major: ``[batch, tick]`` for ``rewards``,
``is_alive`` and ``state_values``; ``[batch, tick, n_actions]`` for
per-action values.
"""
import warnings
from collections import namedtuple

import theano
import theano.tensor as T

from ..utils.logging import user_stacklevel
from ._arguments import (action_ids_in_range, as_float, check_n_steps, checked_flags,
                         default_is_alive, default_values_after_end, gamma_matrix,
                         require_actions, require_flags, require_mask, require_ndim,
                         same_batch_tick, state_values_2d, static_size)

__all__ = ["get_end_indicator", "get_values_for_actions", "get_action_Qvalues",
           "get_mask_by_eos", "get_n_step_value_reference", "get_1_step_value_reference",
           "UnbootstrappedTicksWarning", "MAX_UNROLLED_STEPS"]


class UnbootstrappedTicksWarning(UserWarning):
    """An integer ``n_steps >= 3`` with ``crop_last=True`` leaves ticks without a value term.

    Ticks :math:`T-n < t < T-1` of every window have no bootstrap tick ahead
    of them, so their reference is a plain partial return, as if the session
    ended there. This reproduces the original AgentNet, but it biases the
    values towards zero: :math:`n - 2` of the :math:`T - 1` learning ticks
    are affected. Filter it with ``warnings.simplefilter("ignore",
    UnbootstrappedTicksWarning)`` when that is what you want.
    """


def _warn_if_ticks_unbootstrapped(n_steps, crop_last):
    """Warn when a Python-int ``n_steps >= 3`` meets ``crop_last`` (see the warning class)."""
    if crop_last and isinstance(n_steps, int) and n_steps >= 3:
        ticks = "tick T-2" if n_steps == 3 else "ticks T-%i..T-2" % (n_steps - 1)
        warnings.warn(
            "n_steps=%i with crop_last=True: %s of every T-tick window get a partial return "
            "with no value term, as if the session ended there (the original AgentNet's "
            "behaviour, kept for compatibility). Use n_steps=None (look ahead to the window's "
            "end) or n_steps <= 2 to bootstrap every tick." % (n_steps, ticks),
            UnbootstrappedTicksWarning, stacklevel=user_stacklevel())


def get_end_indicator(is_alive, force_end_at_t_max=False):
    r"""Mark the last alive tick of every session that ends inside the window.

    .. math::
        end_t = [alive_t - alive_{t+1} = 1], \quad t < T - 1

    and at :math:`t = T-1`: 1 for sessions that never ended inside the window
    if ``force_end_at_t_max``, else 0.

    Parameters
    ----------
    is_alive : tensor [batch, tick]
        0 or 1 (checked: with other values no end would be found).
    force_end_at_t_max : bool

    Returns
    -------
    tensor [batch, tick], int8

    Raises
    ------
    ValueError
        For a wrong ndim, or values other than 0 and 1 (now for a numpy array,
        else when the compiled function runs).
    """
    require_flags(force_end_at_t_max=force_end_at_t_max)
    return _end_indicator(checked_flags(require_ndim(is_alive, "is_alive", 2), "is_alive"),
                          force_end_at_t_max)


def _end_indicator(is_alive, force_end_at_t_max):
    """:func:`get_end_indicator` of an already checked mask."""
    alive = T.cast(is_alive, "int32")
    ends = T.eq(alive[:, :-1] - alive[:, 1:], 1)
    if force_end_at_t_max:
        last = T.eq(ends.sum(axis=1, keepdims=True), 0)
    else:
        last = T.zeros_like(ends[:, :1])
    return T.concatenate([ends, last], axis=1)


def get_values_for_actions(values_for_all_actions, actions):
    r"""``out[b, t] = values_for_all_actions[b, t, actions[b, t]]``.

    .. math::
        out_{bt} = \sum_a [a = actions_{bt}] \, values_{bta}

    The masked sum runs in compiled elementwise code, gradient included;
    Theano 1.0's advanced indexing (and its gradient) runs in Python, about
    90 us per training step on 32 x 10 ticks.

    Parameters
    ----------
    values_for_all_actions : tensor [batch, tick, n_actions]
    actions : int tensor [batch, tick]
        Ids in :math:`[0, n_{actions})`. Negative ids are refused (numpy
        would count them from the end, and ``-1`` would train the last action).

    Returns
    -------
    tensor [batch, tick]

    Raises
    ------
    ValueError
        For an action id outside :math:`[0, n_{actions})`: now for a numpy
        array, else when the compiled function runs, naming the first bad id
        and its ``[batch, tick]`` position.
    """
    require_ndim(values_for_all_actions, "values_for_all_actions", 3)
    require_actions(actions)
    action_ids = action_ids_in_range(actions, values_for_all_actions)
    # the ids 0..n_actions-1 along the last axis, without Theano's Python arange
    ids = T.cumsum(T.ones_like(values_for_all_actions, dtype=action_ids.dtype), axis=2) - 1
    chosen = T.eq(ids, action_ids[:, :, None])
    return T.switch(chosen, values_for_all_actions, 0).sum(axis=2)


def get_action_Qvalues(*args, **kwargs):
    """Removed: use :func:`get_values_for_actions`."""
    raise NameError("get_action_Qvalues was renamed to get_values_for_actions")


def get_mask_by_eos(is_eos):
    """1 up to and including the first end-of-sequence tick, 0 afterwards.

    Parameters
    ----------
    is_eos : tensor [batch, tick]
        Non-zero where a sequence ends.

    Returns
    -------
    uint8 tensor [batch, tick]
    """
    require_ndim(is_eos, "is_eos", 2)
    is_eos = T.cast(T.neq(is_eos, 0), "int32")
    shifted = T.concatenate([T.zeros_like(is_eos[:, :1]), is_eos[:, :-1]], axis=1)
    return T.cast(T.eq(T.cumsum(shifted, axis=-1), 0), "uint8")


MAX_UNROLLED_STEPS = 16
"""Most backward steps the n-step reference unrolls; beyond, or when unknown, it scans.

Unrolled steps cost about 7 us each with 32 sessions, a scan about 170 us plus
a few per tick: they cross near 32 steps (compile time between 32 and 64).
See :func:`get_n_step_value_reference`, Notes, and the n-step docs page.
"""

_Recursion = namedtuple("_Recursion", "rewards terminal bootstrap values_next gammas")


def _bootstrap_ticks(n_ticks, n_steps, crop_last):
    r"""Indicator ``[tick]`` of the ticks that bootstrap from the next value.

    ``n_steps=None``: only :math:`t = T - 1 - c`; else :math:`(T - 1 - t + c) \bmod n = 0`,
    with :math:`c = 1` when ``crop_last``.
    """
    crop = 1 if crop_last else 0
    ticks = T.arange(n_ticks)
    if n_steps is None:
        return T.eq(ticks, n_ticks - 1 - crop)
    return T.eq(T.mod(n_ticks - 1 - ticks + crop, n_steps), 0)


def _reference_step(reward_t, terminal_t, bootstrap_t, value_next_t, gamma_t, reference_next):
    r"""One backward step: :math:`R_t = r_t` at a terminal tick, :math:`r_t + \gamma V'_t` at a
    bootstrap tick, :math:`r_t + \gamma R_{t+1}` otherwise."""
    continued = T.switch(bootstrap_t, value_next_t, reference_next)
    return reward_t + T.switch(terminal_t, 0, gamma_t * continued)


def _time_major(x):
    return x.dimshuffle(1, 0)


def _next_values(state_values, values_after_end):
    """``V'_t``: ``V_{t+1}``, and ``V_after`` at the last tick."""
    return T.concatenate([state_values[:, 1:], values_after_end], axis=1)


def _terminal_and_truncated(is_alive, is_truncated, end_at_tmax):
    """Terminal ticks (session ends, not by a time limit) and truncation ticks."""
    ends = _end_indicator(is_alive, end_at_tmax)
    if is_truncated is None:
        return ends, T.zeros_like(ends)
    truncated = T.neq(is_truncated, 0)
    return ends * (1 - truncated), truncated


def _reference_arguments(state_values, rewards, is_alive, is_truncated):
    """Checked ``[batch, tick]`` values, rewards, alive mask (floatX) and truncation mask."""
    values = state_values_2d(state_values, "state_values")
    require_ndim(rewards, "rewards", 2)
    require_mask(is_alive, "is_alive")
    require_mask(is_truncated, "is_truncated")
    rewards, values, is_alive, is_truncated = same_batch_tick(
        [("rewards", rewards), ("state_values", values), ("is_alive", is_alive),
         ("is_truncated", is_truncated)])
    rewards = as_float(rewards)
    if is_truncated is not None:
        is_truncated = checked_flags(is_truncated, "is_truncated")
    return values, rewards, default_is_alive(is_alive, rewards), is_truncated


def _static_ticks(*tensors):
    """:math:`T` if the tick axis of one of ``tensors`` is known while building the graph."""
    sizes = [static_size(x, 1) for x in tensors if x is not None and not isinstance(x, str)]
    return next((size for size in sizes if size is not None), None)


def _unrolled_steps(n_steps, n_ticks):
    r"""How many backward steps the closed form needs, or None to scan.

    A chain of continued ticks is at most :math:`\min(n, T)` long for an
    integer ``n_steps`` and :math:`T` for ``None``; ``n_ticks`` is
    :math:`T` if known while building the graph, else None. A symbolic
    ``n_steps`` or a count above :data:`MAX_UNROLLED_STEPS` scans.
    """
    if not (n_steps is None or isinstance(n_steps, int)):
        return None
    steps = min([b for b in (n_steps, n_ticks) if b is not None], default=None)
    return steps if steps is not None and steps <= MAX_UNROLLED_STEPS else None


def _shift_left(references):
    """``out[:, t] = references[:, t + 1]``, and 0 at the last tick (:math:`R_T = 0`)."""
    return T.concatenate([references[:, 1:], T.zeros_like(references[:, :1])], axis=1)


def _unrolled_references(recursion, n_steps):
    r"""The recursion applied to all ticks at once, ``n_steps`` times (no scan).

    After :math:`m` applications, starting from :math:`R^{(0)} = 0`, every
    tick whose chain of continued ticks is at most :math:`m` long holds its
    exact reference; see :func:`get_n_step_value_reference`, Notes.
    """
    references = _reference_step(*recursion, reference_next=T.zeros_like(recursion.rewards))
    for _ in range(n_steps - 1):
        references = _reference_step(*recursion, reference_next=_shift_left(references))
    return references


def _scanned_references(recursion):
    """The recursion as a backward ``theano.scan`` over ticks."""
    references, _ = theano.scan(_reference_step,
                                sequences=[_time_major(s) for s in recursion],
                                outputs_info=[T.zeros_like(recursion.rewards[:, 0])],
                                go_backwards=True, name="n_step_reference")
    return _time_major(references[::-1])


def _recursion(values, rewards, is_alive, is_truncated, n_steps, gamma_or_gammas, crop_last,
               state_values_after_end, end_at_tmax):
    """The ``[batch, tick]`` sequences of the backward recursion."""
    values_after_end = default_values_after_end(state_values_after_end, values)
    terminal, truncated = _terminal_and_truncated(is_alive, is_truncated, end_at_tmax)
    bootstrap = T.or_(_bootstrap_ticks(rewards.shape[1], n_steps, crop_last)[None, :], truncated)
    return _Recursion(rewards, terminal, bootstrap, _next_values(values, values_after_end),
                      gamma_matrix(gamma_or_gammas, rewards))


def get_n_step_value_reference(state_values, rewards, is_alive="always", n_steps=None,
                               gamma_or_gammas=0.99, crop_last=True,
                               state_values_after_end="zeros", end_at_tmax=False,
                               force_n_step=False, is_truncated=None):
    r"""n-step temporal-difference reference values :math:`R` ``[batch, tick]``.

    Defined backwards in time, with :math:`R_T = 0`:

    .. math::
        R_t = \begin{cases}
            r_t & \text{if the session ends at } t \\
            r_t + \gamma_t V'_t & \text{if } t \text{ is a bootstrap tick} \\
            r_t + \gamma_t R_{t+1} & \text{otherwise}
        \end{cases}

    where :math:`V'_t = V_{t+1}` (and ``state_values_after_end`` at the last
    tick). Bootstrap ticks are :math:`t` with :math:`(T - 1 - t + c) \bmod n = 0`,
    :math:`c = 1` if ``crop_last`` else 0; with ``n_steps=None`` only
    :math:`t = T - 1 - c`. If ``crop_last``, :math:`R_{T-1} = V_{T-1}`.

    With ``crop_last=True`` and :math:`n \ge 3` the ticks between the last
    bootstrap tick and :math:`T-1` get a plain partial return without a value
    term; this matches the original AgentNet exactly, and an
    :class:`UnbootstrappedTicksWarning` says so. ``n_steps=None`` or
    :math:`n \le 2` bootstrap every tick.

    Parameters
    ----------
    state_values : tensor [batch, tick]
        :math:`V(s_t)`; a 3-D ``[batch, tick, 1]`` input is reduced to
        ``[:, :, 0]`` with a warning.
    rewards : tensor [batch, tick]
    is_alive : tensor [batch, tick] or "always"
        1 while the session runs (including its last action), 0 afterwards.
        Other values are refused (now for a numpy array, else when the
        compiled function runs): a 2 would double the tick's loss.
    n_steps : int >= 1, symbolic int or None
        Look-ahead; ``None`` = to the end of the window. A symbolic value is
        checked to be >= 1 when the compiled function runs.
    gamma_or_gammas : float, scalar tensor, [batch] or [batch, tick] tensor
        Discount in [0, 1]; a matrix gives a per-tick discount :math:`\gamma_t`.
        Numbers and numpy arrays are checked now, tensors at run time.
    crop_last : bool
    state_values_after_end : tensor [batch, 1] or "zeros"
        Value of the state after the window's last tick.
    end_at_tmax : bool
        Treat sessions that did not end inside the window as ending at its
        last tick.
    force_n_step : bool
        Use the general recursion even for ``n_steps=1``.
    is_truncated : tensor [batch, tick] or None
        Opt-in (not in the original): 1 at the last alive tick of a session
        cut by a time limit (gymnasium's ``truncated``). Such a tick
        bootstraps, :math:`R_t = r_t + \gamma_t V'_t`, instead of being
        terminal. ``None`` keeps the original behaviour.

    Returns
    -------
    tensor [batch, tick], floatX

    Raises
    ------
    ValueError
        For a wrong ndim, ``n_steps < 1``, a discount outside [0, 1], masks
        with values other than 0 and 1, or arguments whose [batch, tick]
        sizes disagree (at run time when the values or sizes are not known
        while building the graph).
    TypeError
        For a non-tensor where a tensor belongs, a non-integer ``n_steps``, a
        non-numeric discount or a non-boolean flag.

    Notes
    -----
    **Closed form.** Write the recursion as :math:`R_t = a_t + d_t R_{t+1}`
    with the local term and the carry

    .. math::
        a_t = r_t + [\lnot end_t][boot_t]\,\gamma_t V'_t, \qquad
        d_t = [\lnot end_t][\lnot boot_t]\,\gamma_t .

    Unrolled, :math:`R_t = \sum_{i \ge 0} \big(\prod_{j=t}^{t+i-1} d_j\big)
    a_{t+i}`: the rewards up to the first terminal or bootstrap tick
    :math:`b \ge t` (or the window's end), discounted, plus
    :math:`\prod_{j=t}^{b} \gamma_j \, V'_b` if :math:`b` bootstraps. With an
    integer :math:`n` one of every :math:`n` consecutive ticks bootstraps (or
    lies past the window's end, where :math:`a = d = 0`), so every product
    with :math:`i \ge n` is zero and the sum has :math:`\min(n, T)` shifted
    terms; with ``n_steps=None``, :math:`T`. It is evaluated in Horner form,
    :math:`R^{(m)}_t = a_t + d_t R^{(m-1)}_{t+1}` from :math:`R^{(0)} = 0`:
    the recursion's own step applied to all ticks at once, :math:`\min(n, T)`
    times, so each tick gets the same arithmetic as in the scan.

    **When it scans.** Unrolling costs a concatenation and one fused
    elementwise pass over ``[batch, tick]`` per step; a ``theano.scan`` a
    large fixed cost plus one step per tick. The reference scans only when
    the number of steps is not a Python int while building the graph (a
    symbolic ``n_steps``, or ``n_steps=None`` while :math:`T` is unknown:
    values from a scan-free replay know it, else declare it with
    ``theano.tensor.specify_shape`` to unroll) or exceeds
    :data:`MAX_UNROLLED_STEPS`.
    """
    n_steps = check_n_steps(n_steps)
    require_flags(crop_last=crop_last, end_at_tmax=end_at_tmax, force_n_step=force_n_step)
    if isinstance(n_steps, int) and n_steps == 1 and not force_n_step:
        return get_1_step_value_reference(state_values, rewards, is_alive, gamma_or_gammas,
                                          crop_last, state_values_after_end, end_at_tmax,
                                          is_truncated)
    arguments = _reference_arguments(state_values, rewards, is_alive, is_truncated)
    steps = _unrolled_steps(n_steps, _static_ticks(state_values, rewards, is_alive, is_truncated))
    values, rewards, is_alive, is_truncated = arguments
    _warn_if_ticks_unbootstrapped(n_steps, crop_last)
    recursion = _recursion(values, rewards, is_alive, is_truncated, n_steps, gamma_or_gammas,
                           crop_last, state_values_after_end, end_at_tmax)
    references = (_scanned_references(recursion) if steps is None
                  else _unrolled_references(recursion, steps))
    return T.set_subtensor(references[:, -1], values[:, -1]) if crop_last else references


def get_1_step_value_reference(state_values, rewards, is_alive="always", gamma_or_gammas=0.99,
                               crop_last=True, state_values_after_end="zeros", end_at_tmax=False,
                               is_truncated=None):
    r"""One-step reference :math:`R_t = r_t + \gamma_t V'_t`, with :math:`V'_t = 0` at ends.

    Same arguments and result as :func:`get_n_step_value_reference` with
    ``n_steps=1``, without a scan.

    Parameters
    ----------
    state_values, rewards, is_alive, gamma_or_gammas, crop_last
        As in :func:`get_n_step_value_reference`.
    state_values_after_end, end_at_tmax, is_truncated
        As in :func:`get_n_step_value_reference`.

    Returns
    -------
    tensor [batch, tick], floatX
    """
    require_flags(crop_last=crop_last, end_at_tmax=end_at_tmax)
    values, rewards, is_alive, is_truncated = _reference_arguments(state_values, rewards, is_alive,
                                                                   is_truncated)
    values_after_end = default_values_after_end(state_values_after_end, values)
    terminal, _ = _terminal_and_truncated(is_alive, is_truncated, end_at_tmax)
    values_next = _next_values(values, values_after_end) * (1 - terminal)
    references = rewards + gamma_matrix(gamma_or_gammas, rewards) * values_next
    return T.set_subtensor(references[:, -1], values[:, -1]) if crop_last else references
