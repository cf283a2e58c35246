r"""Deterministic policy gradient: the critic's objective.

Silver et al. (2014); Lillicrap et al. (2016).
"""
from lasagne.objectives import squared_error

from ..utils._validation import suggest_keywords
from ._arguments import (default_is_alive, require_mask, require_ndim, require_options,
                         same_batch_tick)
from ._objective_parts import value_loss
from .generic import get_n_step_value_reference

__all__ = ["get_elementwise_objective_critic"]


@suggest_keywords
def get_elementwise_objective_critic(action_qvalues, state_values, rewards, is_alive="always",
                                     n_steps=1, gamma_or_gammas=0.99, crop_last=True,
                                     state_values_after_end="zeros", force_end_at_last_tick=False,
                                     consider_reference_constant=True, return_reference=False,
                                     loss_function=squared_error, scan_dependencies=(),
                                     scan_strict=True, is_truncated=None):
    r"""Elementwise critic loss ``[batch, tick]`` for DPG and NAF.

    .. math::
        L_t = \ell\big(\mathrm{sg}(R_t), Q(s_t, a_t)\big) \cdot alive_t

    with :math:`R` the n-step reference of ``state_values`` :math:`V(s) = Q(s, \mu(s))`.
    The actor is trained by the user, e.g. by maximising the critic's value of
    the actor's action.

    Parameters
    ----------
    action_qvalues : tensor [batch, tick]
        :math:`Q(s_t, a_t)` of the taken actions.
    state_values : tensor [batch, tick]
        :math:`V(s_t)`, used for bootstrapping.
    rewards, is_alive, n_steps, gamma_or_gammas, crop_last
        As in Q-learning.
    state_values_after_end, force_end_at_last_tick, consider_reference_constant
        As in Q-learning.
    return_reference, loss_function
        As in Q-learning.
    scan_dependencies, scan_strict
        Accepted for compatibility and ignored.
    is_truncated
        As in Q-learning.

    Returns
    -------
    tensor [batch, tick]
        The loss :math:`L_t`; with ``return_reference``, the reference
        :math:`R_t` instead (with ``crop_last``, its last tick is
        ``action_qvalues[:, -1]``, so that tick's loss is zero).

    Raises
    ------
    ValueError, TypeError
        As in Q-learning.

    References
    ----------
    Lillicrap et al. (2016), Continuous control with deep reinforcement learning.
    """
    require_options(loss_function, {"state_values_after_end": state_values_after_end},
                    crop_last=crop_last, consider_reference_constant=consider_reference_constant,
                    force_end_at_last_tick=force_end_at_last_tick,
                    return_reference=return_reference)
    for argument, value in (("action_qvalues", action_qvalues), ("state_values", state_values),
                            ("rewards", rewards)):
        require_ndim(value, argument, 2)
    require_mask(is_alive, "is_alive")
    require_mask(is_truncated, "is_truncated")
    action_qvalues, state_values, rewards, is_alive, is_truncated = same_batch_tick(
        [("action_qvalues", action_qvalues), ("state_values", state_values),
         ("rewards", rewards), ("is_alive", is_alive), ("is_truncated", is_truncated)])
    is_alive = default_is_alive(is_alive, rewards)
    reference = get_n_step_value_reference(
        state_values, rewards, is_alive, n_steps, gamma_or_gammas, crop_last,
        state_values_after_end, force_end_at_last_tick, is_truncated=is_truncated)
    return value_loss(reference, action_qvalues, is_alive, loss_function,
                      consider_reference_constant, crop_last, return_reference)
