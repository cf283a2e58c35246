"""BaseEnvironment's shape conventions, EnvironmentStepLayer and BaseObjective."""
import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import get_output

from agentnet.environment import BaseEnvironment, EnvironmentStepLayer
from agentnet.objective import BaseObjective


class Doubling(BaseEnvironment, BaseObjective):
    """State doubles plus the action; observes the state; reward = action * session index."""

    def __init__(self):
        BaseEnvironment.__init__(self, [(2,)], [(2,)], [()])

    def get_action_results(self, last_states, actions, **kwargs):
        new_state = 2 * last_states[0] + T.cast(actions[0], theano.config.floatX)[:, None]
        return new_state, new_state

    def get_reward(self, states, actions, batch_id):
        return T.cast(actions[0] * batch_id, theano.config.floatX)


@pytest.mark.parametrize("shapes, expected", [
    ((8,), (8,)), ((3, 4), (3, 4)), ([(3, 4)], ((3, 4),)), ([()], ((),)), (5, (5,)),
], ids=["one-1d", "two-1d", "one-2d", "scalar", "int"])
def test_shapes_are_collections_of_shapes(shapes, expected):
    env = BaseEnvironment(shapes, shapes, shapes)
    assert env.state_shapes == expected
    assert env.action_dtypes == ("int32",) * len(expected)
    assert env.state_dtypes == (theano.config.floatX,) * len(expected)


def test_step_layer_keys_shapes_and_values():
    env = Doubling()
    step = EnvironmentStepLayer(env)
    assert step.keys() == ["environment_new_state.0", "new_observations.0"]
    assert step.name == "Doubling.OneStep"
    new_states, observations = env.as_layers()
    state_in, action_in = step.input_layers
    values = get_output(list(step.values()), {
        state_in: theano.shared(np.ones((3, 2), dtype=theano.config.floatX)),
        action_in: theano.shared(np.array([0, 1, 2], dtype="int32"))})
    np.testing.assert_allclose(values[0].eval(), [[2, 2], [3, 3], [4, 4]])
    assert new_states[0].output_shape == (None, 2) and observations[0].output_shape == (None, 2)


def test_reward_sequences_map_over_sessions():
    states, actions = T.tensor3(), T.imatrix()
    rewards = Doubling().get_reward_sequences(states, actions)
    f = theano.function([states, actions], rewards, allow_input_downcast=True)
    got = f(np.zeros((2, 3, 2)), np.array([[1, 2, 3], [1, 2, 3]], dtype="int32"))
    np.testing.assert_allclose(got, [[0, 0, 0], [1, 2, 3]])


def test_abstract_methods_raise():
    with pytest.raises(NotImplementedError):
        BaseEnvironment([1], [1], [()]).get_action_results([], [])
    with pytest.raises(NotImplementedError):
        BaseObjective().get_reward([], [], 0)
