"""``MDPAgent``: one tick of an agent, rolled out against environments or replayed."""
import inspect
from collections import OrderedDict

import numpy as np
import theano
import theano.tensor as T
from lasagne.layers import (InputLayer, Layer, get_all_param_values, get_all_params,
                            get_output, set_all_param_values)

from ..utils.format import check_list, unpack_list
from ..utils.layers.helpers import get_layer_dtype
from ..utils.logging import warn
from ..utils._validation import (require_bool, require_input_layer, require_int,
                                 require_int_or_symbolic, shape_str, suggest_keywords,
                                 unknown_keyword_message)
from ._linking import check_init_pairs, check_layer
from ._recurrence_checks import as_layer_dict, check_flags, check_state_pairs, layer_label
from ._burn_in import check_burn_in, with_burn_in
from ._flat_replay import flat_replay_obstacle, replay_flat
from ._memory_reset import ZeroedWhereDead, alive_input_layer
from .recurrence import Recurrence

__all__ = ["MDPAgent"]


def _is_single(argument):
    return not isinstance(argument, (list, tuple))


def _unwrap(values, single):
    return values[0] if single else values


def _check_layers(layers, argument, input_layers=False):
    layers = check_list(layers)
    for layer in layers:
        if input_layers:
            require_input_layer(layer, argument, "the observation enters the graph there")
        if not isinstance(layer, Layer):
            raise TypeError("`%s` must contain lasagne layers, got %s (%r)"
                            % (argument, type(layer).__name__, layer))
    return layers


