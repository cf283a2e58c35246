r"""SARSA: on-policy TD learning from the value of the action actually taken next."""
from lasagne.objectives import squared_error

from ..utils._validation import suggest_keywords
from . import qlearning
from ._arguments import (require_actions, require_ndim, same_batch_tick)
from .generic import get_values_for_actions

__all__ = ["get_elementwise_objective"]


@suggest_keywords
def get_elementwise_objective(qvalues, actions, rewards, is_alive="always", qvalues_target=None,
                              n_steps=1, gamma_or_gammas=0.99, crop_last=True,
                              state_values_target_after_end="zeros",
                              consider_reference_constant=True, force_end_at_last_tick=False,
                              return_reference=False, loss_function=squared_error,
                              is_truncated=None):
    r"""Elementwise n-step SARSA loss ``[batch, tick]``, masked by ``is_alive``.

    .. math::
        L_t = \ell\big(\mathrm{sg}(R_t), Q(s_t, a_t)\big) \cdot alive_t, \qquad
        V'(s_t) = Q_{target}(s_t, a_t)

    Parameters
    ----------
    qvalues : tensor [batch, tick, n_actions]
    actions : int tensor [batch, tick]
    rewards : tensor [batch, tick]
    is_alive : tensor [batch, tick] or "always"
    qvalues_target : tensor [batch, tick, n_actions] or None
        Q-values of a target network; :math:`V'(s_t)` is that of the taken action.
    n_steps, gamma_or_gammas, crop_last, state_values_target_after_end
        As in :func:`agentnet.learning.qlearning.get_elementwise_objective`.
    consider_reference_constant, force_end_at_last_tick, return_reference
        As in Q-learning.
    loss_function, is_truncated
        As in Q-learning (for a V(s) target use Q-learning's ``state_values_target``).

    Returns
    -------
    tensor [batch, tick]

    Raises
    ------
    ValueError, TypeError
        As in Q-learning.

    References
    ----------
    Rummery & Niranjan (1994), On-line Q-learning using connectionist systems.
    """
    # What SARSA reads itself is checked here; Q-learning, which it calls, checks the rest.
    require_ndim(qvalues, "qvalues", 3)
    require_actions(actions)
    if qvalues_target is not None:
        require_ndim(qvalues_target, "qvalues_target", 3)
    qvalues, actions, qvalues_target = same_batch_tick(
        [("qvalues", qvalues), ("actions", actions), ("qvalues_target", qvalues_target)])
    target = qvalues_target if qvalues_target is not None else qvalues
    # SARSA is Q-learning whose next-state value is that of the action actually taken
    return qlearning.get_elementwise_objective(
        qvalues, actions, rewards, is_alive, state_values_target=get_values_for_actions(
            target, actions), n_steps=n_steps, gamma_or_gammas=gamma_or_gammas,
        crop_last=crop_last, state_values_target_after_end=state_values_target_after_end,
        consider_reference_constant=consider_reference_constant,
        force_end_at_last_tick=force_end_at_last_tick, return_reference=return_reference,
        loss_function=loss_function, is_truncated=is_truncated)
