"""Epsilon-greedy exploration."""
import numbers

import numpy as np
import theano
import theano.tensor as T

from ..utils._validation import require_probability
from .base import BaseResolver
from ._seeding import random_streams

__all__ = ["EpsilonGreedyResolver"]


def _check_epsilon(epsilon):
    """The default shared 0.1, a Theano scalar as it is, or a number checked to be in [0, 1]."""
    if epsilon is None:
        return theano.shared(np.float32(0.1), name="e-greedy.epsilon")
    if isinstance(epsilon, theano.Variable):
        if getattr(epsilon, "ndim", 0) != 0:
            raise ValueError("`epsilon` must be a Theano scalar, got ndim %i" % epsilon.ndim)
        return epsilon
    if not isinstance(epsilon, numbers.Real) or isinstance(epsilon, (bool, np.bool_)):
        raise TypeError("`epsilon` must be a float in [0, 1] or a Theano scalar (e.g. a shared "
                        "variable), got %r (%s)" % (epsilon, type(epsilon).__name__))
    require_probability(epsilon, "epsilon")
    return epsilon


class EpsilonGreedyResolver(BaseResolver):
    r"""With probability :math:`\epsilon` a uniformly random action, else the best one.

    .. math::
        a = \begin{cases} \arg\max_i s_i & \text{with probability } 1 - \epsilon \\
                          \mathcal{U}\{0, \dots, A-1\} & \text{with probability } \epsilon
            \end{cases}

    The random action may coincide with the best one.

    Parameters
    ----------
    incoming : layer [batch, n_actions]
    epsilon : float, Theano scalar or None
        Default: a new shared float32 variable 0.1 named ``"e-greedy.epsilon"``;
        change it during training with ``resolver.epsilon.set_value(...)``.
    seed : int or None
        Seed of the resolver's random stream; None draws it from
        ``lasagne.random.get_rng()``.
    name : str
    **kwargs
        For :class:`BaseResolver`: ``output_dtype``, the integer dtype of
        the action ids (default ``"int32"``).

    Raises
    ------
    TypeError
        If ``epsilon`` is neither a number nor a Theano scalar, ``seed`` is
        not an int, ``incoming`` is not a layer.
    ValueError
        If a numeric ``epsilon`` is not in [0, 1] (or NaN), a symbolic one is
        not 0-d, or ``output_dtype`` is not an integer dtype.

    Notes
    -----
    Outside ``theano.scan`` (and with ``unroll_scan=True``) the random
    stream advances by itself at every call of a compiled function. Inside a
    ``Recurrence`` with ``unroll_scan=False``, pass the recurrence's
    ``get_automatic_updates()`` to ``theano.function``. Without them Theano
    advances the stream only once per call, outside the loop, so each call
    replays the previous call's draws shifted by one tick.
    """

    def __init__(self, incoming, epsilon=None, seed=1234, name="EpsilonGreedyResolver", **kwargs):
        self.epsilon = _check_epsilon(epsilon)
        self.rng = random_streams(seed)
        super(EpsilonGreedyResolver, self).__init__(incoming, name=name, **kwargs)
        self.probas = T.stack([self.epsilon, 1 - self.epsilon]).astype(theano.config.floatX)

    def get_output_for(self, policy, **kwargs):
        batch_size, n_actions = policy.shape
        # One host-side draw per call: u[0] decides exploration, u[1] picks the random action.
        uniform = self.rng.uniform(size=(2, batch_size), dtype="float64")
        explore = T.lt(uniform[0], self.epsilon)
        random_actions = T.minimum(T.floor(uniform[1] * n_actions), n_actions - 1)
        best = T.argmax(policy, axis=1)
        return T.switch(explore, random_actions.astype(self.output_dtype),
                        best.astype(self.output_dtype))
