"""The boolean-reasoning environment against hand-computed sessions."""
import numpy as np
import theano
import theano.tensor as T

from agentnet.experiments.boolean_reasoning import BooleanReasoningEnvironment


def test_shapes_and_constants():
    env = BooleanReasoningEnvironment()
    assert (None,) + tuple(env.observation_shapes) == (None, 8)
    assert env.state_shapes == (6,) and env.action_shapes == ((),)
    assert env.n_actions == 6 and env.feature_names[-1] == "End_session_now"
    x, y = env._generate_data(100)
    np.testing.assert_array_equal(y[:, 0], x[:, 0])
    np.testing.assert_array_equal(y[:, 1], 1 - x[:, 0])


def _rollout(env, actions):
    """Play fixed action sequences from the zero state; returns states before each tick."""
    state = T.matrix()
    action = T.ivector()
    step = theano.function([state, action], env.get_action_results([state], [action]),
                           allow_input_downcast=True)
    states, observations = [np.zeros((actions.shape[0], 6))], []
    for t in range(actions.shape[1]):
        new_state, observation = step(states[-1], actions[:, t])
        states.append(new_state)
        observations.append(observation)
    return np.stack(states[:-1], axis=1), np.stack(observations, axis=1)


def test_known_rewards_and_alive_mask():
    env = BooleanReasoningEnvironment()
    env.set_data_batch(np.array([[1, 0, 1], [0, 1, 1]]), np.array([[1, 0], [0, 1]]))
    actions = np.array([[0, 3, 3, 5, 1], [1, 3, 5, 2, 2]], dtype="int32")
    states, observations = _rollout(env, actions)
    states_var, actions_var, obs_var = T.tensor3(), T.imatrix(), T.tensor3()
    rewards = env.get_reward_sequences(states_var, actions_var)
    alive = env.get_whether_alive(obs_var)
    f = theano.function([states_var, actions_var, obs_var], [rewards, alive],
                        allow_input_downcast=True)
    got_rewards, got_alive = f(states, actions, observations)
    # session 0: X1=1 (+1), Y1=1 (+3), Y1 again (-0.5), end (0), after the end (0)
    # session 1: X2=1 (+1), Y1=0 (-3), end (0), then nothing counts
    np.testing.assert_allclose(got_rewards, [[1, 3, -0.5, 0, 0], [1, -3, 0, 0, 0]])
    np.testing.assert_array_equal(got_alive, [[1, 1, 1, 0, 0], [1, 1, 0, 0, 0]])
    np.testing.assert_array_equal(observations[0, 0], [1, 0, 1, 0, 0, 0, 0, 0])
