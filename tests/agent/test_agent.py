"""MDPAgent: the session timeline in active and replay modes, react function, parameters."""
from collections import OrderedDict
from functools import partial

import numpy as np
import pytest
import theano
import theano.tensor as T

from agentnet.environment import SessionBatchEnvironment
from agentnet.resolver import EpsilonGreedyResolver
from tests.agent.conftest import build_agent, numpy_memory_step

floatX = theano.config.floatX
SESSION_LENGTH = 4


def _numpy_rollout(agent, observation, counts, memory):
    """The active-mode timeline, tick by tick, in numpy, from the given initial values."""
    record = {"states": [], "observations": [], "memories": [], "actions": [], "qvalues": []}
    for _ in range(SESSION_LENGTH):
        record["states"].append(counts)
        record["observations"].append(observation)
        memory, qvalues = numpy_memory_step(agent, observation, memory)
        action = qvalues.argmax(axis=1)
        record["memories"].append(memory)
        record["qvalues"].append(qvalues)
        record["actions"].append(action)
        counts = counts + action[:, None] + 1
        observation = np.concatenate([counts, action[:, None], np.ones_like(counts)], axis=1)
    return {k: np.stack(v, axis=1) for k, v in record.items()}


def _initial_values(agent, init_form):
    """Symbolic initial observation, env state and memory, given as lists or as dicts."""
    observation, count, memory = T.matrix("observation0"), T.matrix("count0"), T.matrix("memory0")
    if init_form == "list":
        inits = dict(initial_observations=[observation], initial_hidden=[memory])
    else:
        inits = dict(initial_observations={agent.observation_layers[0]: observation},
                     initial_hidden={list(agent.agent_states)[0]: memory})
    return [observation, count, memory], dict(inits, initial_env_states=[count])


@pytest.mark.numerics
@pytest.mark.parametrize("unroll, init_form", [(True, "list"), (False, "dict")],
                         ids=["unrolled-list", "scan-dict"])
def test_active_mode_timeline_matches_numpy(agent, environment, unroll, init_form):
    """env_states[t], observations[t]: before acting at t; memories[t]: after tick t."""
    inputs, inits = _initial_values(agent, init_form)
    (states,), observations, memories, actions, qvalues = agent.get_sessions(
        environment, SESSION_LENGTH, batch_size=inputs[0].shape[0], unroll_scan=unroll,
        **inits)
    memory_layer = list(agent.agent_states)[0]
    f = theano.function(inputs, [states, observations, memories[memory_layer], actions, qvalues],
                        allow_input_downcast=True)
    rng = np.random.RandomState(0)
    start = [rng.randn(2, 3), rng.randint(0, 5, size=(2, 1)).astype(float), rng.randn(2, 4)]
    got = dict(zip(["states", "observations", "memories", "actions", "qvalues"], f(*start)))
    expected = _numpy_rollout(agent, *start)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-4, atol=1e-4, err_msg=key)
    np.testing.assert_allclose(got["observations"][:, 0], start[0], rtol=1e-5)
    np.testing.assert_array_equal(got["states"][:, 0], start[1])


@pytest.mark.numerics
def test_react_function_equals_first_tick_of_sessions(agent, environment):
    first_observation = T.matrix("first_observation")
    _, _, memories, actions, _ = agent.get_sessions(
        environment, SESSION_LENGTH, batch_size=first_observation.shape[0],
        initial_observations=[first_observation])
    memory_layer = list(agent.agent_states)[0]
    sessions = theano.function([first_observation], [actions[:, 0], memories[memory_layer][:, 0]],
                               allow_input_downcast=True)
    react = agent.get_react_function()
    start = np.random.RandomState(1).randn(3, 3)
    zeros, = agent.get_zeros_like_memory(batch_size=3)
    react_action, react_memory = react(start, zeros)
    assert react_action.dtype == np.int32
    session_action, session_memory = sessions(start)
    np.testing.assert_array_equal(react_action, session_action)
    np.testing.assert_allclose(react_memory, session_memory, rtol=1e-5, atol=1e-6)


