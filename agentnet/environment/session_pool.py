"""Experience replay: a pool of recorded sessions kept in Theano shared variables."""
import numbers
from collections import OrderedDict

import numpy as np
import theano
import theano.tensor as T
from lasagne.layers import InputLayer, Layer
from theano.tensor.opt import Assert
from theano.tensor.shared_randomstreams import RandomStreams

from ..resolver.base import BaseResolver
from ..utils.format import check_list
from ..utils.layers.helpers import get_layer_dtype
from ..utils._validation import (require_bool, require_dtype, require_int,
                                 require_int_or_symbolic, suggest_keywords)
from ._session_store import ActionIds, FieldSpec, Flags, SessionStore
from .base import BaseEnvironment
from ._stored_sessions import StoredSessions
from .session_batch import SessionBatchEnvironment

__all__ = ["SessionPoolEnvironment", "resolver_n_actions"]


def _storage_dtype(layer):
    """The dtype a layer's values are stored in.

    A declared ``output_dtype`` decides, as the original's ``get_layer_dtype``;
    an ``InputLayer`` without one stores its variable's dtype (uint8 frames
    stay uint8), any other layer floatX.
    """
    if getattr(layer, "output_dtype", None) is None and isinstance(layer, InputLayer) \
            and layer.input_var is not None:
        return layer.input_var.dtype
    return get_layer_dtype(layer)


def resolver_n_actions(layer):
    """How many actions a resolver chooses from (its scores' last axis), else None.

    Parameters
    ----------
    layer : lasagne layer
        An action layer; only a :class:`~agentnet.resolver.base.BaseResolver`
        over scores of a known width has an answer.

    Returns
    -------
    int or None
        ``n_actions``, the last axis of the resolver's input shape; None for
        any other layer or an unknown width.
    """
    n_actions = layer.input_shape[-1] if isinstance(layer, BaseResolver) else None
    return n_actions if isinstance(n_actions, int) else None


def _action_ids(layer, dtype):
    """:class:`ActionIds` check for a resolver over a known number of actions, else None."""
    n_actions = resolver_n_actions(layer)
    if n_actions is not None and np.dtype(dtype).kind in "iu":
        return ActionIds(n_actions)
    return None


def _layer_spec(kind, i, layer, has_time):
    """The FieldSpec of layer ``i`` of ``kind``: its per-tick shape and stored dtype."""
    if not isinstance(layer, Layer):
        raise TypeError("`%s` must be an int, a list of layers or a dict keyed by layers, "
                        "got %s" % (kind, type(layer).__name__))
    dtype = _storage_dtype(layer)
    values = _action_ids(layer, dtype) if kind == "actions" else None
    return FieldSpec("%s[%i]" % (kind, i), layer.output_shape[1:], dtype, has_time, values)


def _field_specs(argument, kind, default_dtype, has_time):
    """FieldSpecs from an int count, a list of layers or a dict keyed by layers."""
    if isinstance(argument, dict):
        argument = list(argument.keys())
    if isinstance(argument, (numbers.Integral, np.integer)):
        count = require_int(argument, kind, minimum=0, meaning=" (how many are stored)")
        unit = (None,) if kind in ("observations", "agent_memories") else ()
        return [FieldSpec("%s[%i]" % (kind, i), unit, default_dtype, has_time)
                for i in range(count)]
    return [_layer_spec(kind, i, layer, has_time) for i, layer in enumerate(check_list(argument))]


def _empty(spec):
    lead = (0, 0) if spec.has_time else (0,)
    return np.zeros(lead + tuple(d or 0 for d in spec.unit_shape), dtype=spec.dtype)