class MDPAgent(object):
    """An agent described by the Lasagne graph of a single tick.

    Parameters
    ----------
    observation_layers : InputLayer or list of InputLayers
        Where the observation of the current tick enters, shape
        ``(None,) + observation_shape``.
    agent_states : dict {new memory layer: previous memory InputLayer}
        Recurrent memory, as :class:`Recurrence`'s ``state_variables``.
    policy_estimators : layer or list of layers
        Per-tick values to get back (Q-values, probabilities, state values...).
    action_layers : layer or list of layers
        What is sent to the environment, usually resolvers.

    Notes
    -----
    A single layer (not a list or tuple) for observations, policy or actions
    makes :meth:`get_sessions` return a single tensor for that slot.
    """

    @suggest_keywords
    def __init__(self, observation_layers=(), agent_states=None, policy_estimators=(),
                 action_layers=()):
        self.single_observation = _is_single(observation_layers)
        self.single_policy = _is_single(policy_estimators)
        self.single_action = _is_single(action_layers)
        self.observation_layers = _check_layers(observation_layers, "observation_layers",
                                                input_layers=True)
        self.agent_states = as_layer_dict(agent_states, "agent_states")
        check_state_pairs(self.agent_states)
        self.policy = _check_layers(policy_estimators, "policy_estimators")
        self.action_layers = _check_layers(action_layers, "action_layers")
        self.recurrence = None
        self._replayed_flat = False

    # ------------------------------------------------------------------ sessions

    def get_sessions(self, environment, session_length=10, batch_size=None,
                     initial_env_states="zeros", initial_observations="zeros",
                     initial_hidden="zeros", experience_replay=False, unroll_scan=True,
                     return_automatic_updates=False, optimize_experience_replay=None,
                     zero_memory_on_reset=False, flat_replay=None, burn_in=0, **kwargs):
        r"""Symbolic sessions of ``session_length`` ticks.

        In active mode the agent interacts with a Theano ``environment``; with
        ``experience_replay=True`` it is fed the sessions stored in
        ``environment.observations`` / ``environment.actions``.

        Parameters
        ----------
        environment : BaseEnvironment or SessionPoolEnvironment / SessionBatchEnvironment
            A Theano environment to act in, or (``experience_replay=True``)
            recorded sessions to replay.
        session_length : int >= 1 or symbolic int scalar
            Ticks per session. In replay mode the first ``session_length``
            stored ticks are replayed; a pool must store sessions at least
            that long (checked now, or on later appends to an empty pool).
        batch_size : int >= 1, symbolic int scalar or None
            Sessions in the batch (active mode); needed when nothing else
            tells the batch size.
        initial_env_states, initial_observations, initial_hidden : 'zeros', dict or list
            Values at tick 0 (layers or Theano tensors ``[batch, ...]``),
            as a dict keyed by the state, observation or memory layer, or a
            list aligned with them; ``'zeros'`` for zeros. In replay mode
            ``initial_hidden='zeros'`` takes the pool's
            ``preceding_agent_memories``.
        experience_replay : bool
            Replay the environment's recorded observations and actions.
        unroll_scan : bool
            Python-unrolled loop (True) or ``theano.scan`` (False).
        return_automatic_updates : bool
            Also return the random-state updates of a ``theano.scan`` loop.
        optimize_experience_replay : bool or None
            Deprecated alias of ``experience_replay``.
        zero_memory_on_reset : bool
            Replay mode only. Zero every memory after the ticks recorded with
            ``environment.is_alive == 0`` (the tick that resets a finished
            game), as :class:`~agentnet.experiments.openai_gym.EnvPool` does in
            live play: :math:`h_t \leftarrow \mathrm{alive}_t h_t`. Without it
            (the original AgentNet's behaviour) the first ticks of an episode
            are replayed with the previous episode's memory.
        flat_replay : None, True or False
            Replay mode only (not in the original). How recorded sessions are
            replayed: ``None`` (default) chooses by itself, ``True`` forces and
            ``False`` forbids replay without a loop. Without a loop the
            ``[batch, tick]`` axes are merged and the one-tick graph runs once on
            ``batch * session_length`` rows, which is faster and compiles
            sooner; it needs every memory to be rebuilt from the recorded data
            (no memory, or windows of observations such as
            :class:`~agentnet.memory.WindowAugmentation`). Recurrent memories
            (RNN, GRU, LSTM cells...), batch normalisation and recurrences inside
            the one tick use the loop (``Recurrence``, see ``unroll_scan``). Both
            give the same values and gradients; random layers (dropout) draw
            differently. After a flat replay ``self.recurrence`` is ``None`` and
            there are no automatic updates.
        burn_in : int >= 0
            Replay mode only (not in the original; R2D2's burn-in). The
            memory after tick ``burn_in - 1`` passes no gradient back, so the
            first ``burn_in`` ticks only bring the stored memory up to date;
            leave them out of the loss (``loss[:, burn_in:]``). Values are
            unchanged. Without a loop (``flat_replay``) memories are rebuilt
            from observations and take no gradient anyway. See
            :mod:`agentnet.agent._burn_in` and the timeline guide.
        **kwargs
            Only ``recurrence_name``, the name of the built Recurrence.

        Returns
        -------
        env_states : list of tensors [batch, tick, state_shape...]
            Always a list. Element ``t`` is the state before the agent acts
            at tick ``t``. Replay mode: ``[arange(session_length)]``.
        observations : tensor or list [batch, tick, obs_shape...]
            What the agent saw at tick ``t`` (active mode); the environment's
            stored observations (replay mode).
        agent_states : OrderedDict {memory layer: [batch, tick, shape...]}
            Memory after tick ``t``.
        actions : tensor or list [batch, tick, ...]
            Taken (active) or recorded (replay) actions.
        policy : tensor or list [batch, tick, ...]
        updates : theano.OrderedUpdates
            Only with ``return_automatic_updates=True``.
        """
        if optimize_experience_replay is not None:
            warn("optimize_experience_replay is deprecated and will be removed in 1.0.2; "
                 "use experience_replay.", category=DeprecationWarning)
            experience_replay = require_bool(optimize_experience_replay,
                                             "optimize_experience_replay")
        _check_recurrence_kwargs(kwargs)
        experience_replay, unroll_scan, return_automatic_updates, zero_memory_on_reset = \
            check_flags(experience_replay=experience_replay, unroll_scan=unroll_scan,
                        return_automatic_updates=return_automatic_updates,
                        zero_memory_on_reset=zero_memory_on_reset)
        session_length = require_int_or_symbolic(session_length, "session_length")
        if batch_size is not None:
            batch_size = require_int_or_symbolic(batch_size, "batch_size")
        if zero_memory_on_reset and not experience_replay:
            raise ValueError("zero_memory_on_reset=True needs experience_replay=True: in active "
                             "mode no game is reset inside the session")
        burn_in = check_burn_in(burn_in, session_length)
        if burn_in and not experience_replay:
            raise ValueError("burn_in=%i needs experience_replay=True: it replays stored "
                             "memories" % burn_in)
        if experience_replay and self._replays_flat(flat_replay):
            self._check_replay_environment(environment, initial_env_states, initial_observations)
            sessions = self._flat_sessions(environment, session_length, initial_hidden,
                                           zero_memory_on_reset)
        elif experience_replay:
            recurrence = self._replay_recurrence(environment, session_length, initial_env_states,
                                                 initial_observations, initial_hidden,
                                                 unroll_scan, zero_memory_on_reset,
                                                 dict(kwargs, burn_in=burn_in))
            sessions = self._split_sessions(recurrence, environment, session_length, True)
        else:
            if flat_replay:
                raise ValueError("flat_replay=True needs experience_replay=True")
            recurrence = self._active_recurrence(environment, session_length, batch_size,
                                                 initial_env_states, initial_observations,
                                                 initial_hidden, unroll_scan, kwargs)
            sessions = self._split_sessions(recurrence, environment, session_length, False)
        if return_automatic_updates:
            if unroll_scan:
                warn("return_automatic_updates is only useful with unroll_scan=False.",
                     verbosity_level=2)
            sessions += (self.get_automatic_updates(),)
        return sessions

    def _active_recurrence(self, environment, session_length, batch_size, initial_env_states,
                           initial_observations, initial_hidden, unroll_scan, kwargs):
        if not hasattr(environment, "as_layers"):
            raise TypeError("active mode needs a BaseEnvironment (with as_layers); for recorded "
                            "sessions use experience_replay=True")
        if hasattr(environment, "actions") and hasattr(environment, "observations"):
            warn("%s stores sessions; you probably want experience_replay=True."
                 % type(environment).__name__, verbosity_level=2)
        return self.as_recurrence(environment, session_length, batch_size, initial_env_states,
                                  initial_observations, initial_hidden, unroll_scan=unroll_scan,
                                  **kwargs)

    @staticmethod
    def _check_replay_environment(environment, initial_env_states, initial_observations):
        if not (hasattr(environment, "observations") and hasattr(environment, "actions")):
            raise ValueError("experience_replay=True needs an environment with `observations` "
                             "and `actions` (e.g. SessionPoolEnvironment), got %s"
                             % type(environment).__name__)
        if not (isinstance(initial_env_states, str) and isinstance(initial_observations, str)):
            warn("initial_env_states and initial_observations are unused in replay mode.",
                 verbosity_level=2)

    def _replays_flat(self, flat_replay):
        """Whether to replay without a loop (see ``flat_replay`` in :meth:`get_sessions`)."""
        if flat_replay not in (None, True, False):
            raise ValueError("`flat_replay` must be None (automatic), True or False, got %r"
                             % (flat_replay,))
        if flat_replay is False:
            return False
        obstacle = flat_replay_obstacle(self)
        if obstacle is not None and flat_replay:
            raise ValueError("flat_replay=True, but this agent needs a loop to be replayed: %s. "
                             "Use flat_replay=None to choose automatically." % obstacle)
        return obstacle is None

    def _flat_sessions(self, environment, session_length, initial_hidden, zero_memory_on_reset):
        """:meth:`get_sessions`' replay-mode results, computed without a loop."""
        if isinstance(initial_hidden, str) and initial_hidden == "zeros":
            initial_hidden = _preceding_memories(environment)
        recorded = self._recorded_sequences(environment, session_length)
        initial = self._linked_inits(self.agent_states, initial_hidden, "initial_hidden")
        is_alive = None
        if zero_memory_on_reset:
            is_alive = T.neq(_required_is_alive(environment)[:, :session_length], 0)
        memories, outputs = replay_flat(self, recorded, initial, is_alive, session_length)
        self.recurrence, self._replayed_flat = None, True
        policy, actions = unpack_list(outputs, [len(self.policy), len(self.action_layers)])
        return ([T.arange(session_length)],
                _unwrap(list(environment.observations), self.single_observation),
                OrderedDict(zip(self.agent_states, memories)),
                _unwrap(actions, self.single_action), _unwrap(policy, self.single_policy))

    def _replay_recurrence(self, environment, session_length, initial_env_states,
                           initial_observations, initial_hidden, unroll_scan,
                           zero_memory_on_reset, kwargs):
        self._check_replay_environment(environment, initial_env_states, initial_observations)
        return self.as_replay_recurrence(environment, session_length, initial_hidden,
                                         unroll_scan=unroll_scan,
                                         zero_memory_on_reset=zero_memory_on_reset, **kwargs)

    def _split_sessions(self, recurrence, environment, session_length, experience_replay):
        state_layers, output_layers = recurrence.get_sequence_layers()
        values = get_output(list(state_layers.values()) + list(output_layers))
        n_memories = len(self.agent_states)
        n_env_states = 0 if experience_replay else len(environment.state_shapes)
        n_observations = 0 if experience_replay else len(self.observation_layers)
        memories, env_states, observations, policy, actions = unpack_list(
            values, [n_memories, n_env_states, n_observations, len(self.policy),
                     len(self.action_layers)])
        if experience_replay:
            env_states = [theano.tensor.arange(session_length)]
            observations = list(environment.observations)
        agent_states = OrderedDict(zip(self.agent_states, memories))
        return (env_states, _unwrap(observations, self.single_observation), agent_states,
                _unwrap(actions, self.single_action), _unwrap(policy, self.single_policy))

    # ------------------------------------------------------------- recurrences

    def as_recurrence(self, environment, session_length=10, batch_size=None,
                      initial_env_states="zeros", initial_observations="zeros",
                      initial_hidden="zeros", recurrence_name="AgentRecurrence",
                      unroll_scan=True):
        """The :class:`Recurrence` of agent and environment acting together.

        Its states are ``[memories] + [env states] + [observations]`` and its
        tracked outputs ``[policy] + [actions]``; env states and observations
        are delayed so that element ``t`` is what the agent saw at tick ``t``.

        Parameters
        ----------
        environment : BaseEnvironment
        session_length : int >= 1 or symbolic int scalar
        batch_size : int >= 1, symbolic int scalar or None
        initial_env_states, initial_observations, initial_hidden : 'zeros', dict or list
            As in :meth:`get_sessions`.
        recurrence_name : str
        unroll_scan : bool

        Returns
        -------
        Recurrence
            Also stored as ``self.recurrence``.
        """
        self._check_observation_shapes(environment)
        prev_env_states = [InputLayer((None,) + tuple(shape), name="env.prev_state[%i]" % i)
                           for i, shape in enumerate(_shapes(environment.state_shapes))]
        new_env_states, new_observations = environment.as_layers(prev_env_states,
                                                                 self.action_layers)
        env_pairs = OrderedDict(zip(new_env_states, prev_env_states))
        observation_pairs = OrderedDict(zip(new_observations, self.observation_layers))
        state_variables = OrderedDict(self.agent_states)
        state_variables.update(env_pairs)
        state_variables.update(observation_pairs)
        state_init = self._linked_inits(self.agent_states, initial_hidden, "initial_hidden")
        state_init.update(self._linked_inits(env_pairs, initial_env_states, "initial_env_states"))
        state_init.update(self._observation_inits(observation_pairs, initial_observations))
        self._replayed_flat = False
        self.recurrence = Recurrence(
            state_variables=state_variables, state_init=state_init,
            tracked_outputs=self.policy + self.action_layers, n_steps=session_length,
            batch_size=batch_size, delayed_states=list(env_pairs) + list(observation_pairs),
            unroll_scan=unroll_scan, name=recurrence_name)
        return self.recurrence

    def _check_observation_shapes(self, environment):
        shapes = _shapes(environment.observation_shapes)
        if len(shapes) != len(self.observation_layers):
            raise ValueError("the environment has %i observations but the agent has %i "
                             "observation layers" % (len(shapes), len(self.observation_layers)))
        for layer, shape in zip(self.observation_layers, shapes):
            expected = (None,) + tuple(shape)
            if tuple(layer.output_shape) != expected:
                raise ValueError("observation layer %s has shape %s but the environment's "
                                 "observation has shape %s"
                                 % (layer_label(layer), shape_str(layer.output_shape),
                                    shape_str(expected)))

    @staticmethod
    def _linked_inits(pairs, initial_values, argument):
        inits = check_init_pairs(list(pairs), initial_values, argument)
        return OrderedDict((state, check_layer(state, value, argument=argument))
                           for state, value in inits.items())

    def _observation_inits(self, observation_pairs, initial_observations):
        if isinstance(initial_observations, dict):
            by_agent_layer = dict(zip(self.observation_layers, observation_pairs))
            initial_observations = OrderedDict(
                (by_agent_layer.get(layer, layer), value)
                for layer, value in initial_observations.items())
        return self._linked_inits(observation_pairs, initial_observations, "initial_observations")

    def as_replay_recurrence(self, environment, session_length=10, initial_hidden="zeros",
                             recurrence_name="ReplayRecurrence", unroll_scan=True,
                             zero_memory_on_reset=False, burn_in=0):
        """The :class:`Recurrence` that feeds recorded observations and actions to the agent.

        Its states are the memories and its tracked outputs ``[policy] +
        [actions]``; the action layers output the recorded actions. With
        ``zero_memory_on_reset`` the memories are zeroed after every tick
        where ``environment.is_alive`` is 0 (see :meth:`get_sessions`).

        Parameters
        ----------
        environment : SessionPoolEnvironment or SessionBatchEnvironment
            Has ``observations`` and ``actions`` ``[batch, tick, ...]``.
        session_length : int >= 1
        initial_hidden : 'zeros', dict or list
            ``'zeros'`` takes the environment's ``preceding_agent_memories``.
        recurrence_name : str
        unroll_scan : bool
        zero_memory_on_reset : bool
        burn_in : int >= 0
            The memory after tick ``burn_in - 1`` passes no gradient back
            (see :meth:`get_sessions`).

        Returns
        -------
        Recurrence
            Also stored as ``self.recurrence``.
        """
        if isinstance(initial_hidden, str) and initial_hidden == "zeros":
            initial_hidden = _preceding_memories(environment)
        sequences = self._recorded_sequences(environment, session_length)
        state_variables = OrderedDict(self.agent_states)
        state_init = self._linked_inits(self.agent_states, initial_hidden, "initial_hidden")
        if zero_memory_on_reset:
            _required_is_alive(environment)
        if zero_memory_on_reset and self.agent_states:
            state_variables, state_init, alive_sequence = self._zeroed_where_dead(
                environment, session_length, state_init)
            sequences.update(alive_sequence)
        burn_in = check_burn_in(burn_in, session_length)
        if burn_in and self.agent_states:
            state_variables, state_init, stop_sequence = with_burn_in(
                state_variables, state_init, environment, session_length, burn_in)
            sequences.update(stop_sequence)
        self._replayed_flat = False
        self.recurrence = Recurrence(
            state_variables=state_variables, state_init=state_init,
            input_sequences=sequences, tracked_outputs=self.policy + self.action_layers,
            n_steps=session_length, unroll_scan=unroll_scan, name=recurrence_name)
        return self.recurrence

    def _recorded_sequences(self, environment, session_length):
        """``{observation or action layer: its recorded [batch, tick, ...] sequence}``."""
        overlap = set(self.observation_layers) & set(self.action_layers)
        if overlap:
            raise ValueError("observation and action layers must differ, both contain %s"
                             % ", ".join(layer_label(layer) for layer in overlap))
        stored = list(environment.observations) + list(environment.actions)
        inner = self.observation_layers + self.action_layers
        if hasattr(environment, "_check_session_length"):
            environment._check_session_length(session_length)
        if len(stored) != len(inner):
            raise ValueError("the environment stores %i observations and %i actions; the agent "
                             "has %i observation and %i action layers"
                             % (len(environment.observations), len(environment.actions),
                                len(self.observation_layers), len(self.action_layers)))
        return OrderedDict((layer, check_layer(layer, value, session_length,
                                               argument="the environment's recorded sequences"))
                           for layer, value in zip(inner, stored))

    def _zeroed_where_dead(self, environment, session_length, state_init):
        """Memories wrapped in :class:`ZeroedWhereDead`, their inits, and the is_alive feed."""
        is_alive = _required_is_alive(environment)
        alive_t = alive_input_layer()
        zeroed = OrderedDict((new, ZeroedWhereDead(new, alive_t, name="%s.zeroed_on_reset"
                                                   % layer_label(new)))
                             for new in self.agent_states)
        state_variables = OrderedDict((zeroed[new], prev)
                                      for new, prev in self.agent_states.items())
        state_init = OrderedDict((zeroed[new], value) for new, value in state_init.items())
        alive_flags = T.cast(T.neq(is_alive, 0), "uint8")
        return state_variables, state_init, {alive_t: check_layer(alive_t, alive_flags,
                                                                  session_length)}

    # ------------------------------------------------------------ one tick

    def get_agent_reaction(self, prev_states=None, current_observations=(), **kwargs):
        """Symbolic reaction to one tick, outside any loop.

        Parameters
        ----------
        prev_states : dict {memory layer: value} or list aligned with agent_states
        current_observations : list aligned with observation_layers
        **kwargs
            Flags for :func:`lasagne.layers.get_output`.

        Returns
        -------
        actions : list
        new_states : list, in memory order
        outputs : list, values of ``policy + action_layers``
        """
        prev_states = Recurrence._as_aligned(prev_states, list(self.agent_states), "prev_states")
        current_observations = Recurrence._as_aligned(
            current_observations, self.observation_layers, "current_observations")
        input_map = OrderedDict(zip(self.agent_states.values(), prev_states))
        input_map.update(zip(self.observation_layers, current_observations))
        wanted = list(self.agent_states) + self.policy + self.action_layers
        values = get_output(wanted, inputs=input_map, **kwargs)
        new_states, outputs = unpack_list(
            values, [len(self.agent_states), len(self.policy) + len(self.action_layers)])
        return outputs[len(self.policy):], new_states, outputs

    def get_react_function(self, output_flags=None, function_flags=None):
        """Compile one tick: ``react(*observations, *prev_memories) -> actions + new_memories``.

        Parameters
        ----------
        output_flags : dict or None
            Flags for ``get_output``, e.g. ``{"deterministic": True}``.
        function_flags : dict or None
            Keywords for ``theano.function``; default
            ``{"allow_input_downcast": True}``.

        Returns
        -------
        theano.compile.function_module.Function
            ``react(*observations, *prev_memories)``: observations
            ``[batch, obs_shape...]`` in ``observation_layers`` order, then
            memories ``[batch, memory_shape...]`` in ``agent_states`` order.
            It returns a list of numpy arrays: the actions ``[batch, ...]``
            in ``action_layers`` order, then the new memories in
            ``agent_states`` order.

        Examples
        --------
        >>> react = agent.get_react_function()          # doctest: +SKIP
        >>> action, new_memory = react(observation_batch, memory)  # doctest: +SKIP
        """
        _require_flags(output_flags, "output_flags")
        _require_flags(function_flags, "function_flags")
        function_flags = {"allow_input_downcast": True} if function_flags is None \
            else dict(function_flags)
        inputs = [layer.input_var for layer in self.observation_layers]
        inputs += [layer.input_var for layer in self.agent_states.values()]
        memories = [layer.input_var for layer in self.agent_states.values()]
        actions, new_states, _ = self.get_agent_reaction(memories, [
            layer.input_var for layer in self.observation_layers], **(output_flags or {}))
        return theano.function(inputs, actions + new_states, **function_flags)

    def get_zeros_like_memory(self, batch_size=1):
        """Numpy zeros for every memory: ``(batch_size,) + shape[1:]`` in the memory's dtype.

        Parameters
        ----------
        batch_size : int >= 0

        Returns
        -------
        list of numpy arrays
            One per memory, in ``agent_states`` order, each of shape
            ``(batch_size,) + memory_shape`` and the memory layer's dtype.
        """
        batch_size = require_int(batch_size, "batch_size", minimum=0)
        return [np.zeros((batch_size,) + tuple(layer.output_shape[1:]),
                         dtype=get_layer_dtype(layer))
                for layer in self.agent_states]

    # ------------------------------------------------------------ parameters

    def _all_layers(self):
        return list(self.agent_states) + self.policy + self.action_layers

    def get_all_params(self, **tags):
        """Parameters of memories, policy estimators and action layers.

        Parameters
        ----------
        **tags
            Lasagne parameter tags, e.g. ``trainable=True``.

        Returns
        -------
        list of theano shared variables
            Each once, in :func:`lasagne.layers.get_all_params` order over
            the memory, policy and action layers.
        """
        return get_all_params(self._all_layers(), **tags)

    def get_all_param_values(self, **tags):
        """Values of :meth:`get_all_params`.

        Parameters
        ----------
        **tags
            Lasagne parameter tags, e.g. ``trainable=True``.

        Returns
        -------
        list of numpy arrays
            Copies of the values, in the order of :meth:`get_all_params`.
        """
        return get_all_param_values(self._all_layers(), **tags)

    def set_all_param_values(self, values, **tags):
        """Set the values of :meth:`get_all_params`.

        Parameters
        ----------
        values : list of arrays
            In the order of :meth:`get_all_params`.
        **tags
            Lasagne parameter tags, e.g. ``trainable=True``.
        """
        set_all_param_values(self._all_layers(), values, **tags)

    def get_automatic_updates(self, recurrent=True):
        """Scan updates of the last :meth:`get_sessions` (needed with unroll_scan=False).

        Parameters
        ----------
        recurrent : bool
            Also collect the updates of recurrences below the agent's.

        Returns
        -------
        theano.OrderedUpdates
            {random state: its next value}, for
            ``theano.function(updates=...)``; empty after a flat replay.

        Raises
        ------
        ValueError
            Before any :meth:`get_sessions`, or as
            :meth:`Recurrence.get_automatic_updates`.
        """
        if self.recurrence is None and self._replayed_flat:
            return theano.OrderedUpdates()
        if self.recurrence is None:
            raise ValueError("get_automatic_updates needs a recurrence: call get_sessions first")
        return self.recurrence.get_automatic_updates(recurrent)

    _check_layer = staticmethod(check_layer)
    _check_init_pairs = staticmethod(check_init_pairs)