@pytest.mark.numerics
def test_replay_feeds_recorded_actions_and_preceding_memories(agent):
    """Stored sessions 2 ticks longer than the replay: only the first ticks are used."""
    rng = np.random.RandomState(2)
    stored_length = SESSION_LENGTH + 2
    observations = theano.shared(rng.randn(2, stored_length, 3).astype(floatX))
    recorded = theano.shared(rng.randint(0, 3, size=(2, stored_length)).astype("int32"))
    memory0 = theano.shared(rng.randn(2, 4).astype(floatX))
    batch = SessionBatchEnvironment(observations, [(3,)], recorded,
                                    preceding_agent_memories=[memory0])
    (ticks,), replay_obs, memories, replay_actions, qvalues = agent.get_sessions(
        batch, SESSION_LENGTH, experience_replay=True, recurrence_name="replay")
    assert replay_obs is batch.observations[0]
    assert agent.recurrence.name == "replay"
    memory_layer = list(agent.agent_states)[0]
    got_ticks, got_actions, got_memories, got_q = theano.function(
        [], [ticks, replay_actions, memories[memory_layer], qvalues])()
    np.testing.assert_array_equal(got_ticks, np.arange(SESSION_LENGTH))
    np.testing.assert_array_equal(got_actions, recorded.get_value()[:, :SESSION_LENGTH])
    assert got_actions.dtype == np.int32
    memory = memory0.get_value()
    for t in range(SESSION_LENGTH):
        memory, q = numpy_memory_step(agent, observations.get_value()[:, t], memory)
        np.testing.assert_allclose(got_memories[:, t], memory, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(got_q[:, t], q, rtol=1e-4, atol=1e-4)


@pytest.mark.numerics
@pytest.mark.parametrize("unroll", [True, False], ids=["unrolled", "scan"])
def test_zero_memory_on_reset_zeroes_memory_after_dead_ticks(agent, unroll):
    r"""h_t = alive_t * tanh(o_t W_o + h_{t-1} W_h + b); Q_t reads h_t before zeroing."""
    rng = np.random.RandomState(3)
    observations = theano.shared(rng.randn(2, SESSION_LENGTH, 3).astype(floatX))
    recorded = theano.shared(rng.randint(0, 3, size=(2, SESSION_LENGTH)).astype("int32"))
    memory0 = theano.shared(rng.randn(2, 4).astype(floatX))
    alive = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], dtype=floatX)
    batch = SessionBatchEnvironment(observations, [(3,)], recorded, is_alive=theano.shared(alive),
                                    preceding_agent_memories=[memory0])
    _, _, memories, _, qvalues = agent.get_sessions(batch, SESSION_LENGTH, experience_replay=True,
                                                    unroll_scan=unroll, zero_memory_on_reset=True)
    got_memories, got_q = theano.function([], [list(memories.values())[0], qvalues])()
    memory = memory0.get_value()
    for t in range(SESSION_LENGTH):
        memory, q = numpy_memory_step(agent, observations.get_value()[:, t], memory)
        memory = memory * alive[:, t, None]
        np.testing.assert_allclose(got_memories[:, t], memory, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(got_q[:, t], q, rtol=1e-4, atol=1e-4)


def test_zero_memory_on_reset_needs_is_alive(agent):
    batch = SessionBatchEnvironment(T.tensor3(), [(3,)], T.imatrix())
    with pytest.raises(ValueError, match="needs the environment's `is_alive`"):
        agent.get_sessions(batch, SESSION_LENGTH, experience_replay=True,
                           zero_memory_on_reset=True)


def test_deprecated_replay_flag_warns_and_still_replays(agent):
    batch = SessionBatchEnvironment(T.tensor3(), [(3,)], T.imatrix())
    with pytest.warns(DeprecationWarning, match="optimize_experience_replay is deprecated"):
        (ticks,), _, _, _, _ = agent.get_sessions(batch, SESSION_LENGTH,
                                                  optimize_experience_replay=True)
    assert ticks.ndim == 1 and agent.recurrence.name == "ReplayRecurrence"


@pytest.mark.parametrize("unroll", [True, False], ids=["unrolled", "scan-with-updates"])
def test_random_actions_differ_between_calls(environment, unroll):
    """Uniformly random actions (epsilon 1): two calls draw different sessions."""
    random_agent = build_agent(resolver=partial(EpsilonGreedyResolver, epsilon=1.0))
    result = random_agent.get_sessions(environment, SESSION_LENGTH, batch_size=5,
                                       unroll_scan=unroll, return_automatic_updates=True)
    actions, updates = result[3], result[5]
    assert bool(updates) != unroll
    play = theano.function([], actions, updates=updates)
    first, second = play(), play()
    assert first.shape == (5, SESSION_LENGTH) and set(np.unique(first)) <= {0, 1, 2}
    assert not np.array_equal(first, second)


def test_list_arguments_are_not_unwrapped_and_updates_are_appended(environment):
    single = build_agent()
    listed = type(single)([single.observation_layers[0]], single.agent_states, single.policy,
                          single.action_layers)
    result = listed.get_sessions(environment, 3, batch_size=2, unroll_scan=False,
                                 return_automatic_updates=True)
    assert len(result) == 6
    env_states, observations, memories, actions, policy, updates = result
    assert isinstance(env_states, list) and isinstance(observations, list)
    assert isinstance(actions, list) and isinstance(policy, list)
    assert isinstance(memories, OrderedDict) and isinstance(updates, theano.OrderedUpdates)


def test_zeros_like_memory_and_parameter_round_trip(agent):
    zeros, = agent.get_zeros_like_memory(batch_size=5)
    assert zeros.shape == (5, 4) and zeros.dtype == floatX and not zeros.any()
    params = agent.get_all_params()
    assert len(params) == 5
    values = [v + 1 for v in agent.get_all_param_values()]
    agent.set_all_param_values(values)
    for param, value in zip(params, values):
        np.testing.assert_array_equal(param.get_value(), value)
