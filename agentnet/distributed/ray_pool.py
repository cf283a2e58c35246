"""Game workers as Ray actors: the ProcessEnvPool design on one machine or a cluster.

Each actor hosts a :class:`~agentnet.experiments.openai_gym.game_worker.GameWorker`:
it builds the agent itself with the user's builder function (imported by
name; Theano graphs never travel), plays its games with the compiled react
function and returns each finished segment as bytes (numpy arrays behind a
JSON header). The learner puts its acting weights into Ray's object store
once per push, as the ``.npz`` bytes of
:func:`agentnet.utils.persistence.save_bytes`, and every actor reads them from
there. Nothing is pickled but ``bytes``, ints and strings.

Failures: a worker whose actor dies (killed process, lost node) or whose game
raises is replaced by a new actor (built, sent the current weights, asked
again for the segments it owed), with a :class:`WorkerRestartWarning`
carrying the worker's traceback; after ``max_restarts`` replacements of one
worker it is dropped with a warning, and when no worker is left the update
raises :class:`~agentnet.experiments.openai_gym.streaming_pool.WorkerError`.
A segment is stored only once it has arrived whole, so no partial session
ever reaches the pool.
"""
import os
import warnings
import weakref

from ..experiments.openai_gym._sessions import sessions_from_bytes
from ..experiments.openai_gym.game_worker import GameWorker
from ..experiments.openai_gym.process_pool import worker_specs
from ..experiments.openai_gym.streaming_pool import StreamingEnvPool, WorkerError
from ..utils._validation import require_int
from ._ray import require_ray, start_ray, stop_ray, theano_env_vars

__all__ = ["RayEnvPool", "WorkerRestartWarning"]


class WorkerRestartWarning(RuntimeWarning):
    """A Ray game worker failed and was replaced (or dropped); the message has its traceback."""


class _GameActor(object):
    """What runs inside a Ray actor: a GameWorker behind bytes-only methods."""

    def __init__(self, spec, worker_index):
        self.worker = GameWorker.from_spec(spec, worker_index)

    def pid(self):
        """The actor's process id (for tests and messages)."""
        return os.getpid()

    def set_weights(self, weights, version, variables):
        """Load the learner's acting weights (checkpoint bytes) and synchronised variables."""
        self.worker.set_weights(weights, version, variables or None)

    def play(self, n_steps, add_last_observation):
        """One segment of every game, as bytes."""
        return self.worker.play(n_steps, add_last_observation)


def _kill_actors(ray, actors, started_ray):
    """Finalizer: kill every actor, then stop Ray if the pool started it."""
    for actor in actors:
        if actor is not None:
            try:
                ray.kill(actor, no_restart=True)
            except Exception:  # already gone (dead node, Ray shut down)
                pass
    actors[:] = [None] * len(actors)
    if started_ray:
        stop_ray()


def _warn_if_short_of_cpus(ray, needed):
    """Actors that cannot be placed wait for CPUs, and the learner with them: say so now."""
    available = ray.available_resources().get("CPU", 0.0)
    if available < needed:
        warnings.warn("RayEnvPool's workers ask for %g CPUs but the Ray cluster has %g free: "
                      "some will wait until CPUs free up (close other pools, lower "
                      "`cpus_per_worker` or add nodes)" % (needed, available), RuntimeWarning,
                      stacklevel=3)


