"""MDPAgent: the session timeline in active and replay modes, react function, parameters."""
from collections import OrderedDict

import numpy as np
import pytest
import theano
import theano.tensor as T

from agentnet.environment import SessionBatchEnvironment
from tests.agent.conftest import build_agent, numpy_memory_step

floatX = theano.config.floatX
SESSION_LENGTH = 4


def _numpy_rollout(agent, batch_size, initial_observation):
    """The active-mode timeline, tick by tick, in numpy."""
    counts = np.zeros((batch_size, 1))
    observation = initial_observation
    memory = np.zeros((batch_size, 4))
    record = {"states": [], "observations": [], "memories": [], "actions": [], "qvalues": []}
    for _ in range(SESSION_LENGTH):
        record["states"].append(counts.copy())
        record["observations"].append(observation)
        memory, qvalues = numpy_memory_step(agent, observation, memory)
        action = qvalues.argmax(axis=1)
        record["memories"].append(memory)
        record["qvalues"].append(qvalues)
        record["actions"].append(action)
        counts = counts + action[:, None] + 1
        observation = np.concatenate([counts, action[:, None], np.ones_like(counts)], axis=1)
    return {k: np.stack(v, axis=1) for k, v in record.items()}


@pytest.mark.numerics
@pytest.mark.parametrize("unroll", [True, False], ids=["unrolled", "scan"])
def test_active_mode_timeline_matches_numpy(agent, environment, unroll):
    first_observation = T.matrix("first_observation")
    (states,), observations, memories, actions, qvalues = agent.get_sessions(
        environment, SESSION_LENGTH, batch_size=first_observation.shape[0],
        initial_observations=[first_observation], unroll_scan=unroll)
    memory_layer = list(agent.agent_states)[0]
    f = theano.function([first_observation],
                        [states, observations, memories[memory_layer], actions, qvalues],
                        allow_input_downcast=True)
    start = np.random.RandomState(0).randn(2, 3)
    got = dict(zip(["states", "observations", "memories", "actions", "qvalues"], f(start)))
    expected = _numpy_rollout(agent, 2, start)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-4, atol=1e-4, err_msg=key)
    np.testing.assert_allclose(got["observations"][:, 0], start, rtol=1e-5)
    np.testing.assert_array_equal(got["states"][:, 0], 0)


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
    session_action, session_memory = sessions(start)
    np.testing.assert_array_equal(react_action, session_action)
    np.testing.assert_allclose(react_memory, session_memory, rtol=1e-5, atol=1e-6)


@pytest.mark.numerics
def test_replay_feeds_recorded_actions_and_preceding_memories(agent):
    rng = np.random.RandomState(2)
    observations = theano.shared(rng.randn(2, SESSION_LENGTH, 3).astype(floatX))
    recorded = theano.shared(rng.randint(0, 3, size=(2, SESSION_LENGTH)).astype("int32"))
    memory0 = theano.shared(rng.randn(2, 4).astype(floatX))
    batch = SessionBatchEnvironment(observations, [(3,)], recorded,
                                    preceding_agent_memories=[memory0])
    (ticks,), replay_obs, memories, replay_actions, qvalues = agent.get_sessions(
        batch, SESSION_LENGTH, experience_replay=True)
    assert replay_obs is batch.observations[0]
    memory_layer = list(agent.agent_states)[0]
    got_ticks, got_actions, got_memories, got_q = theano.function(
        [], [ticks, replay_actions, memories[memory_layer], qvalues])()
    np.testing.assert_array_equal(got_ticks, np.arange(SESSION_LENGTH))
    np.testing.assert_array_equal(got_actions, recorded.get_value())
    memory = memory0.get_value()
    for t in range(SESSION_LENGTH):
        memory, q = numpy_memory_step(agent, observations.get_value()[:, t], memory)
        np.testing.assert_allclose(got_memories[:, t], memory, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(got_q[:, t], q, rtol=1e-4, atol=1e-4)


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
