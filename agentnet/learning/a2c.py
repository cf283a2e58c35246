r"""Advantage actor-critic (Mnih et al. 2016), with n-step references."""
from lasagne.objectives import squared_error

from ..utils._validation import suggest_keywords
from ._arguments import (check_n_steps, default_is_alive, require_actions, require_mask,
                         require_ndim, require_options, same_batch_tick, state_values_2d)
from ._objective_parts import log_policy_for_actions, policy_gradient_loss, value_loss
from .generic import get_n_step_value_reference

__all__ = ["get_elementwise_objective"]


def _advantage_steps(n_steps, n_steps_advantage):
    """``n_steps`` for the sentinel ``"same"``, else the checked ``n_steps_advantage``."""
    if isinstance(n_steps_advantage, str):
        if n_steps_advantage != "same":
            raise ValueError("`n_steps_advantage` must be 'same', None, or an int >= 1, got %r"
                             % n_steps_advantage)
        return n_steps
    return check_n_steps(n_steps_advantage, "n_steps_advantage", " (or None, or 'same')")


@suggest_keywords
def get_elementwise_objective(policy, state_values, actions, rewards, is_alive="always",
                              state_values_target=None, n_steps=1, n_steps_advantage="same",
                              gamma_or_gammas=0.99, crop_last=True,
                              state_values_target_after_end="zeros",
                              state_values_after_end="zeros",
                              consider_value_reference_constant=True,
                              force_end_at_last_tick=False, return_separate=False,
                              treat_policy_as_logpolicy=False, loss_function=squared_error,
                              is_truncated=None):
    r"""Elementwise actor and critic losses ``[batch, tick]``, masked by ``is_alive``.

    .. math::
        L^{actor}_t = -\log\pi(a_t|s_t)\,\mathrm{sg}(R^{A}_t - V(s_t)) \cdot alive_t \\
        L^{critic}_t = \ell\big(\mathrm{sg}(R^{V}_t), V(s_t)\big) \cdot alive_t

    :math:`R^V` is the n-step reference of ``state_values_target`` (default:
    ``state_values``) with ``n_steps``; :math:`R^A` that of ``state_values``
    with ``n_steps_advantage``. The critic's last tick is not overwritten: with
    ``crop_last`` its reference is :math:`V_{target}(s_{T-1})`.

    Parameters
    ----------
    policy : tensor [batch, tick, n_actions] or [batch, tick]
        Action probabilities (or log-probabilities with
        ``treat_policy_as_logpolicy``); 2-D means already for the taken actions.
    state_values : tensor [batch, tick] (or [batch, tick, 1])
    actions, rewards : tensors [batch, tick]
    is_alive : tensor [batch, tick] or "always"
    state_values_target : tensor [batch, tick] or None
    n_steps : int, symbolic int or None
    n_steps_advantage : "same", int or None
    gamma_or_gammas, crop_last : as in Q-learning
    state_values_target_after_end, state_values_after_end : tensor [batch, 1] or "zeros"
    consider_value_reference_constant : bool
    force_end_at_last_tick : bool
        As in Q-learning.
    return_separate : bool
        Return ``(actor_loss, critic_loss)`` instead of their sum.
    treat_policy_as_logpolicy : bool
    loss_function, is_truncated : as in Q-learning

    Returns
    -------
    tensor [batch, tick] or tuple of two
        :math:`L^{actor}_t + L^{critic}_t`; with ``return_separate``, the
        tuple ``(actor_loss, critic_loss)`` of ``[batch, tick]`` tensors.

    Raises
    ------
    ValueError, TypeError
        As in Q-learning; action ids are checked only with a 3-D policy.

    References
    ----------
    Mnih et al. (2016), Asynchronous methods for deep reinforcement learning.
    """
    require_options(loss_function,
                    {"state_values_target_after_end": state_values_target_after_end,
                     "state_values_after_end": state_values_after_end},
                    crop_last=crop_last, force_end_at_last_tick=force_end_at_last_tick,
                    consider_value_reference_constant=consider_value_reference_constant,
                    return_separate=return_separate,
                    treat_policy_as_logpolicy=treat_policy_as_logpolicy)
    require_ndim(policy, "policy", 2, 3)
    # actions only index a 3-D policy; with a 2-D one they may be anything [batch, tick]
    require_actions(actions, integer=policy.ndim == 3)
    require_ndim(rewards, "rewards", 2)
    require_mask(is_alive, "is_alive")
    require_mask(is_truncated, "is_truncated")
    state_values = state_values_2d(state_values, "state_values")
    if state_values_target is not None:
        state_values_target = state_values_2d(state_values_target, "state_values_target")
    advantage_steps = _advantage_steps(n_steps, n_steps_advantage)
    policy, state_values, state_values_target, actions, rewards, is_alive, is_truncated = \
        same_batch_tick([("policy", policy), ("state_values", state_values),
                         ("state_values_target", state_values_target), ("actions", actions),
                         ("rewards", rewards), ("is_alive", is_alive),
                         ("is_truncated", is_truncated)])
    target = state_values if state_values_target is None else state_values_target
    is_alive = default_is_alive(is_alive, actions)
    value_reference = get_n_step_value_reference(
        target, rewards, is_alive, n_steps, gamma_or_gammas, crop_last,
        state_values_target_after_end, force_end_at_last_tick, is_truncated=is_truncated)
    critic = value_loss(value_reference, state_values, is_alive, loss_function,
                        consider_value_reference_constant)
    advantage_reference = get_n_step_value_reference(
        state_values, rewards, is_alive, advantage_steps, gamma_or_gammas, crop_last,
        state_values_after_end, force_end_at_last_tick, is_truncated=is_truncated)
    log_policy = log_policy_for_actions(policy, actions, treat_policy_as_logpolicy)
    actor = policy_gradient_loss(log_policy, advantage_reference - state_values, is_alive)
    return (actor, critic) if return_separate else actor + critic
