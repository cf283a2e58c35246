"""Experience replay: a pool of recorded sessions kept in Theano shared variables."""
import numbers
from collections import OrderedDict

import numpy as np
import theano
import theano.tensor as T
from lasagne.layers import InputLayer, Layer
from theano.tensor.opt import Assert
from theano.tensor.shared_randomstreams import RandomStreams

from ..objective.base import BaseObjective
from ..utils.format import check_list
from ..utils.layers.helpers import get_layer_dtype
from ..utils.logging import warn
from ..utils._runtime_check import runtime_check
from ..utils._validation import suggest_keywords
from ._session_store import FieldSpec, SessionStore
from .base import BaseEnvironment
from .session_batch import SessionBatchEnvironment, replay_action_results

__all__ = ["SessionPoolEnvironment"]


def _storage_dtype(layer):
    """An InputLayer stores its variable's dtype (uint8 frames stay uint8), others their dtype."""
    if isinstance(layer, InputLayer) and layer.input_var is not None:
        return layer.input_var.dtype
    return get_layer_dtype(layer)


def _field_specs(argument, kind, default_dtype, has_time):
    """FieldSpecs from an int count, a list of layers or a dict keyed by layers."""
    if isinstance(argument, dict):
        argument = list(argument.keys())
    if isinstance(argument, int):
        unit = (None,) if kind in ("observations", "agent_memories") else ()
        return [FieldSpec("%s[%i]" % (kind, i), unit, default_dtype, has_time)
                for i in range(argument)]
    specs = []
    for i, layer in enumerate(check_list(argument)):
        if not isinstance(layer, Layer):
            raise TypeError("`%s` must be an int, a list of layers or a dict keyed by layers, "
                            "got %s" % (kind, type(layer).__name__))
        specs.append(FieldSpec("%s[%i]" % (kind, i), layer.output_shape[1:],
                               _storage_dtype(layer), has_time))
    return specs


def _too_many_without_replacement(n_samples, pool_size):
    if n_samples <= pool_size:
        return None
    return ("cannot sample %i sessions without replacement from a pool of %i sessions: pass "
            "replace=True or a smaller max_n_samples" % (n_samples, pool_size))


def _empty(spec):
    lead = (0, 0) if spec.has_time else (0,)
    return np.zeros(lead + tuple(d or 0 for d in spec.unit_shape), dtype=spec.dtype)


