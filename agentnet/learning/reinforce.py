r"""REINFORCE: the Monte-Carlo policy gradient (Williams 1992)."""
import theano
import theano.tensor as T

from ..utils._validation import suggest_keywords
from ._arguments import (as_float, default_is_alive, require_actions, require_mask, require_ndim,
                         same_batch_tick)
from ._objective_parts import log_policy_for_actions, policy_gradient_loss
from .generic import get_n_step_value_reference

__all__ = ["get_elementwise_objective"]


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
    baseline : tensor [batch, tick] or "zeros"
    gamma_or_gammas : float or tensor
    crop_last : bool
    treat_policy_as_logpolicy : bool

    References
    ----------
    Williams (1992), Simple statistical gradient-following algorithms for
    connectionist reinforcement learning.
    """
    require_ndim(policy, "policy", 2, 3)
    require_actions(actions, integer=policy.ndim == 3)
    require_ndim(rewards, "rewards", 2)
    require_mask(is_alive, "is_alive")
    policy, actions, rewards, is_alive = same_batch_tick(
        [("policy", policy), ("actions", actions), ("rewards", rewards), ("is_alive", is_alive)])
    is_alive = default_is_alive(is_alive, actions)
    if isinstance(baseline, str):
        if baseline != "zeros":
            raise ValueError("`baseline` must be a [batch, tick] tensor or 'zeros', got %r"
                             % baseline)
        baseline = T.zeros_like(rewards, dtype=theano.config.floatX)
    returns = get_n_step_value_reference(
        T.zeros_like(rewards, dtype=theano.config.floatX), rewards, is_alive, None,
        gamma_or_gammas, crop_last, end_at_tmax=True)
    log_policy = log_policy_for_actions(policy, actions, treat_policy_as_logpolicy)
    return policy_gradient_loss(log_policy, returns - as_float(baseline), is_alive)
