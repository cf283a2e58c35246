r"""Prioritized session replay (Schaul et al. 2016) with R2D2 session priorities.

A :class:`PrioritizedSessionSampler` keeps one priority per session slot of a
:class:`~agentnet.environment.SessionPoolEnvironment` in a sum tree, draws
minibatches of sessions in proportion to priority :math:`^\alpha` and
publishes the drawn indices and their importance weights in Theano shared
variables, so that one compiled training step reads them.
"""
import numpy as np
import theano

from ..utils._validation import require_bool, require_int, require_probability, require_real
from ._sum_tree import SumTree
from .session_pool import SessionPoolEnvironment

__all__ = ["PrioritizedSessionSampler", "session_priorities"]


def session_priorities(td_errors, is_alive, eta=0.9, epsilon=1e-6):
    r"""R2D2 priority of each session from its TD errors: a mix of max and mean.

    .. math::
        p_i = \eta \max_t |\delta_{i,t}| + (1 - \eta)\,
              \frac{\sum_t alive_{i,t} |\delta_{i,t}|}{\max(1, \sum_t alive_{i,t})}
              + \epsilon

    with the maximum over alive ticks only. The max keeps a session with one
    surprising tick from being averaged away by its many well-predicted ones.

    Parameters
    ----------
    td_errors : float array [batch, tick]
    is_alive : array [batch, tick] of 0 and 1
    eta : float in [0, 1]
        Weight of the max; 0.9 in R2D2 (Kapturowski et al. 2019).
    epsilon : float >= 0
        Keeps every session drawable.

    Returns
    -------
    float64 array [batch]

    Raises
    ------
    ValueError
        For ``td_errors`` not ``[batch, tick]``, an ``is_alive`` of another
        shape, ``eta`` outside [0, 1] or a negative ``epsilon``.
    """
    eta, epsilon = require_probability(eta, "eta"), require_real(epsilon, "epsilon", low=0)
    td_errors = np.asarray(td_errors, dtype=np.float64)
    if td_errors.ndim != 2:
        raise ValueError("`td_errors` must have ndim 2 [batch, tick], got shape %s"
                         % (td_errors.shape,))
    alive = _require_shape(is_alive, "is_alive", td_errors.shape, "[batch, tick]").astype(bool)
    errors = np.abs(td_errors) * alive
    mean = errors.sum(axis=1) / np.maximum(alive.sum(axis=1), 1)
    return eta * errors.max(axis=1, initial=0.) + (1. - eta) * mean + epsilon


def _require_shape(array, argument, shape, layout):
    array = np.asarray(array)
    if array.shape != shape:
        raise ValueError("`%s` must have shape %s %s, got %s"
                         % (argument, layout, shape, array.shape))
    return array


