"""The original's test_scan scenario, end to end, asserting that the loss goes down."""
import numpy as np
import pytest
import theano
from lasagne.layers import DenseLayer, InputLayer
from lasagne.regularization import l2, regularize_network_params
from lasagne.updates import adadelta

from agentnet.agent import Agent
from agentnet.experiments.boolean_reasoning import BooleanReasoningEnvironment
from agentnet.learning import qlearning
from agentnet.memory import RNNCell
from agentnet.resolver import EpsilonGreedyResolver


EPOCHS = 200


@pytest.mark.slow
def test_boolean_reasoning_q_learning_loss_goes_down():
    np.random.seed(0)
    env = BooleanReasoningEnvironment()
    observation = InputLayer((None,) + tuple(env.observation_shapes), name="observation")
    prev_memory = InputLayer((None, 64), name="prev_memory")
    memory = RNNCell(prev_memory, observation, name="rnn0")
    qvalues = DenseLayer(memory, env.n_actions, nonlinearity=None, name="QEvaluator")
    epsilon = theano.shared(np.float32(0.1))
    resolver = EpsilonGreedyResolver(qvalues, epsilon=epsilon, name="resolver")
    agent = Agent(observation, {memory: prev_memory}, qvalues, resolver)
    (states,), observations, _, actions, qvalue_seq = agent.get_sessions(
        env, session_length=10, batch_size=env.batch_size)
    rewards = env.get_reward_sequences(states, actions)
    is_alive = env.get_whether_alive(observations)
    gamma = theano.shared(np.float32(0.99))
    loss = qlearning.get_elementwise_objective(qvalue_seq, actions, rewards, is_alive,
                                               gamma_or_gammas=gamma).sum(axis=1).mean()
    loss += 1e-3 * regularize_network_params(resolver, l2)
    params = agent.get_all_params(trainable=True)
    train = theano.function([], loss, updates=adadelta(loss, params, learning_rate=0.1))
    losses = []
    for _ in range(EPOCHS):
        env.generate_new_data_batch(25)
        losses.append(float(train()))
    first, last = np.mean(losses[:EPOCHS // 5]), np.mean(losses[-EPOCHS // 5:])
    assert last < 0.7 * first, (first, last)
