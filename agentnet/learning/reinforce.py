r"""REINFORCE: the Monte-Carlo policy gradient (Williams 1992)."""
import numbers

import numpy as np
import theano
import theano.tensor as T

from ..utils._validation import suggest_keywords
from ._arguments import (as_float, default_is_alive, require_actions, require_flags,
                         require_mask, require_ndim, same_batch_tick, static_size)
from ._objective_parts import log_policy_for_actions, policy_gradient_loss
from .generic import get_n_step_value_reference

__all__ = ["get_elementwise_objective"]


def _per_tick_baseline(baseline):
    """``baseline`` if it is a ``[batch, tick]`` tensor whose sizes are to be checked, else None.

    A number, a scalar, a ``[batch, 1]`` broadcastable tensor and ``"zeros"``
    need no size check; anything else raises.
    """
    if isinstance(baseline, str):
        if baseline != "zeros":
            raise ValueError("`baseline` must be a tensor or 'zeros', got %r" % baseline)
        return None
    if isinstance(baseline, numbers.Real) and not isinstance(baseline, (bool, np.bool_)):
        return None
    require_ndim(baseline, "baseline", 0, 2)
    return baseline if baseline.ndim == 2 and static_size(baseline, 1) != 1 else None


@suggest_keywords
def get_elementwise_objective(policy, actions, rewards, is_alive="always", baseline="zeros",
                              gamma_or_gammas=0.99, crop_last=True,
                              treat_policy_as_logpolicy=False):
    r"""Elementwise REINFORCE loss ``[batch, tick]``, masked by ``is_alive``.

    .. math::
        L_t = -\log\pi(a_t|s_t)\,\mathrm{sg}(G_t - b_t) \cdot alive_t, \qquad
        G_t = \sum_{k \ge t} \gamma^{k-t} r_k

    The return runs to the end of the session (or window). With ``crop_last``
    the last tick's reward is excluded and :math:`G_{T-1} = 0`.

    Parameters
    ----------
    policy : tensor [batch, tick, n_actions] or [batch, tick]
    actions, rewards : tensors [batch, tick]
    is_alive : tensor [batch, tick] or "always"
    baseline : tensor [batch, tick] or [batch, 1] (broadcastable), number, scalar, or "zeros"
    gamma_or_gammas : float or tensor
    crop_last : bool
    treat_policy_as_logpolicy : bool

    Returns
    -------
    tensor [batch, tick]
        :math:`L_t`, zero where ``is_alive`` is 0.

    Raises
    ------
    ValueError, TypeError
        As in Q-learning; action ids are checked only with a 3-D policy.

    References
    ----------
    Williams (1992), Simple statistical gradient-following algorithms for
    connectionist reinforcement learning.
    """
    require_flags(crop_last=crop_last, treat_policy_as_logpolicy=treat_policy_as_logpolicy)
    require_ndim(policy, "policy", 2, 3)
    require_actions(actions, integer=policy.ndim == 3)
    require_ndim(rewards, "rewards", 2)
    require_mask(is_alive, "is_alive")
    per_tick_baseline = _per_tick_baseline(baseline)
    policy, actions, rewards, is_alive, per_tick_baseline = same_batch_tick(
        [("policy", policy), ("actions", actions), ("rewards", rewards), ("is_alive", is_alive),
         ("baseline", per_tick_baseline)])
    is_alive = default_is_alive(is_alive, actions)
    if isinstance(baseline, str):
        baseline = T.zeros_like(rewards, dtype=theano.config.floatX)
    elif per_tick_baseline is not None:
        baseline = per_tick_baseline
    returns = get_n_step_value_reference(
        T.zeros_like(rewards, dtype=theano.config.floatX), rewards, is_alive, None,
        gamma_or_gammas, crop_last, end_at_tmax=True)
    log_policy = log_policy_for_actions(policy, actions, treat_policy_as_logpolicy)
    return policy_gradient_loss(log_policy, returns - as_float(baseline), is_alive)