class SessionPoolEnvironment(StoredSessions):
    """A pool of recorded sessions for experience replay.

    Sessions are stored session-major, ``[n_sessions, n_ticks, ...]``, in
    Theano shared variables (``observations``, ``actions``, ``rewards``,
    ``is_alive``, ``preceding_agent_memories``), so a compiled training
    function reads them without copies. Replay them with
    ``agent.get_sessions(pool, session_length, experience_replay=True)`` or
    draw minibatches with :meth:`sample_session_batch`.

    Parameters
    ----------
    observations, actions : int >= 0 or list of layers
        The agent's observation and action layers (their per-tick shapes and
        dtypes define the storage), or how many there are (then 1-D float
        observations and scalar ``default_action_dtype`` actions). A layer's
        declared ``output_dtype`` is its stored dtype, as in the original; an
        ``InputLayer`` without one stores its variable's dtype (a uint8
        variable stores uint8). Actions of a resolver over ``n_actions``
        scores must be ids in :math:`[0, n_{actions})`.
    agent_memories : int >= 0, list of layers or dict keyed by layers
        The memories recorded before each session's first tick (e.g.
        ``agent.agent_states``); ``[]`` for a memoryless agent.
    default_action_dtype : str
        A numpy dtype name.
    rng_seed : int >= 0
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
    * the stored values are checked on append and load: ``is_alive`` and
      ``is_truncated`` must be 0 or 1 (any numeric dtype), actions of a
      resolver ids in :math:`[0, n_{actions})`; sessions shorter than the
      ``session_length`` of a replay graph already built on the pool are
      refused (see :meth:`load_sessions`);
    * active use works as the original documented: the state is the integer
      tick (``state_shapes == ((),)``, int32), and each step returns the next
      stored observation.
    """

    _noun = "session pool"

    @suggest_keywords
    def __init__(self, observations=1, actions=1, agent_memories=1,
                 default_action_dtype="int32", rng_seed=1337):
        floatX = theano.config.floatX
        default_action_dtype = require_dtype(default_action_dtype, "default_action_dtype")
        self._observation_specs = _field_specs(observations, "observations", floatX, True)
        self._action_specs = _field_specs(actions, "actions", default_action_dtype, True)
        self._memory_specs = _field_specs(agent_memories, "agent_memories", floatX, False)
        self._reward_spec = FieldSpec("rewards", (), floatX)
        self._alive_spec = FieldSpec("is_alive", (), "uint8", values=Flags())
        self._truncated_spec = FieldSpec("is_truncated", (), "uint8", values=Flags())
        self._store = SessionStore(self._observation_specs + self._action_specs
                                   + [self._reward_spec, self._alive_spec, self._truncated_spec]
                                   + self._memory_specs)
        self._create_shared_variables()
        self.rng = RandomStreams(require_int(rng_seed, "rng_seed", minimum=0))
        self._replayed_length = 0
        BaseEnvironment.__init__(
            self, state_shapes=[()],
            observation_shapes=[s.unit_shape for s in self._observation_specs],
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
        # defaults are boolean: flags of that dtype need no values check
        if is_alive is None:
            is_alive = np.ones(rewards.shape, dtype=bool)
        if is_truncated is None:
            is_truncated = np.zeros(rewards.shape, dtype=bool)
        if memories is None:
            memories = [np.zeros((rewards.shape[0],) + tuple(d or 0 for d in s.unit_shape),
                                 s.dtype) for s in self._memory_specs]
        arrays = observations + actions + [rewards, is_alive, is_truncated] + memories
        session_length = rewards.shape[1] if rewards.ndim == 2 else None
        if session_length is not None and session_length < self._replayed_length:
            raise ValueError("a replay graph of this pool reads session_length=%i ticks; got "
                             "sessions of %i ticks" % (self._replayed_length, session_length))
        return self._store.validate(arrays, session_length), session_length

    def _check_session_length(self, session_length):
        """Replay of ``session_length`` ticks needs sessions that long: check now or on append.

        Called when a replay graph is built. The stored length never changes
        once set, so the check costs nothing when the graph runs.
        """
        stored = self._store.session_length
        if not isinstance(session_length, int):
            return
        if stored is not None and stored < session_length:
            raise ValueError("`session_length` is %i but the pool stores sessions of %i ticks "
                             "(replay reads the first session_length ticks of each)"
                             % (session_length, stored))
        self._replayed_length = max(self._replayed_length, session_length)

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

        Raises
        ------
        ValueError
            For a count, shape or dtype that does not match the pool, an
            ``is_alive`` / ``is_truncated`` value other than 0 and 1, an
            action id outside :math:`[0, n_{actions})` (when the action layer
            is a resolver), and sessions shorter than the ``session_length``
            of a replay graph already built on this pool. The pool is then
            left unchanged.
        """
        arrays, session_length = self._as_fields(observation_sequences, action_sequences,
                                                 reward_seq, is_alive, prev_memories,
                                                 is_truncated)
        self._store.reset(arrays, session_length)
        self._publish()

    def append_sessions(self, observation_sequences, action_sequences, reward_seq, is_alive=None,
                        prev_memories=None, max_pool_size=None, is_truncated=None):
        """Add sessions after the stored ones, keeping the newest ``max_pool_size``.

        The sessions are written in place into a ring buffer of
        ``max_pool_size`` sessions. Checks and their errors are those of
        :meth:`load_sessions`.

        Parameters
        ----------
        observation_sequences, action_sequences : array or list of arrays
            ``[n_sessions, n_ticks, shape...]``, one per observation / action.
        reward_seq : array [n_sessions, n_ticks]
        is_alive : array [n_sessions, n_ticks] or None
            None means every tick is alive.
        prev_memories : list of arrays [n_sessions, memory_shape...] or None
            Agent memories before tick 0; None means zeros.
        max_pool_size : int >= 1 or None
            Sessions kept, the newest; None grows the buffer by doubling.
        is_truncated : array [n_sessions, n_ticks] or None
        """
        if max_pool_size is not None:
            max_pool_size = require_int(max_pool_size, "max_pool_size")
        arrays, session_length = self._as_fields(observation_sequences, action_sequences,
                                                 reward_seq, is_alive, prev_memories,
                                                 is_truncated)
        self._store.append(arrays, session_length, max_pool_size)
        self._publish()

    def _publish(self):
        for variable, view in zip(self._shared_variables, self._store.views()):
            variable.set_value(view, borrow=True)

    def chronological_order(self):
        """Indices of the stored sessions from the oldest to the newest (numpy int array).

        Returns
        -------
        int array [n_stored]
            Storage indices, for :meth:`select_session_batch`; once the pool
            is full they wrap around from the next slot to be overwritten.
        """
        return self._store.chronological_order()

    def memory_estimate(self, n_sessions, session_length):
        """Bytes a pool of ``n_sessions`` x ``session_length`` ticks needs.

        Per-tick shapes must be known (from layers or from stored sessions).

        Parameters
        ----------
        n_sessions : int
        session_length : int
            Ticks per session.

        Returns
        -------
        dict
            ``bytes_per_session`` and ``total_bytes``.
        """
        n_sessions = require_int(n_sessions, "n_sessions", minimum=0)
        session_length = require_int(session_length, "session_length")
        unknown = [s.name for s in self._store.specs if not s.complete()]
        if unknown:
            raise ValueError("per-tick shapes of %s are unknown until sessions are stored"
                             % ", ".join(unknown))
        per_session = self._store.bytes_per_session(session_length)
        return {"bytes_per_session": per_session, "total_bytes": per_session * n_sessions}

    def get_session_updates(self, observation_sequences, action_sequences, reward_seq,
                            is_alive=None, prev_memory=None, cast_dtypes=True):
        """Theano updates that replace the stored sessions by symbolic ones.

        Symbolic values are not checked (their values are only known when
        the function runs).

        Parameters
        ----------
        observation_sequences, action_sequences : tensor or list of tensors
            ``[n_sessions, n_ticks, shape...]``.
        reward_seq : tensor [n_sessions, n_ticks]
        is_alive : tensor [n_sessions, n_ticks] or None
            Left unchanged when None.
        prev_memory : list of tensors [n_sessions, memory_shape...] or None
            Left unchanged when None.
        cast_dtypes : bool
            Cast every value to its shared variable's dtype.

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
        """A :class:`SessionBatchEnvironment` of the sessions at indices ``selector``.

        Parameters
        ----------
        selector : int vector (tensor or array)
            Indices of the sessions, in storage order (see
            :meth:`chronological_order`).

        Returns
        -------
        SessionBatchEnvironment
            Its fields are ``[n_selected, n_ticks, ...]`` (the memories before
            tick 0 ``[n_selected, memory_shape...]``), row ``k`` being stored
            session ``selector[k]``. A symbolic ``selector`` is read when the
            compiled function runs.

        Raises
        ------
        TypeError
            For a selector whose dtype is not an integer one.
        """
        dtype = str(selector.dtype if hasattr(selector, "dtype") else np.asarray(selector).dtype)
        if not dtype.startswith(("int", "uint")):
            raise TypeError("`selector` must hold integer session indices, got dtype %s" % dtype)
        batch = SessionBatchEnvironment(
            [obs[selector] for obs in self.observations], self.observation_shapes,
            [act[selector] for act in self.actions], self.action_shapes,
            self.rewards[selector], self.is_alive[selector],
            [mem[selector] for mem in self.preceding_agent_memories])
        batch.is_truncated = self.is_truncated[selector]
        batch._pool = self
        return batch

    def sample_session_batch(self, max_n_samples, replace=False, selector_dtype="int32"):
        r"""A random minibatch of stored sessions, drawn anew at every call of a compiled function.

        Parameters
        ----------
        max_n_samples : int >= 1 or symbolic int scalar
            With ``replace``, the batch size. Without, the *largest* batch
            size, as in the original AgentNet: the batch holds
            :math:`n = \min(\mathrm{max\_n\_samples}, \mathrm{pool\_size})`
            distinct sessions, so a pool that holds fewer sessions (early in a
            training loop) returns all of them, in random order. The batch
            size is then symbolic; it is computed in the graph.
        replace : bool
            Draw with replacement.
        selector_dtype : str
            Integer dtype of the drawn session indices.

        Returns
        -------
        SessionBatchEnvironment
            Its fields are ``[n, n_ticks, ...]``.

        Raises
        ------
        TypeError, ValueError
            Now, for a ``max_n_samples`` that is not an int >= 1 (or a
            symbolic integer scalar) and a non-integer ``selector_dtype``.
        AssertionError
            At run time, when the pool holds no session (the original's pool
            started with dummy sessions; an empty batch would train on nothing).
        """
        max_n_samples = require_int_or_symbolic(max_n_samples, "max_n_samples")
        replace = require_bool(replace, "replace")
        selector_dtype = require_dtype(selector_dtype, "selector_dtype", kind="int")
        pool_size = Assert("cannot sample from an empty session pool: append sessions "
                           "first")(self.pool_size, T.gt(self.pool_size, 0))
        n_samples = max_n_samples if replace else T.minimum(max_n_samples, pool_size)
        selector = self.rng.choice(size=(n_samples,), a=pool_size, replace=replace,
                                   dtype=selector_dtype)
        return self.select_session_batch(selector)
