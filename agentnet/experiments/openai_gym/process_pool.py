"""Acting and learning at the same time: games played by worker processes, sessions streamed back.

:class:`ProcessEnvPool` has the interface of :class:`EnvPool` for learning
(``update``, ``experience_replay``, ``episode_returns``, ``evaluate``) but
plays the games in ``n_workers`` separate processes, each hosting a
:class:`~agentnet.experiments.openai_gym.game_worker.GameWorker`. While the
learner trains, the workers play the next segment; the learner's acting
weights reach them every ``sync_every`` updates.

Everything between the processes goes over a ``multiprocessing`` pipe as
bytes (``send_bytes``/``recv_bytes``), never pickled: weights as the ``.npz``
bytes of :func:`agentnet.utils.persistence.save_bytes`, sessions as raw
numpy arrays behind a JSON header (``_sessions.sessions_to_bytes``). Each
message is one kind byte and its body:

======  ==================  ================================================
kind    direction           body
======  ==================  ================================================
``W``   learner -> worker   version (int64), weights length (uint64), weights
                            ``.npz``, then the synchronised variables' arrays
``P``   learner -> worker   ``n_steps`` (int32), ``add_last_observation`` (bool)
``Q``   learner -> worker   nothing: finish and exit
``S``   worker -> learner   one segment (``_sessions.sessions_to_bytes``)
``E``   worker -> learner   the worker's traceback, UTF-8
======  ==================  ================================================
"""
import multiprocessing
import multiprocessing.connection
import os
import queue
import select
import signal
import struct
import sys
import threading
import time
import traceback
import weakref

from agentnet_compat.threads import game_worker_environment

from .game_worker import GameWorker, check_builder_kwargs, reference_of
from ._sessions import sessions_from_bytes
from .streaming_pool import StreamingEnvPool, WorkerError

__all__ = ["ProcessEnvPool", "WorkerError", "worker_specs"]

_WEIGHTS, _PLAY, _QUIT, _SESSIONS, _ERROR = b"W", b"P", b"Q", b"S", b"E"
_WEIGHTS_HEADER = struct.Struct("<qQ")
_PLAY_HEADER = struct.Struct("<i?")
#: Seconds a worker gets to finish its segment and exit after ``Q`` before it is terminated.
QUIT_TIMEOUT = 3.0


# ------------------------------------------------------------------ the worker process

def _read_messages(connection, inbox):
    """Reader thread of a worker: move every message into ``inbox`` so the learner never waits."""
    try:
        while True:
            message = connection.recv_bytes()
            inbox.put(message)
            if message[:1] == _QUIT:
                return
    except (EOFError, OSError):
        inbox.put(_QUIT)


def _answer(worker, inbox, connection):
    """Handle messages in order until ``Q`` (or the learner is gone)."""
    while True:
        message = inbox.get()
        kind, body = message[:1], message[1:]
        if kind == _QUIT:
            return
        if kind == _WEIGHTS:
            version, length = _WEIGHTS_HEADER.unpack_from(body)
            start = _WEIGHTS_HEADER.size
            worker.set_weights(body[start:start + length], version,
                               body[start + length:] or None)
        elif kind == _PLAY:
            n_steps, add_last_observation = _PLAY_HEADER.unpack(body)
            connection.send_bytes(_SESSIONS + worker.play(n_steps, add_last_observation))
        else:
            raise ValueError("unknown message kind %r from the learner" % kind)


