"""The original's test_scan and test_convergence scenarios on the boolean-reasoning problem."""
import lasagne
import numpy as np
import pytest
import theano
from lasagne.layers import DenseLayer, InputLayer
from lasagne.regularization import l2, regularize_network_params
from lasagne.updates import adadelta

from agentnet.agent import Agent
from agentnet.environment import SessionPoolEnvironment
from agentnet.experiments.boolean_reasoning import BooleanReasoningEnvironment
from agentnet.learning import qlearning
from agentnet.memory import RNNCell
from agentnet.resolver import EpsilonGreedyResolver


def build_training():
    """Spec 11 test_scan: RNN(64) agent, 1-step Q-learning (gamma 0.99), L2 1e-3, Adadelta."""
    np.random.seed(0)
    lasagne.random.set_rng(np.random.RandomState(0))
    env = BooleanReasoningEnvironment()
    observation = InputLayer((None,) + tuple(env.observation_shapes), name="observation")
    prev_memory = InputLayer((None, 64), name="prev_memory")
    memory = RNNCell(prev_memory, observation, name="rnn0")
    qvalues = DenseLayer(memory, env.n_actions, nonlinearity=None, name="QEvaluator")
    resolver = EpsilonGreedyResolver(qvalues, epsilon=theano.shared(np.float32(0.1)),
                                     name="resolver")
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
    session_reward = (rewards * is_alive).sum(axis=1).mean()
    train = theano.function([], [loss, session_reward],
                            updates=adadelta(loss, params, learning_rate=0.1))
    evaluate = theano.function([], [loss, session_reward])
    play = theano.function([], [observations, actions, rewards, is_alive])
    return env, agent, train, evaluate, play


def replay_training(agent, pool):
    """Q-learning on the sessions stored in ``pool`` (replay mode), same loss as test_scan."""
    _, _, _, _, qvalue_seq = agent.get_sessions(pool, session_length=10,
                                                 experience_replay=True)
    loss = qlearning.get_elementwise_objective(qvalue_seq, pool.actions[0], pool.rewards,
                                               pool.is_alive, gamma_or_gammas=0.99)
    loss = loss.sum(axis=1).mean()
    params = agent.get_all_params(trainable=True)
    return theano.function([], loss, updates=adadelta(loss, params, learning_rate=0.1))


@pytest.mark.slow
def test_training_runs_and_the_loss_of_recorded_sessions_goes_down():
    """test_scan's 50 epochs, then the loss on a fixed recorded batch falls when trained on."""
    env, agent, train, evaluate, play = build_training()
    for _ in range(50):
        env.generate_new_data_batch(25)
        train()
    env.generate_new_data_batch(25)
    observations, actions, rewards, is_alive = play()
    pool = SessionPoolEnvironment(observations=agent.observation_layers,
                                  actions=agent.action_layers, agent_memories=[])
    pool.load_sessions([observations], [actions], rewards, is_alive)
    step = replay_training(agent, pool)
    losses = [float(step()) for _ in range(30)]
    assert losses[-1] < 0.85 * losses[0], losses
    assert np.mean(np.diff(losses) < 0) >= 0.9, losses


@pytest.mark.slow
def test_greedy_reward_improves():
    """Spec 11 test_convergence, shortened: greedy play beats its untrained self."""
    env, agent, train, evaluate, _ = build_training()
    epsilon = agent.action_layers[0].epsilon
    epsilon.set_value(np.float32(0))
    env.generate_new_data_batch(500)
    before = float(evaluate()[1])
    for step in range(400):
        epsilon.set_value(np.float32(0.05 + 0.45 * np.exp(-step / 200.)))
        env.generate_new_data_batch(25)
        train()
    epsilon.set_value(np.float32(0))
    env.generate_new_data_batch(500)
    after = float(evaluate()[1])
    assert after > before + 1.0, (before, after)