class PrioritizedSessionSampler(object):
    r"""Draws sessions of a pool in proportion to their priority; learns priorities from TD errors.

    Session :math:`i` of the :math:`N` stored ones is drawn with probability
    and importance weight

    .. math::
        P(i) = \frac{p_i^\alpha}{\sum_j p_j^\alpha}, \qquad
        w_i = \frac{(N P(i))^{-\beta}}{\max_{j \in \mathrm{batch}} (N P(j))^{-\beta}}

    Draws are **stratified**: :math:`[0, \sum_j p_j^\alpha)` is cut into
    ``batch_size`` equal segments and one point is drawn uniformly in each
    (Schaul et al. 2016, Appendix B.2.1), so every draw still has the
    marginal probability :math:`P(i)` while a batch covers the priority mass
    evenly; ``stratified=False`` draws every point over the whole range.
    Draws are with replacement.

    Each draw writes ``indices`` (int32 ``[batch_size]``, storage slots of
    the pool) and ``weights`` (floatX ``[batch_size]``). A training step built
    on :meth:`get_session_batch` reads them; after the step,
    :meth:`update_priorities` takes the batch's TD errors.

    Parameters
    ----------
    pool : SessionPoolEnvironment
        Its stored sessions get priorities now; sessions appended later
        enter with the largest priority given so far (1 at first), and a
        session overwritten by the ring buffer loses its old priority.
    batch_size : int >= 1
    alpha : float >= 0
        Priority exponent; 0 draws uniformly. 0.6 in Schaul et al. (2016)
        (proportional variant), 0.9 in R2D2.
    beta : float in [0, 1]
        Importance-sampling exponent, usually annealed from ``beta0`` = 0.4
        towards 1 by setting :attr:`beta` during training; 1 corrects the
        sampling bias fully.
    eta : float in [0, 1]
        Max/mean mix of :func:`session_priorities` (0.9, R2D2).
    epsilon : float > 0
        Added to every priority (1e-6), so that every session stays drawable.
    stratified : bool
        Stratified (True) or plain draws.
    seed : int >= 0 or None
        Seed of the numpy random generator of the draws.

    Notes
    -----
    Draws and updates cost :math:`O(k \log n)` numpy work for ``k`` sessions
    in a pool of ``n`` slots (``bench/prioritized.py``). The weights are
    normalised by the batch's largest weight (not the pool's), so they are
    at most 1.

    References
    ----------
    Schaul, Quan, Antonoglou and Silver (2016), *Prioritized Experience
    Replay*, ICLR. Kapturowski, Ostrovski, Quan, Munos and Dabney (2019),
    *Recurrent Experience Replay in Distributed Reinforcement Learning*, ICLR.

    Examples
    --------
    >>> import numpy as np
    >>> from agentnet.environment import SessionPoolEnvironment
    >>> pool = SessionPoolEnvironment(observations=1, actions=1, agent_memories=0)
    >>> pool.append_sessions([np.zeros((4, 3, 2))], [np.zeros((4, 3), "int32")], np.zeros((4, 3)))
    >>> sampler = PrioritizedSessionSampler(pool, batch_size=2, seed=0)
    >>> indices, weights = sampler.sample()
    >>> indices.shape, float(weights.max())
    ((2,), 1.0)
    >>> _ = sampler.update_priorities(np.ones((2, 3)))
    """

    def __init__(self, pool, batch_size=32, alpha=0.6, beta=0.4, eta=0.9, epsilon=1e-6,
                 stratified=True, seed=None):
        if not isinstance(pool, SessionPoolEnvironment):
            raise TypeError("`pool` must be a SessionPoolEnvironment, got %s"
                            % type(pool).__name__)
        self.pool, self._store = pool, pool._store
        self.batch_size = require_int(batch_size, "batch_size")
        self._alpha = require_real(alpha, "alpha", low=0)
        self.beta = beta
        self.eta = require_probability(eta, "eta")
        self.epsilon = require_real(epsilon, "epsilon", low=0, low_open=True)
        self.stratified = require_bool(stratified, "stratified")
        self._rng = np.random.RandomState(None if seed is None else require_int(seed, "seed", 0))
        self.max_priority = 1.
        self.indices = theano.shared(np.zeros(self.batch_size, "int32"), "prioritized.indices")
        self.weights = theano.shared(np.ones(self.batch_size, theano.config.floatX),
                                     "prioritized.weights")
        self._tree, self._stamps, self._clock, self._drawn = SumTree(0), np.zeros(0, int), 0, None
        self.sessions_moved(np.arange(0), self._store.capacity)
        self.sessions_written(np.arange(self._store.count))
        self._store.listeners.add(self)

    @property
    def alpha(self):
        """The priority exponent (fixed at construction: the tree stores :math:`p^\\alpha`)."""
        return self._alpha

    @property
    def beta(self):
        """The importance-sampling exponent in [0, 1]; set it to anneal."""
        return self._beta

    @beta.setter
    def beta(self, value):
        self._beta = require_probability(value, "beta")

    # ------------------------------------------------------------ following the pool's slots

    def sessions_moved(self, kept, capacity):
        """Pool hook: the buffer was reallocated; new slot ``j`` holds old slot ``kept[j]``.

        A draw made before the move is forgotten: its update is ignored.

        Parameters
        ----------
        kept : int array [n_kept]
            Old slots of the sessions kept, in their new order.
        capacity : int
            Slots of the new buffer.
        """
        masses = np.zeros(capacity)
        masses[:len(kept)] = self._tree.leaves()[kept]
        self._tree = SumTree(capacity)
        self._tree.rebuild(masses)
        self._clock += 1
        self._stamps = np.full(capacity, self._clock)

    def sessions_written(self, positions):
        """Pool hook: new sessions in slots ``positions`` enter with the largest priority.

        Parameters
        ----------
        positions : int array [n_new]
            Slots just written (their old sessions, if any, are gone).
        """
        self._clock += 1
        self._stamps[positions] = self._clock
        self._tree.set(positions, self.max_priority ** self.alpha)

    # ------------------------------------------------------------ drawing and updating

    def probabilities(self):
        r""":math:`P(i)` of every stored session, in storage order (float64 ``[N]``).

        Returns
        -------
        float64 array [N]
            :math:`P(i) = p_i^\alpha / \sum_j p_j^\alpha` for the :math:`N`
            stored sessions; it sums to 1.
        """
        return self._tree.leaves()[:self._store.count] / self._tree.total

    def _draw_points(self):
        """``batch_size`` points in :math:`[0, \\sum_j p_j^\\alpha)`, stratified or plain."""
        uniform = self._rng.uniform(size=self.batch_size)
        if self.stratified:
            uniform += np.arange(self.batch_size)
        return uniform * (self._tree.total / (self.batch_size if self.stratified else 1))

    def sample(self):
        """Draw a batch: write and return its storage ``indices`` and importance ``weights``.

        Returns
        -------
        indices : int32 array [batch_size]
        weights : floatX array [batch_size]

        Raises
        ------
        ValueError
            When the pool holds no session.
        """
        count = self._store.count
        if count == 0:
            raise ValueError("cannot sample from an empty session pool: append sessions first")
        slots = self._tree.find(self._draw_points())
        # w_i = (N P(i))^-beta, normalised by the batch's largest weight
        weights = (count * self._tree.get(slots) / self._tree.total) ** -self.beta
        indices, weights = slots.astype("int32"), (weights / weights.max()).astype(
            theano.config.floatX)
        self.indices.set_value(indices)
        self.weights.set_value(weights)
        self._drawn = (slots, self._stamps[slots])
        return indices, weights

    def get_session_batch(self):
        """The drawn sessions as a :class:`~agentnet.environment.SessionBatchEnvironment`.

        Built once, it reads :attr:`indices` whenever a compiled function
        runs, so each :meth:`sample` feeds the next call the new batch.

        Returns
        -------
        SessionBatchEnvironment
            Its fields are ``[batch_size, n_ticks, ...]`` (the memories
            before tick 0 ``[batch_size, memory_shape...]``), row ``k`` being
            stored session ``indices[k]``.
        """
        return self.pool.select_session_batch(self.indices)

    def update_priorities(self, td_errors, is_alive=None):
        """Give the last drawn sessions the priorities of their TD errors.

        Sessions overwritten (or moved by a pool resize) since the draw keep
        their new priority; a session drawn twice gets the last of its rows.

        Parameters
        ----------
        td_errors : float array [batch_size, tick]
            E.g. reference minus predicted Q-value of the drawn batch.
        is_alive : array [batch_size, tick] or None
            Ticks that count (None: all).

        Returns
        -------
        float64 array [batch_size]
            The priorities :math:`p_i` (:func:`session_priorities`).

        Raises
        ------
        ValueError
            Before any :meth:`sample`, or for arrays of the wrong shape.
        """
        if self._drawn is None:
            raise ValueError("update_priorities() needs a batch: call sample() first")
        td_errors = np.asarray(td_errors)
        if td_errors.ndim != 2 or td_errors.shape[0] != self.batch_size:
            raise ValueError("`td_errors` must have shape [batch_size=%i, tick], got %s"
                             % (self.batch_size, td_errors.shape))
        alive = np.ones(td_errors.shape) if is_alive is None else is_alive
        priorities = session_priorities(td_errors, alive, self.eta, self.epsilon)
        slots, stamps = self._drawn
        current = self._stamps[slots] == stamps
        self._tree.set(slots[current], priorities[current] ** self.alpha)
        self.max_priority = max(self.max_priority, float(priorities.max()))
        return priorities
