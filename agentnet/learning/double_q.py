r"""Double Q-learning: the target network evaluates the online network's greedy action.

Pass the result as ``state_values_target`` of
:func:`agentnet.learning.qlearning.get_elementwise_objective`.
"""
import theano.tensor as T

from ._arguments import require_ndim, same_batch_tick
from .generic import get_values_for_actions

__all__ = ["double_q_values"]


def double_q_values(qvalues, qvalues_target):
    r"""State values :math:`V'(s)` for a double Q-learning target ``[batch, tick]``.

    .. math::
        V'(s_t) = Q_{target}\big(s_t, \arg\max_a Q_{online}(s_t, a)\big)

    The max of one network over its own noisy estimates is biased upwards;
    choosing the action with the online network and valuing it with the
    target network decouples the two errors (van Hasselt et al. 2016).

    Parameters
    ----------
    qvalues : tensor [batch, tick, n_actions]
        Q-values of the online network (they only choose the action: no
        gradient flows through the argmax).
    qvalues_target : tensor [batch, tick, n_actions]
        Q-values of the target network, e.g. a
        :class:`~agentnet.target_network.TargetNetwork`'s output replayed on
        the same sessions.

    Returns
    -------
    tensor [batch, tick]
        For ``qlearning.get_elementwise_objective(..., state_values_target=...)``,
        which shifts it by ``n_steps`` ticks and treats it as a constant.

    Raises
    ------
    TypeError, ValueError
        For arguments that are not ``[batch, tick, n_actions]`` tensors or
        whose ``[batch, tick]`` differ (now if known, else at run time).

    References
    ----------
    van Hasselt, Guez and Silver (2016), *Deep Reinforcement Learning with
    Double Q-learning*, AAAI.

    Examples
    --------
    >>> import numpy as np
    >>> online = np.array([[[1., 3.], [2., 0.]]])
    >>> target = np.array([[[10., 20.], [30., 40.]]])
    >>> double_q_values(online, target).eval()
    array([[20., 30.]])
    """
    qvalues = require_ndim(qvalues, "qvalues", 3)
    qvalues_target = require_ndim(qvalues_target, "qvalues_target", 3)
    qvalues, qvalues_target = same_batch_tick([("qvalues", qvalues),
                                               ("qvalues_target", qvalues_target)])
    # a*(s) = argmax_a Q_online(s, a);  V'(s) = Q_target(s, a*(s))
    greedy_actions = T.argmax(qvalues, axis=-1)
    return get_values_for_actions(qvalues_target, greedy_actions)
