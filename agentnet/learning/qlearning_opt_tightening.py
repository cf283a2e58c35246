r"""Q-learning with the optimality-tightening lower bound (He et al. 2016, arXiv:1611.01606)."""
import theano.tensor as T

from ..utils.logging import warn
from ..utils._validation import require_int, require_real, suggest_keywords
from ._arguments import (as_float, check_gamma, default_is_alive, require_actions, require_mask,
                         require_ndim, same_batch_tick)
from .generic import get_values_for_actions

__all__ = ["get_elementwise_objective"]

warn("qlearning_opt_tightening will get a major update in 0.10.5.")


def _shift_left(x, k):
    """``x[:, t + k]``, zero beyond the window. ``x`` is [batch, tick]."""
    if k == 0:
        return x
    return T.concatenate([x[:, k:], T.zeros_like(x[:, :k])], axis=1)


def _lower_bounds(rewards, best_qvalues, mask, n_steps, gamma):
    r"""The largest lower bound :math:`\max_{k < K} L_{k,t}` ``[batch, tick]``, where
    :math:`L_{k,t} = \sum_{j \le k} \gamma^j r_{t+j} + \gamma^{k+1} Q^*_{t+k+1} m_{k,t}`."""
    bounds, discounted_rewards = [], T.zeros_like(rewards)
    for k in range(n_steps):
        discounted_rewards = discounted_rewards + gamma ** k * _shift_left(rewards, k)
        bootstrap = gamma ** (k + 1) * _shift_left(best_qvalues, k + 1) * _shift_left(mask, k + 1)
        bounds.append(discounted_rewards + bootstrap)
    return T.stack(bounds).max(axis=0)


@suggest_keywords
def get_elementwise_objective(Qvalues, actions, rewards, n_steps, is_alive="always", gamma=0.95,
                              lambda_constr=1e3):
    r"""Elementwise loss ``[batch, tick]``: 1-step TD error plus a lower-bound penalty.

    .. math::
        L_t = (r_t + \gamma Q^*_{t+1} - Q_{t,a_t})^2
              + \lambda \max(0, \max_{k<K} L_{k,t} - Q_{t,a_t})^2

    with :math:`Q^*_t = \max_a Q_{t,a}` (0 beyond the window),
    :math:`L_{k,t} = \sum_{j=0}^{k} \gamma^j r_{t+j} + \gamma^{k+1} Q^*_{t+k+1} m_{k,t}`
    and :math:`m_{k,t} = alive_{t+k+1}` (1 if ``is_alive="always"``). As in
    the original, no gradient is stopped and the result is not masked.

    Parameters
    ----------
    Qvalues : tensor [batch, tick, n_actions]
    actions, rewards : tensors [batch, tick]
    n_steps : int
        :math:`K`, the number of look-ahead bounds.
    is_alive : tensor [batch, tick] or "always"
    gamma : float
    lambda_constr : float >= 0
        Penalty weight :math:`\lambda`.

    Returns
    -------
    tensor [batch, tick]
        :math:`L_t`, not multiplied by ``is_alive``.

    Raises
    ------
    ValueError, TypeError
        For a wrong ndim, ``n_steps`` not an int >= 1, ``gamma`` outside
        [0, 1], a negative ``lambda_constr``, action ids outside
        :math:`[0, n_{actions})` or ``is_alive`` values other than 0 and 1.
    """
    require_ndim(Qvalues, "Qvalues", 3)
    require_actions(actions)
    require_ndim(rewards, "rewards", 2)
    require_mask(is_alive, "is_alive")
    n_steps = require_int(n_steps, "n_steps", 1, " (the number of look-ahead bounds)")
    lambda_constr = require_real(lambda_constr, "lambda_constr", low=0)
    gamma = check_gamma(gamma, "gamma")
    Qvalues, actions, rewards, is_alive = same_batch_tick(
        [("Qvalues", Qvalues), ("actions", actions), ("rewards", rewards), ("is_alive", is_alive)])
    rewards = as_float(rewards)
    mask = default_is_alive(is_alive, rewards)
    best_qvalues = Qvalues.max(axis=-1)
    action_qvalues = get_values_for_actions(Qvalues, actions)
    classic = (rewards + gamma * _shift_left(best_qvalues, 1) - action_qvalues) ** 2
    lower_bound = _lower_bounds(rewards, best_qvalues, mask, n_steps, gamma)
    return classic + lambda_constr * T.maximum(0, lower_bound - action_qvalues) ** 2
