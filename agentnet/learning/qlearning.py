r"""Q-learning with n-step references (Watkins 1989; Mnih et al. 2015 for the DQN form)."""
from lasagne.objectives import squared_error

from ..utils._validation import suggest_keywords
from ._arguments import (default_is_alive, require_actions, require_mask, require_ndim,
                         require_options, same_batch_tick)
from ._objective_parts import value_loss
from .generic import get_n_step_value_reference, get_values_for_actions

__all__ = ["get_elementwise_objective"]


def _check_targets(qvalues_target, state_values_target):
    if qvalues_target is not None and state_values_target is not None:
        raise ValueError("give `qvalues_target` or `state_values_target`, not both")
    if qvalues_target is not None:
        require_ndim(qvalues_target, "qvalues_target", 3)
    if state_values_target is not None:
        require_ndim(state_values_target, "state_values_target", 2)


def _target_state_values(qvalues, qvalues_target, state_values_target):
    r""":math:`V'`: given, or :math:`\max_a Q_{target}`, or :math:`\max_a Q`."""
    if state_values_target is not None:
        return state_values_target
    source = qvalues_target if qvalues_target is not None else qvalues
    return source.max(axis=-1)


@suggest_keywords
def get_elementwise_objective(qvalues, actions, rewards, is_alive="always", qvalues_target=None,
                              state_values_target=None, n_steps=1, gamma_or_gammas=0.99,
                              crop_last=True, state_values_target_after_end="zeros",
                              consider_reference_constant=True, aggregation_function="deprecated",
                              force_end_at_last_tick=False, return_reference=False,
                              loss_function=squared_error, is_truncated=None):
    r"""Elementwise n-step Q-learning loss ``[batch, tick]``, masked by ``is_alive``.

    .. math::
        L_t = \ell\big(\mathrm{sg}(R_t), Q(s_t, a_t)\big) \cdot alive_t, \qquad
        V'(s) = \max_a Q_{target}(s, a)

    where :math:`R` is :func:`~agentnet.learning.generic.get_n_step_value_reference`
    of :math:`V'`. With ``crop_last`` the last tick only bootstraps (its loss is 0).

    Parameters
    ----------
    qvalues : tensor [batch, tick, n_actions]
    actions : int tensor [batch, tick]
    rewards : tensor [batch, tick]
    is_alive : tensor [batch, tick] or "always"
    qvalues_target : tensor [batch, tick, n_actions] or None
        Q-values of a target network, used for :math:`V'` (Mnih et al. 2015).
    state_values_target : tensor [batch, tick] or None
        :math:`V'` given directly. Double Q-learning (van Hasselt et al.
        2016): ``get_values_for_actions(qvalues_target, argmax(qvalues, -1))``.
    n_steps : int, symbolic int or None
    gamma_or_gammas : float or tensor (scalar, [batch], [batch, tick])
    crop_last : bool
    state_values_target_after_end : tensor [batch, 1] or "zeros"
    consider_reference_constant : bool
    aggregation_function : "deprecated"
        Removed; pass ``state_values_target`` instead.
    force_end_at_last_tick : bool
    return_reference : bool
        Return :math:`R` instead of the loss.
    loss_function : callable(reference, prediction)
        E.g. :func:`lasagne.objectives.squared_error` (default) or
        :func:`agentnet.learning.losses.huber_loss`.
    is_truncated : tensor [batch, tick] or None
        Opt-in time-limit mask; see ``get_n_step_value_reference``.

    Returns
    -------
    tensor [batch, tick]

    Raises
    ------
    ValueError
        For a wrong ndim or non-integer ``actions``, both targets given,
        ``n_steps < 1``, ``gamma_or_gammas`` outside [0, 1], action ids
        outside :math:`[0, n_{actions})`, ``is_alive`` or ``is_truncated``
        values other than 0 and 1, or arguments whose [batch, tick] sizes
        disagree. What Theano does not know while building the graph is
        checked when the compiled function runs (still one ``ValueError``
        naming the argument).
    TypeError
        For a non-tensor where a tensor belongs, a non-integer ``n_steps``, a
        non-numeric discount, a non-boolean flag or a ``loss_function`` that
        cannot be called.

    References
    ----------
    Mnih et al. (2015), Human-level control through deep reinforcement learning.
    """
    if aggregation_function != "deprecated":
        raise NotImplementedError("aggregation_function was removed: compute V(s) yourself and "
                                  "pass it as state_values_target")
    require_options(loss_function,
                    {"state_values_target_after_end": state_values_target_after_end},
                    crop_last=crop_last, consider_reference_constant=consider_reference_constant,
                    force_end_at_last_tick=force_end_at_last_tick,
                    return_reference=return_reference)
    require_ndim(qvalues, "qvalues", 3)
    require_actions(actions)
    require_ndim(rewards, "rewards", 2)
    require_mask(is_alive, "is_alive")
    require_mask(is_truncated, "is_truncated")
    _check_targets(qvalues_target, state_values_target)
    qvalues, actions, rewards, is_alive, qvalues_target, state_values_target, is_truncated = \
        same_batch_tick([("qvalues", qvalues), ("actions", actions), ("rewards", rewards),
                         ("is_alive", is_alive), ("qvalues_target", qvalues_target),
                         ("state_values_target", state_values_target),
                         ("is_truncated", is_truncated)])
    is_alive = default_is_alive(is_alive, rewards)
    values_next = _target_state_values(qvalues, qvalues_target, state_values_target)
    reference = get_n_step_value_reference(
        values_next, rewards, is_alive, n_steps, gamma_or_gammas, crop_last,
        state_values_target_after_end, force_end_at_last_tick, is_truncated=is_truncated)
    return value_loss(reference, get_values_for_actions(qvalues, actions), is_alive,
                      loss_function, consider_reference_constant, crop_last, return_reference)
