"""The learner's side of a pool whose games are played elsewhere, whatever carries the bytes.

:class:`StreamingEnvPool` keeps what does not depend on where the games run:
the session pool, the weights versions and policy lags, the prefetch
bookkeeping (``prefetch + 1`` segments requested per worker), storing whole
segments only, and evaluation in the learner's process. A subclass supplies
the transport with four methods:

* ``_broadcast(version, weights, variables)``: send checkpoint bytes to every worker;
* ``_request(index, segment)``: ask worker ``index`` for a segment
  ``(n_steps, add_last_observation)``;
* ``_receive(index)``: the oldest requested segment of worker ``index`` as
  ``(RecordedSessions, extras)``, waiting for it; None when the worker was
  dropped (then it is no longer among ``_worker_indices()``);
* ``_shut_down()``: stop the workers (idempotent), and the ``closed`` property.

``_worker_indices()`` lists the workers still playing (all of them unless the
transport drops failed ones).

:class:`~agentnet.experiments.openai_gym.process_pool.ProcessEnvPool` carries
the bytes over ``multiprocessing`` pipes, :class:`agentnet.distributed.RayEnvPool`
through Ray's object store.
"""
import functools
import signal
import threading
from collections import deque

import numpy as np

from ...environment.session_pool import SessionPoolEnvironment
from ...utils._validation import require_int
from .game_worker import resolve_reference, variables_to_bytes, weights_to_bytes
from ._sessions import concatenate_sessions, store_sessions

__all__ = ["StreamingEnvPool", "WorkerError", "no_preprocessing", "holding_back_sigint"]


class WorkerError(RuntimeError):
    """A game worker raised an exception or died; the message names it.

    Attributes
    ----------
    worker_index : int
    pid : int or None
    exitcode : int or None
        Negative: killed by that signal number.
    worker_traceback : str or None
        The traceback text of the exception raised in the worker.
    """

    def __init__(self, message, worker_index, pid, exitcode=None, worker_traceback=None):
        super(WorkerError, self).__init__(message)
        self.worker_index = worker_index
        self.pid = pid
        self.exitcode = exitcode
        self.worker_traceback = worker_traceback


def no_preprocessing(observations, actions, rewards, is_alive, preceding_memories):
    """The default ``preprocess`` of :meth:`StreamingEnvPool.update`: everything unchanged."""
    return observations, actions, rewards, is_alive, preceding_memories


def holding_back_sigint(action):
    """Run ``action``; a SIGINT (Ctrl-C) meanwhile is handled once it has finished.

    Writing a segment into the pool's ring buffer field by field must not be
    torn by a KeyboardInterrupt. Only the main thread can swap handlers (and
    only it receives KeyboardInterrupt), so elsewhere ``action`` just runs.
    """
    if threading.current_thread() is not threading.main_thread():
        return action()
    caught = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        return action()
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            signal.raise_signal(signal.SIGINT)