class RayEnvPool(StreamingEnvPool):
    """Gymnasium games played by Ray actors while the learner learns (module docstring).

    Parameters
    ----------
    agent : MDPAgent
        The learner's agent: its acting weights go to the workers.
    agent_builder : callable or str
        A module-level function ``agent_builder() -> agent`` (or
        ``agent_builder(worker_index=i)``) that every actor imports by name
        and calls; it must build ``agent``'s architecture.
    make_env : str or callable
        A gymnasium id, or a module-level function making one environment.
    n_games : int
        Games per worker; an update stores ``n_games`` sessions per worker.
    n_workers : int
    max_size : int or None
        Default ``max_pool_size`` of :meth:`update` with ``append=True``.
    seed : int or None
        Worker ``w`` seeds game ``i`` with ``seed + w * n_games + i`` (as
        :class:`ProcessEnvPool`); its ``r``-th replacement with
        ``seed + (r * n_workers + w) * n_games + i``, so it does not replay
        the same episodes.
    vector_env : None, "sync" or "async"
    sync_every : int
        Weights are pushed at the first update and every ``sync_every`` updates.
    prefetch : int >= 0
        Segments each worker plays ahead of the learner.
    sync_variables : callable, str or None
        ``sync_variables(agent) -> list of shared variables`` pushed with the weights.
    address : str or None
        A running cluster's address (``"auto"``, ``"ray://host:10001"``,
        ``"host:6379"``). None: join the Ray instance this process already
        started, or start a local one (stopped again on :meth:`close`).
    num_cpus : int or None
        CPUs of a local Ray started here (None: all of the machine's).
    cpus_per_worker : float
        Ray resource request of each actor (a warning says when the cluster
        has fewer free CPUs than the workers ask for: they would wait).
    max_restarts : int >= 0
        Replacements allowed per worker before it is dropped.
    builder_kwargs, env_kwargs : dict or None
        Keyword arguments of ``agent_builder`` and of ``make_env`` (a
        function) in every actor: plain data (numbers, strings, lists, dicts).

    Attributes
    ----------
    restarts : list of int
        Replacements so far, per worker.
    dropped : list of int
        Indices of the workers dropped after too many failures.
    """

    def __init__(self, agent, agent_builder, make_env="ALE/SpaceInvaders-v5", n_games=1,
                 n_workers=1, max_size=None, seed=None, vector_env=None, sync_every=1,
                 prefetch=1, sync_variables=None, address=None, num_cpus=None,
                 cpus_per_worker=1, max_restarts=2, builder_kwargs=None, env_kwargs=None):
        ray = require_ray()
        super(RayEnvPool, self).__init__(agent, make_env, n_games, n_workers, max_size, seed,
                                         sync_every, prefetch, sync_variables, env_kwargs)
        self.max_restarts = require_int(max_restarts, "max_restarts", minimum=0)
        self._specs = worker_specs(agent_builder, make_env, self.n_games, self.n_workers, seed,
                                   vector_env, sync_variables, builder_kwargs, env_kwargs)
        started = start_ray(address, num_cpus)
        self._ray = ray
        self._actor_class = ray.remote(num_cpus=cpus_per_worker, max_restarts=0,
                                       runtime_env={"env_vars": theano_env_vars()})(_GameActor)
        self._actors = [None] * self.n_workers
        self._pending = [[] for _ in range(self.n_workers)]
        self.restarts, self.dropped = [0] * self.n_workers, []
        self._latest_weights = None
        self._finalizer = weakref.finalize(self, _kill_actors, ray, self._actors, started)
        _warn_if_short_of_cpus(ray, self.n_workers * cpus_per_worker)
        for index in range(self.n_workers):
            self._actors[index] = self._new_actor(index)

    def _new_actor(self, index):
        spec = dict(self._specs[index])
        if spec["seed"] is not None:
            spec["seed"] += self.restarts[index] * self.n_workers * self.n_games
        return self._actor_class.remote(spec, index)

    @property
    def closed(self):
        """True once the actors were killed."""
        return not self._finalizer.alive

    def _shut_down(self):
        self._finalizer()

    def _worker_indices(self):
        return [i for i in range(self.n_workers) if i not in self.dropped]

    def actor_pids(self):
        """Process ids of the live actors, in worker order."""
        return self._ray.get([self._actors[i].pid.remote() for i in self._worker_indices()])

    # -------------------------------------------------------------- transport

    def _broadcast(self, version, weights, variables):
        self._latest_weights = (self._ray.put(weights), version, self._ray.put(variables))
        for index in self._worker_indices():
            self._actors[index].set_weights.remote(*self._latest_weights)

    def _request(self, index, segment):
        self._pending[index].append(self._actors[index].play.remote(*segment))

    def _receive(self, index):
        """The oldest requested segment of worker ``index``; replaces it on failure."""
        while index not in self.dropped:
            try:
                data = self._ray.get(self._pending[index][0])
            except (self._ray.exceptions.RayActorError, self._ray.exceptions.RayTaskError) \
                    as error:
                self._replace(index, error)
                continue
            self._pending[index].pop(0)
            return sessions_from_bytes(data)
        return None

    def _replace(self, index, error):
        """A new actor for worker ``index`` (weights pushed, segments asked again), or drop it."""
        self._ray.kill(self._actors[index], no_restart=True)
        description = "Ray game worker %i failed:\n%s" % (index, error)
        if self.restarts[index] >= self.max_restarts:
            self._drop(index, description)
            return
        self.restarts[index] += 1
        warnings.warn("%s\nreplaced by a new actor (restart %i of %i)"
                      % (description, self.restarts[index], self.max_restarts),
                      WorkerRestartWarning, stacklevel=2)
        self._actors[index] = self._new_actor(index)
        if self._latest_weights is not None:
            self._actors[index].set_weights.remote(*self._latest_weights)
        self._pending[index] = [self._actors[index].play.remote(*segment)
                                for segment in self._in_flight[index]]

    def _drop(self, index, description):
        self.dropped.append(index)
        self._actors[index], self._pending[index] = None, []
        self._in_flight[index].clear()
        if not self._worker_indices():
            raise WorkerError("%s\nno Ray game worker is left (each was replaced %i times)"
                              % (description, self.max_restarts), index, None,
                              worker_traceback=description)
        warnings.warn("%s\ndropped after %i restarts; %i workers play on"
                      % (description, self.max_restarts, len(self._worker_indices())),
                      WorkerRestartWarning, stacklevel=2)
