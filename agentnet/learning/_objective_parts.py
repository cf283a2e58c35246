"""The parts every objective is made of: the value-loss tail and the policy-gradient term."""
import theano.tensor as T

from ..utils.grad import consider_constant
from .generic import get_n_step_value_reference, get_values_for_actions

__all__ = ["value_loss", "action_value_loss", "log_policy_for_actions", "policy_gradient_loss"]


def value_loss(reference, prediction, is_alive, loss_function, consider_reference_constant=True,
               overwrite_last=False, return_reference=False):
    r"""``loss_function(R, prediction) * is_alive``, with the reference optionally frozen.

    Parameters
    ----------
    reference, prediction, is_alive : tensors [batch, tick]
    loss_function : callable(reference, prediction)
    consider_reference_constant : bool
        Stop the gradient through the reference (TD learning, not residual).
    overwrite_last : bool
        Set :math:`R_{T-1}` to the prediction, so the last tick has zero loss
        (``crop_last``: that tick only bootstraps).
    return_reference : bool
        Return the (possibly overwritten) reference instead of the loss.
    """
    if consider_reference_constant:
        reference = consider_constant(reference)
    if overwrite_last:
        reference = T.set_subtensor(reference[:, -1], prediction[:, -1])
    if return_reference:
        return reference
    return loss_function(reference, prediction) * is_alive


def action_value_loss(qvalues, actions, rewards, is_alive, values_next, reference_options,
                      loss_options):
    r"""The TD loss of :math:`Q(s_t, a_t)` against the n-step reference of ``values_next``.

    Shared by Q-learning (:math:`V' = \max_a Q'`) and SARSA (:math:`V' = Q'(s, a)`).

    Parameters
    ----------
    qvalues : tensor [batch, tick, n_actions]
    actions, rewards, is_alive, values_next : tensors [batch, tick]
    reference_options : dict
        ``n_steps, gamma_or_gammas, crop_last, state_values_after_end,
        end_at_tmax, is_truncated`` for the reference.
    loss_options : dict
        ``loss_function, consider_reference_constant, return_reference``.
    """
    reference = get_n_step_value_reference(values_next, rewards, is_alive, **reference_options)
    return value_loss(reference, get_values_for_actions(qvalues, actions), is_alive,
                      overwrite_last=reference_options["crop_last"], **loss_options)


def log_policy_for_actions(policy, actions, treat_policy_as_logpolicy):
    r""":math:`\log \pi(a_t | s_t)` ``[batch, tick]`` from probabilities or log-probabilities.

    A 3-D policy ``[batch, tick, n_actions]`` is indexed by the actions; a 2-D
    one is taken as already given for the actions.
    """
    log_policy = policy if treat_policy_as_logpolicy else T.log(policy)
    if log_policy.ndim == 3:
        return get_values_for_actions(log_policy, actions)
    return log_policy


def policy_gradient_loss(log_policy_actions, advantage, is_alive):
    r"""Score-function loss :math:`-\log\pi(a_t|s_t) \, \mathrm{sg}(A_t) \, alive_t`."""
    return -log_policy_actions * consider_constant(advantage) * is_alive
