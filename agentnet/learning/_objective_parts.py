"""The parts every objective is made of: the value-loss tail and the policy-gradient term."""
import theano.tensor as T

from ..utils.grad import consider_constant
from .generic import get_values_for_actions

__all__ = ["value_loss", "log_policy_for_actions", "policy_gradient_loss"]


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
