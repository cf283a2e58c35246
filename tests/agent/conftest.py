"""A tiny deterministic Theano environment and agent shared by the agent tests."""
import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import DenseLayer, ElemwiseSumLayer, InputLayer, NonlinearityLayer
from lasagne.nonlinearities import tanh

from agentnet.agent import Agent
from agentnet.environment import BaseEnvironment
from agentnet.resolver import GreedyResolver


class CounterEnvironment(BaseEnvironment):
    """State: a count [batch, 1]; each action adds (action + 1); observes (count, action, 1)."""

    def __init__(self):
        BaseEnvironment.__init__(self, [(1,)], [(3,)], [()])

    def get_action_results(self, last_states, actions, **kwargs):
        count = last_states[0] + T.cast(actions[0] + 1, theano.config.floatX)[:, None]
        ones = T.ones_like(count)
        observation = T.concatenate([count, T.cast(actions[0], theano.config.floatX)[:, None],
                                     ones], axis=1)
        return count, observation


def build_agent(n_memory=4, n_actions=3, observation_size=3, resolver=GreedyResolver):
    """h' = tanh(o W_o + h W_h + b_h); Q = h' W_q + b_q; action from ``resolver(Q)``."""
    observation = InputLayer((None, observation_size), name="observation")
    prev_memory = InputLayer((None, n_memory), name="prev_memory")
    memory = NonlinearityLayer(ElemwiseSumLayer([
        DenseLayer(observation, n_memory, nonlinearity=None, b=None),
        DenseLayer(prev_memory, n_memory, nonlinearity=None)]), tanh, name="memory")
    qvalues = DenseLayer(memory, n_actions, nonlinearity=None, name="qvalues")
    action = resolver(qvalues, name="action")
    return Agent(observation, {memory: prev_memory}, qvalues, action)


@pytest.fixture
def environment():
    return CounterEnvironment()


@pytest.fixture
def agent():
    return build_agent()


def numpy_memory_step(agent, observation, memory):
    """One tick of build_agent's memory and Q-values in numpy."""
    memory_layer = list(agent.agent_states)[0]
    dense_obs, dense_mem = memory_layer.input_layer.input_layers
    new_memory = np.tanh(observation @ dense_obs.W.get_value()
                         + memory @ dense_mem.W.get_value() + dense_mem.b.get_value())
    q_layer = agent.policy[0]
    qvalues = new_memory @ q_layer.W.get_value() + q_layer.b.get_value()
    return new_memory, qvalues