class StreamingEnvPool(object):
    """Learner side of a pool of remote game workers; see the module docstring.

    Parameters
    ----------
    agent : MDPAgent
        The learner's agent; its acting weights go to the workers.
    make_env : str or callable
        Used by :meth:`evaluate` (in this process).
    n_games : int
        Games per worker.
    n_workers : int
    max_size : int or None
        Default ``max_pool_size`` of :meth:`update` with ``append=True``.
    seed : int or None
    sync_every : int
        Weights go to the workers at the first :meth:`update` and every
        ``sync_every`` updates.
    prefetch : int >= 0
        Segments each worker plays ahead of the learner.
    sync_variables : callable, str or None
        ``sync_variables(agent) -> list of shared variables`` sent with the weights.
    env_kwargs : dict or None
        Keyword arguments of a ``make_env`` function (here and in the workers).
    """

    def __init__(self, agent, make_env, n_games, n_workers, max_size, seed, sync_every, prefetch,
                 sync_variables, env_kwargs=None):
        self.n_games = require_int(n_games, "n_games")
        self.n_workers = require_int(n_workers, "n_workers")
        self.sync_every = require_int(sync_every, "sync_every")
        self.prefetch = require_int(prefetch, "prefetch", minimum=0)
        if env_kwargs and callable(make_env):
            make_env = functools.partial(make_env, **env_kwargs)
        self.agent, self.make_env, self.max_size, self.seed = agent, make_env, max_size, seed
        self.variables = list(resolve_reference(sync_variables)(agent)) \
            if sync_variables is not None else []
        self.experience_replay = SessionPoolEnvironment(
            observations=agent.observation_layers, actions=agent.action_layers,
            agent_memories=agent.agent_states)
        self.episode_returns, self.policy_lags = [], []
        self.weights_version, self.n_updates = 0, 0
        self._pushed_at, self._versions = {}, np.zeros(0, dtype="int64")
        self._in_flight = [deque() for _ in range(self.n_workers)]
        self._evaluation_pool = None

    def close(self):
        """Shut the workers down; idempotent."""
        self._shut_down()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _require_open(self):
        if self.closed:
            raise RuntimeError("this %s is closed (after close() or a worker failure); make a "
                               "new one" % type(self).__name__)

    def _guarded(self, action):
        """Run ``action``; on any exception (worker failure, KeyboardInterrupt) close, re-raise."""
        try:
            return action()
        except BaseException:
            self.close()
            raise

    def push_weights(self):
        """Send the agent's acting weights (and synchronised variables) to every worker.

        Returns
        -------
        int
            The new weights version; sessions played with it record it.
        """
        self._require_open()
        self.weights_version += 1
        self._pushed_at[self.weights_version] = self.n_updates
        weights = weights_to_bytes(self.agent)
        variables = variables_to_bytes(self.variables) if self.variables else b""
        self._guarded(lambda: self._broadcast(self.weights_version, weights, variables))
        return self.weights_version

    def _exchange(self, segment):
        """Push weights if due, keep ``prefetch + 1`` segments requested, receive one each."""
        self.n_updates += 1
        if (self.n_updates - 1) % self.sync_every == 0:
            self.push_weights()
        for index in self._worker_indices():
            while len(self._in_flight[index]) < self.prefetch + 1:
                self._request(index, segment)
                self._in_flight[index].append(segment)
        received = []
        for index in self._worker_indices():
            segment_and_extras = self._receive(index)
            if segment_and_extras is not None:
                received.append(segment_and_extras)
                self._in_flight[index].popleft()
        return received

    def _worker_indices(self):
        """Indices of the workers still playing."""
        return list(range(self.n_workers))

    def _check_segment(self, segment):
        planned = {s for queue_ in self._in_flight for s in queue_}
        if planned and planned != {segment}:
            (n_steps, add_last), = planned
            raise ValueError("`n_steps` and `add_last_observation` must stay the same from one "
                             "update to the next (segments of n_steps=%i, "
                             "add_last_observation=%s are already being played), got %i, %s"
                             % (n_steps, add_last, segment[0], segment[1]))

    def update(self, n_steps=100, append=False, max_size=None, add_last_observation=True,
               preprocess=no_preprocessing):
        """Store one segment of every worker's games, then let them play on.

        Same arguments and stored sessions as :meth:`EnvPool.update`, but the
        segment stored was played while the learner was busy (waiting only
        if it is not finished yet), and the call sends the weights first
        when due.

        Parameters
        ----------
        n_steps : int
        append : bool
        max_size : int or None
        add_last_observation : bool
        preprocess : callable

        Raises
        ------
        ValueError
            If ``n_steps`` or ``add_last_observation`` differ from the
            previous call's (those segments are already being played).
        WorkerError
            If a worker raised or died and the transport cannot recover;
            nothing of this update is stored and the pool is closed.
        """
        self._require_open()
        segment = (require_int(n_steps, "n_steps"), bool(add_last_observation))
        self._check_segment(segment)
        received = self._guarded(lambda: self._exchange(segment))
        holding_back_sigint(lambda: self._store(received, append, max_size, preprocess))

    def _store(self, received, append, max_size, preprocess):
        sessions = concatenate_sessions([s for s, _ in received])
        store_sessions(self.experience_replay, sessions, append, max_size or self.max_size,
                       preprocess)
        self._record_versions([extras for _, extras in received], append)

    def _record_versions(self, extras, append):
        versions = [int(e["weights_version"]) for e in extras]
        played = np.repeat(np.asarray(versions, dtype="int64"), self.n_games)
        kept = np.concatenate([self._versions, played]) if append else played
        n_stored = self.experience_replay.rewards.get_value(borrow=True).shape[0]
        self._versions = kept[len(kept) - n_stored:]
        self.policy_lags.extend(self.n_updates - self._pushed_at.get(v, 0) for v in versions)
        for e in extras:
            self.episode_returns.extend(e["episode_returns"].tolist())

    @property
    def weights_versions(self):
        """Weights version that played each stored session, in the pool's storage order."""
        stored = np.empty_like(self._versions)
        stored[self.experience_replay.chronological_order()] = self._versions
        return stored

    @property
    def policy_lag(self):
        """``{"last", "mean", "max"}`` of :attr:`policy_lags` (in updates), or None before any."""
        if not self.policy_lags:
            return None
        last = self.policy_lags[-len(self._worker_indices()):]
        return {"last": max(last), "mean": float(np.mean(self.policy_lags)),
                "max": max(self.policy_lags)}

    def evaluate(self, n_games=1, save_path="./records", use_monitor=True, record_video=False,
                 verbose=True, t_max=100000, seed=None):
        """:meth:`EnvPool.evaluate` in this process, with the learner's agent (current weights)."""
        if self._evaluation_pool is None:
            from .pool import EnvPool
            self._evaluation_pool = EnvPool(self.agent, self.make_env, n_games=1)
        return self._evaluation_pool.evaluate(n_games, save_path, use_monitor, record_video,
                                              verbose, t_max, seed)