def _require_flags(flags, argument):
    """Keyword-argument dicts (``output_flags``, ``function_flags``) are dicts or None."""
    if flags is not None and not isinstance(flags, dict):
        raise TypeError("`%s` must be a dict of keyword arguments or None, got %s"
                        % (argument, type(flags).__name__))


def _preceding_memories(environment):
    """The stored memories before tick 0 as a list aligned with the agent's, else 'zeros'."""
    memories = getattr(environment, "preceding_agent_memories", None)
    memories = [] if memories is None else check_list(memories)
    return memories if len(memories) > 0 else "zeros"


def _required_is_alive(environment):
    """The environment's ``is_alive`` [batch, tick], needed by ``zero_memory_on_reset``."""
    is_alive = getattr(environment, "is_alive", None)
    if is_alive is None:
        raise ValueError("zero_memory_on_reset=True needs the environment's `is_alive` "
                         "[batch, tick]; %s has none" % type(environment).__name__)
    return is_alive


def _shapes(shapes):
    """Shapes as tuples: an int ``n`` is the 1-D shape ``(n,)``."""
    return [tuple(s) if isinstance(s, (list, tuple)) else (s,) for s in shapes]





def _check_recurrence_kwargs(kwargs):
    """``get_sessions`` forwards only ``recurrence_name``; anything else is a typo."""
    for keyword in kwargs:
        if keyword != "recurrence_name":
            known = [name for name in inspect.signature(MDPAgent.get_sessions).parameters
                     if name not in ("self", "kwargs")] + ["recurrence_name"]
            raise TypeError(unknown_keyword_message("MDPAgent.get_sessions", keyword, known))