def _serve(connection, worker_index, spec):
    """Entry point of a worker process: build the GameWorker and answer the learner.

    SIGINT is ignored: Ctrl-C in a terminal reaches the whole process group,
    and the learner shuts its workers down itself. An exception is sent to
    the learner as traceback text and the process exits with code 1.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(game_worker_environment())  # before the agent's functions load OpenMP
    inbox = queue.Queue()
    threading.Thread(target=_read_messages, args=(connection, inbox), daemon=True).start()
    try:
        worker = GameWorker.from_spec(spec, worker_index)
        _answer(worker, inbox, connection)
        worker.close()
    except (BrokenPipeError, EOFError):
        return
    except Exception:
        _send_traceback(connection)
        sys.exit(1)


def _send_traceback(connection):
    """Send the exception being handled to the learner (waiting for room in the pipe)."""
    try:
        connection.send_bytes(_ERROR + traceback.format_exc().encode("utf-8"))
    except OSError:
        pass


# ------------------------------------------------------------------ shutting down

def _try_send(connection, message):
    """Send a small message if the pipe takes it now; a closed or full pipe is skipped."""
    try:
        _, writable, _ = select.select([], [connection.fileno()], [], 0)
        if writable:
            connection.send_bytes(message)
    except (OSError, ValueError):
        pass


def _shut_down(processes, connections):
    """``Q`` to every worker, wait up to QUIT_TIMEOUT, then SIGTERM, then SIGKILL; reap all."""
    for connection in connections:
        _try_send(connection, _QUIT)
    deadline = time.monotonic() + QUIT_TIMEOUT
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for stop in ("terminate", "kill"):
        for process in processes:
            if process.is_alive():
                getattr(process, stop)()
                process.join(1.0)
    for connection in connections:
        connection.close()


def _exit_description(exitcode):
    if exitcode is None:
        return "closed its pipe while still running"
    if exitcode < 0:
        return "died with exit code %i (%s)" % (exitcode, signal.Signals(-exitcode).name)
    return "died with exit code %i" % exitcode


# ------------------------------------------------------------------ arguments

def worker_specs(agent_builder, make_env, n_games, n_workers, seed, vector_env,
                  sync_variables, builder_kwargs=None, env_kwargs=None):
    """Plain data (str, int, None) that each remote worker is started with, in worker order."""
    if vector_env not in (None, "sync", "async"):
        raise ValueError("`vector_env` must be None, 'sync' or 'async' for remote workers "
                         "(each worker makes its own), got %r" % (vector_env,))
    is_id = isinstance(make_env, str)
    if is_id and env_kwargs:
        raise ValueError("`env_kwargs` needs `make_env` to be a function (a gymnasium id "
                         "takes no keyword arguments here), got %r" % (make_env,))
    common = {"agent_builder": reference_of(agent_builder, "agent_builder"),
              "make_env": make_env if is_id else reference_of(make_env, "make_env"),
              "make_env_is_id": is_id, "n_games": n_games, "vector_env": vector_env,
              "sync_variables": None if sync_variables is None
              else reference_of(sync_variables, "sync_variables"),
              "builder_kwargs": check_builder_kwargs(builder_kwargs),
              "env_kwargs": check_builder_kwargs(env_kwargs, "env_kwargs")}
    return [dict(common, seed=None if seed is None else seed + index * n_games)
            for index in range(n_workers)]


class ProcessEnvPool(StreamingEnvPool):
    """Gymnasium games played in worker processes while the learner learns (module docstring).

    Parameters
    ----------
    agent : MDPAgent
        The learner's agent: its acting weights (every parameter below its
        memory and action layers) are sent to the workers.
    agent_builder : callable or str
        A module-level function ``agent_builder() -> agent`` (or
        ``agent_builder(worker_index=i)``) that builds the same architecture
        as ``agent``; each worker imports it by name and calls it.
    make_env : str or callable
        A gymnasium id, or a module-level function making one environment.
    n_games : int
        Games per worker; an update stores ``n_workers * n_games`` sessions.
    n_workers : int
    max_size : int or None
        Default ``max_pool_size`` of :meth:`update` with ``append=True``.
    seed : int or None
        Worker ``w`` seeds its game ``i`` with ``seed + w * n_games + i``:
        its sessions equal those of ``EnvPool(..., n_games, seed=seed + w *
        n_games)`` playing with the same weights.
    vector_env : None, "sync" or "async"
        Backend of each worker's games (see :class:`EnvPool`).
    sync_every : int
        :meth:`update` sends the learner's weights at its first call and then
        every ``sync_every`` calls (also :meth:`push_weights`, at any time).
    prefetch : int >= 0
        Segments each worker plays ahead: with 1 (default) a worker plays the
        next segment while the learner learns; 0 gives no overlap.
    sync_variables : callable, str or None
        A module-level function ``sync_variables(agent) -> list of Theano
        shared variables`` (e.g. the epsilon of an epsilon-greedy resolver):
        their values travel with the weights.
    start_method : "spawn" or "forkserver"
        Theano and OpenBLAS state does not survive ``fork`` reliably.
    builder_kwargs, env_kwargs : dict or None
        Keyword arguments of ``agent_builder`` and of ``make_env`` (a
        function) in every worker: plain data (numbers, strings, lists,
        dicts), sent as it is.

    Attributes
    ----------
    experience_replay : SessionPoolEnvironment
    episode_returns : list of float
        Returns of finished episodes, worker by worker at each update.
    weights_version : int
        Number of weight pushes so far.
    policy_lags : list of int
        For each segment stored, in worker order: :meth:`update` calls between
        the push of the weights that played it and its storage.

    Notes
    -----
    The timeline of every session is :class:`EnvPool`'s (the workers play
    with one), and :meth:`update` stores whole segments only: a worker that
    fails or dies raises :class:`WorkerError`, naming the worker and its exit
    code or carrying its traceback, stores nothing of that update and closes
    the pool (workers are not restarted). Policy lag: the segment stored by
    the ``u``-th update was requested ``prefetch`` updates earlier with the
    latest weights pushed by then, so its lag is between ``prefetch`` and
    ``prefetch + sync_every - 1`` updates (0 at the first update);
    :class:`EnvPool` has lag 0. Worker processes end on :meth:`close`, when
    the pool is garbage-collected, at interpreter exit, and when an update is
    interrupted (e.g. by ``KeyboardInterrupt``, which is re-raised).
    """

    def __init__(self, agent, agent_builder, make_env="ALE/SpaceInvaders-v5", n_games=1,
                 n_workers=1, max_size=None, seed=None, vector_env=None, sync_every=1,
                 prefetch=1, sync_variables=None, start_method="spawn", builder_kwargs=None,
                 env_kwargs=None):
        if start_method not in ("spawn", "forkserver"):
            raise ValueError("`start_method` must be 'spawn' or 'forkserver', got %r"
                             % (start_method,))
        super(ProcessEnvPool, self).__init__(agent, make_env, n_games, n_workers, max_size, seed,
                                             sync_every, prefetch, sync_variables, env_kwargs)
        specs = worker_specs(agent_builder, make_env, self.n_games, self.n_workers, seed,
                             vector_env, sync_variables, builder_kwargs, env_kwargs)
        self._start(multiprocessing.get_context(start_method), specs)

    def _start(self, context, specs):
        self._processes, self._connections = [], []
        self._finalizer = weakref.finalize(self, _shut_down, self._processes, self._connections)
        for index, spec in enumerate(specs):
            mine, theirs = context.Pipe(duplex=True)
            process = context.Process(target=_serve, args=(theirs, index, spec),
                                      name="agentnet-game-worker-%i" % index)
            process.start()
            theirs.close()
            self._processes.append(process)
            self._connections.append(mine)

    @property
    def processes(self):
        """The worker processes (``multiprocessing.Process``), in worker order."""
        return list(self._processes)

    @property
    def closed(self):
        """True once the workers were shut down."""
        return not self._finalizer.alive

    def _shut_down(self):
        """``Q`` to every worker; SIGTERM, then SIGKILL after QUIT_TIMEOUT; idempotent."""
        self._finalizer()

    # -------------------------------------------------------------- talking to workers

    def _send(self, index, message):
        try:
            self._connections[index].send_bytes(message)
        except OSError as error:
            raise self._died(index) from error

    def _died(self, index):
        process = self._processes[index]
        process.join(1.0)
        return WorkerError("game worker %i (pid %i) %s" % (index, process.pid,
                                                            _exit_description(process.exitcode)),
                           index, process.pid, process.exitcode)

    def _receive(self, index):
        """The next segment of worker ``index`` as ``(sessions, extras)``; waits for it."""
        connection, process = self._connections[index], self._processes[index]
        ready = multiprocessing.connection.wait([connection, process.sentinel])
        try:
            message = connection.recv_bytes() if connection in ready else b""
        except EOFError:
            message = b""
        if not message:
            raise self._died(index)
        if message[:1] == _ERROR:
            text = message[1:].decode("utf-8", "replace")
            raise WorkerError("game worker %i (pid %i) raised an exception:\n%s"
                              % (index, process.pid, text), index, process.pid,
                              worker_traceback=text)
        return sessions_from_bytes(memoryview(message)[1:])

    def _broadcast(self, version, weights, variables):
        message = _WEIGHTS + _WEIGHTS_HEADER.pack(version, len(weights)) + weights + variables
        for index in range(self.n_workers):
            self._send(index, message)

    def _request(self, index, segment):
        self._send(index, _PLAY + _PLAY_HEADER.pack(*segment))