class SessionPoolEnvironment(BaseEnvironment, BaseObjective):
    """A pool of recorded sessions for experience replay.

    Sessions are stored session-major, ``[n_sessions, n_ticks, ...]``, in
    Theano shared variables (``observations``, ``actions``, ``rewards``,
    ``is_alive``, ``preceding_agent_memories``), so a compiled training
    function reads them without copies. Replay them with
    ``agent.get_sessions(pool, session_length, experience_replay=True)`` or
    draw minibatches with :meth:`sample_session_batch`.

    Parameters
    ----------
    observations, actions : int or list of layers
        The agent's observation and action layers (their per-tick shapes and
        dtypes define the storage; an ``InputLayer`` with a uint8 variable
        stores uint8), or how many there are (then 1-D float observations and
        scalar ``default_action_dtype`` actions).
    agent_memories : int, list of layers or dict keyed by layers
        The memories recorded before each session's first tick (e.g.
        ``agent.agent_states``); ``[]`` for a memoryless agent.
    default_action_dtype : str
    rng_seed : int
        Seed of the sampling random stream.

    Notes
    -----
    Differences from the original AgentNet, all deliberate:

    * a new pool holds **zero** sessions (the original started with 10 dummy
      sessions of zeros); sampling from an empty pool is an error;
    * :meth:`append_sessions` writes into a preallocated ring buffer of
      ``max_pool_size`` sessions in place (O(new data) per call, no copy of
      the pool); the storage order then wraps around, and
      :meth:`chronological_order` gives the oldest-to-newest order;
    * appending sessions whose per-tick shapes differ, whose dtype would
      change kind (e.g. float frames into a uint8 pool), or whose length
      differs from the stored sessions raises ``ValueError`` (the original
      silently replaced the whole pool);
    * :meth:`sample_session_batch` without replacement raises ``ValueError``
      when asked for more sessions than the pool holds (the original
      silently returned the whole pool, a smaller batch than requested);
    * active use works as the original documented: the state is the integer
      tick (``state_shapes == ((),)``, int32), and each step returns the next
      stored observation.
    """

    @suggest_keywords
    def __init__(self, observations=1, actions=1, agent_memories=1,
                 default_action_dtype="int32", rng_seed=1337):
        floatX = theano.config.floatX
        self._observation_specs = _field_specs(observations, "observations", floatX, True)
        self._action_specs = _field_specs(actions, "actions", default_action_dtype, True)
        self._memory_specs = _field_specs(agent_memories, "agent_memories", floatX, False)
        self._reward_spec = FieldSpec("rewards", (), floatX)
        self._alive_spec = FieldSpec("is_alive", (), "uint8")
        self._truncated_spec = FieldSpec("is_truncated", (), "uint8")
        self._store = SessionStore(self._observation_specs + self._action_specs
                                   + [self._reward_spec, self._alive_spec, self._truncated_spec]
                                   + self._memory_specs)
        self._create_shared_variables()
        self.rng = RandomStreams(rng_seed)
        BaseEnvironment.__init__(
            self, state_shapes=[()], observation_shapes=[s.unit_shape for s in self._observation_specs],
            action_shapes=[s.unit_shape for s in self._action_specs], state_dtypes=["int32"],
            observation_dtypes=[o.dtype for o in self.observations],
            action_dtypes=[a.dtype for a in self.actions])

    def _create_shared_variables(self):
        def shared(spec, name):
            return theano.shared(_empty(spec), name=name, borrow=True)
        self.observations = [shared(s, "sessions.observations_history.%i" % i)
                             for i, s in enumerate(self._observation_specs)]
        self.actions = [shared(s, "session.actions_history.%i" % i)
                        for i, s in enumerate(self._action_specs)]
        self.rewards = shared(self._reward_spec, "session.rewards_history")
        self.is_alive = shared(self._alive_spec, "session.is_alive")
        self.is_truncated = shared(self._truncated_spec, "session.is_truncated")
        self.preceding_agent_memories = [shared(s, "session.prev_memory.%i" % i)
                                         for i, s in enumerate(self._memory_specs)]
        self.padded_observations = [T.concatenate([obs, T.zeros_like(obs[:, :1])], axis=1)
                                    for obs in self.observations]
        self.batch_size = self.pool_size = self.rewards.shape[0]
        self.sequence_length = self.rewards.shape[1]

    @property
    def _shared_variables(self):
        return (self.observations + self.actions + [self.rewards, self.is_alive,
                                                    self.is_truncated]
                + self.preceding_agent_memories)

    # ------------------------------------------------------------ filling the pool

    def _as_fields(self, observation_sequences, action_sequences, reward_seq, is_alive,
                   prev_memories, is_truncated):
        observations = check_list(observation_sequences)
        actions = check_list(action_sequences)
        memories = check_list(prev_memories) if prev_memories is not None else None
        self._check_counts(observations, actions, memories)
        rewards = np.asarray(reward_seq)
        if is_alive is None:
            is_alive = np.ones(rewards.shape, dtype="uint8")
        if is_truncated is None:
            is_truncated = np.zeros(rewards.shape, dtype="uint8")
        if memories is None:
            memories = [np.zeros((rewards.shape[0],) + tuple(d or 0 for d in s.unit_shape),
                                 s.dtype) for s in self._memory_specs]
        arrays = observations + actions + [rewards, is_alive, is_truncated] + memories
        session_length = rewards.shape[1] if rewards.ndim == 2 else None
        return self._store.validate(arrays, session_length), session_length

    def _check_counts(self, observations, actions, memories):
        expected = [("observation", observations, self._observation_specs),
                    ("action", actions, self._action_specs)]
        if memories is not None:
            expected.append(("memory", memories, self._memory_specs))
        for what, given, specs in expected:
            if len(given) != len(specs):
                raise ValueError("the pool stores %i %s sequence(s), got %i"
                                 % (len(specs), what, len(given)))

    def load_sessions(self, observation_sequences, action_sequences, reward_seq, is_alive=None,
                      prev_memories=None, is_truncated=None):
        """Replace the pool's content by the given sessions (numpy arrays).

        Parameters
        ----------
        observation_sequences, action_sequences : array or list of arrays
            ``[n_sessions, n_ticks, shape...]``, one per observation / action.
        reward_seq : array [n_sessions, n_ticks]
        is_alive : array [n_sessions, n_ticks] or None
            None means every tick is alive.
        prev_memories : list of arrays [n_sessions, memory_shape...] or None
            Agent memories before tick 0; None means zeros.
        is_truncated : array [n_sessions, n_ticks] or None
            1 at the last tick of an episode cut by a time limit (not in the
            original AgentNet); None means no truncation.
        """
        arrays, session_length = self._as_fields(observation_sequences, action_sequences,
                                                 reward_seq, is_alive, prev_memories,
                                                 is_truncated)
        self._store.reset(arrays, session_length)
        self._publish()

    def append_sessions(self, observation_sequences, action_sequences, reward_seq, is_alive=None,
                        prev_memories=None, max_pool_size=None, is_truncated=None):
        """Add sessions after the stored ones, keeping the newest ``max_pool_size``.

        Same arguments as :meth:`load_sessions`. The sessions are written in
        place into a ring buffer of ``max_pool_size`` sessions (unbounded,
        growing by doubling, when None).
        """
        arrays, session_length = self._as_fields(observation_sequences, action_sequences,
                                                 reward_seq, is_alive, prev_memories,
                                                 is_truncated)
        self._store.append(arrays, session_length, max_pool_size)
        self._publish()

    def _publish(self):
        for variable, view in zip(self._shared_variables, self._store.views()):
            variable.set_value(view, borrow=True)

    def chronological_order(self):
        """Indices of the stored sessions from the oldest to the newest (numpy int array)."""
        return self._store.chronological_order()

    def memory_estimate(self, n_sessions, session_length):
        """Bytes a pool of ``n_sessions`` x ``session_length`` ticks needs.

        Per-tick shapes must be known (from layers or from stored sessions).

        Returns
        -------
        dict
            ``bytes_per_session`` and ``total_bytes``.
        """
        unknown = [s.name for s in self._store.specs if not s.complete()]
        if unknown:
            raise ValueError("per-tick shapes of %s are unknown until sessions are stored"
                             % ", ".join(unknown))
        per_session = self._store.bytes_per_session(session_length)
        return {"bytes_per_session": per_session, "total_bytes": per_session * n_sessions}

    def get_session_updates(self, observation_sequences, action_sequences, reward_seq,
                            is_alive=None, prev_memory=None, cast_dtypes=True):
        """Theano updates that replace the stored sessions by symbolic ones.

        Returns
        -------
        OrderedDict {shared variable: new value}
            For ``theano.function(..., updates=...)``.
        """
        observations, actions = check_list(observation_sequences), check_list(action_sequences)
        memories = check_list(prev_memory) if prev_memory is not None else None
        self._check_counts(observations, actions, memories)
        pairs = list(zip(self.observations, observations)) + list(zip(self.actions, actions))
        pairs.append((self.rewards, reward_seq))
        if is_alive is not None:
            pairs.append((self.is_alive, is_alive))
        if memories is not None:
            pairs += list(zip(self.preceding_agent_memories, memories))
        return OrderedDict((var, T.cast(value, var.dtype) if cast_dtypes else value)
                           for var, value in pairs)

    # ------------------------------------------------------------ reading the pool

    def select_session_batch(self, selector):
        """A :class:`SessionBatchEnvironment` of the sessions at indices ``selector``."""
        batch = SessionBatchEnvironment(
            [obs[selector] for obs in self.observations], self.observation_shapes,
            [act[selector] for act in self.actions], self.action_shapes,
            self.rewards[selector], self.is_alive[selector],
            [mem[selector] for mem in self.preceding_agent_memories])
        batch.is_truncated = self.is_truncated[selector]
        return batch

    def sample_session_batch(self, max_n_samples, replace=False, selector_dtype="int32"):
        """A random minibatch of stored sessions, drawn anew at every call of a compiled function.

        Parameters
        ----------
        max_n_samples : int >= 1 or symbolic int
            Batch size. The pool can grow after the function is compiled,
            so its size is compared when the function runs.
        replace : bool
            Without replacement the pool must hold at least ``max_n_samples``
            sessions (the original capped the batch at the pool size instead).
        selector_dtype : str

        Raises
        ------
        ValueError
            Now, when ``max_n_samples`` is an int below 1; at run time,
            without ``replace``, when the pool holds fewer sessions than that.
        AssertionError
            At run time, when the pool holds no session.
        """
        if isinstance(max_n_samples, numbers.Integral) and max_n_samples < 1:
            raise ValueError("`max_n_samples` must be >= 1, got %i" % max_n_samples)
        pool_size = Assert("cannot sample from an empty session pool: append sessions "
                                 "first")(self.pool_size, T.gt(self.pool_size, 0))
        n_samples = max_n_samples if replace else runtime_check(
            max_n_samples, _too_many_without_replacement, max_n_samples, pool_size)
        selector = self.rng.choice(size=(n_samples,), a=pool_size, replace=replace,
                                   dtype=selector_dtype)
        return self.select_session_batch(selector)

    def get_action_results(self, last_states, actions, **kwargs):
        """Active use: the state is the tick ``t``; returns ``t + 1`` and the stored observations."""
        warn("Using a session pool as an active environment replays stored observations; "
             "experience_replay=True is usually what you want.", verbosity_level=2)
        return replay_action_results(last_states, self.padded_observations)

    def get_reward(self, session_states, session_actions, batch_id):
        """The stored rewards of session ``batch_id``."""
        warn("A session pool's rewards are stored: read pool.rewards directly.", verbosity_level=2)
        return self.rewards[batch_id, :]
