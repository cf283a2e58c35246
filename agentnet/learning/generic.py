r"""Building blocks shared by the learning objectives: session ends and n-step references.

All tensors are batch-major: ``[batch, tick]`` for ``rewards``,
``is_alive`` and ``state_values``; ``[batch, tick, n_actions]`` for
per-action values.
"""
import warnings

import theano
import theano.tensor as T

from ..utils.logging import user_stacklevel
from ._arguments import (as_float, check_n_steps, default_is_alive, default_values_after_end,
                         gamma_matrix, require_actions, require_mask, require_ndim,
                         same_batch_tick, state_values_2d)

__all__ = ["get_end_indicator", "get_values_for_actions", "get_action_Qvalues",
           "get_mask_by_eos", "get_n_step_value_reference", "get_1_step_value_reference",
           "UnbootstrappedTicksWarning"]


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
    force_end_at_t_max : bool

    Returns
    -------
    tensor [batch, tick], int8
    """
    alive = T.cast(is_alive, "int32")
    ends = T.eq(alive[:, :-1] - alive[:, 1:], 1)
    if force_end_at_t_max:
        last = T.eq(ends.sum(axis=1, keepdims=True), 0)
    else:
        last = T.zeros_like(ends[:, :1])
    return T.concatenate([ends, last], axis=1)


def get_values_for_actions(values_for_all_actions, actions):
    """``out[b, t] = values_for_all_actions[b, t, actions[b, t]]``.

    Parameters
    ----------
    values_for_all_actions : tensor [batch, tick, n_actions]
    actions : int tensor [batch, tick]

    Returns
    -------
    tensor [batch, tick]
    """
    require_ndim(values_for_all_actions, "values_for_all_actions", 3)
    require_actions(actions)
    batch_range = T.arange(actions.shape[0])[:, None]
    time_range = T.arange(actions.shape[1])[None, :]
    return values_for_all_actions[batch_range, time_range, actions]


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
    if is_eos.ndim != 2:
        raise ValueError("`is_eos` must have ndim 2 [batch, tick], got ndim %i" % is_eos.ndim)
    is_eos = T.cast(T.neq(is_eos, 0), "int32")
    shifted = T.concatenate([T.zeros_like(is_eos[:, :1]), is_eos[:, :-1]], axis=1)
    return T.cast(T.eq(T.cumsum(shifted, axis=-1), 0), "uint8")


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
    ends = get_end_indicator(is_alive, force_end_at_t_max=end_at_tmax)
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
    return values, rewards, default_is_alive(is_alive, rewards), is_truncated


def get_n_step_value_reference(state_values, rewards, is_alive="always", n_steps=None,
                               gamma_or_gammas=0.99, crop_last=True,
                               state_values_after_end="zeros", end_at_tmax=False,
                               force_n_step=False, is_truncated=None):
    r"""n-step temporal-difference reference values :math:`R` ``[batch, tick]``.

    Computed backwards in time, with :math:`R_T = 0`:

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
        For a wrong ndim, ``n_steps < 1``, a discount outside [0, 1], or
        arguments whose [batch, tick] sizes disagree (at run time when the
        sizes are not known while building the graph).
    """
    n_steps = check_n_steps(n_steps)
    if isinstance(n_steps, int) and n_steps == 1 and not force_n_step:
        return get_1_step_value_reference(state_values, rewards, is_alive, gamma_or_gammas,
                                          crop_last, state_values_after_end, end_at_tmax,
                                          is_truncated)
    values, rewards, is_alive, is_truncated = _reference_arguments(state_values, rewards, is_alive,
                                                                   is_truncated)
    _warn_if_ticks_unbootstrapped(n_steps, crop_last)
    values_after_end = default_values_after_end(state_values_after_end, values)
    terminal, truncated = _terminal_and_truncated(is_alive, is_truncated, end_at_tmax)
    bootstrap = T.or_(_bootstrap_ticks(rewards.shape[1], n_steps, crop_last)[None, :], truncated)
    sequences = [rewards, terminal, bootstrap, _next_values(values, values_after_end),
                 gamma_matrix(gamma_or_gammas, rewards)]
    references, _ = theano.scan(_reference_step, sequences=[_time_major(s) for s in sequences],
                                outputs_info=[T.zeros_like(rewards[:, 0])], go_backwards=True,
                                name="n_step_reference")
    references = _time_major(references[::-1])
    return T.set_subtensor(references[:, -1], values[:, -1]) if crop_last else references


def get_1_step_value_reference(state_values, rewards, is_alive="always", gamma_or_gammas=0.99,
                               crop_last=True, state_values_after_end="zeros", end_at_tmax=False,
                               is_truncated=None):
    r"""One-step reference :math:`R_t = r_t + \gamma_t V'_t`, with :math:`V'_t = 0` at ends.

    Same arguments and result as :func:`get_n_step_value_reference` with
    ``n_steps=1``, without a scan.
    """
    values, rewards, is_alive, is_truncated = _reference_arguments(state_values, rewards, is_alive,
                                                                   is_truncated)
    values_after_end = default_values_after_end(state_values_after_end, values)
    terminal, _ = _terminal_and_truncated(is_alive, is_truncated, end_at_tmax)
    values_next = _next_values(values, values_after_end) * (1 - terminal)
    references = rewards + gamma_matrix(gamma_or_gammas, rewards) * values_next
    return T.set_subtensor(references[:, -1], values[:, -1]) if crop_last else references
