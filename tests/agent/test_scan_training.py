r"""Spec 11 test_scan: the boolean-reasoning agent trained with the library's Q-learning loss.

The agent, loss and optimiser are the original test's: an ``RNNCell`` of 64
units named ``rnn0``, linear Q-values, epsilon-greedy actions, sessions of 10
ticks played against the Theano environment, and

.. math::
    L = \frac{1}{B} \sum_b \sum_t \text{alive}_{b,t}
        \left(Q(s_t, a_t) - \mathrm{sg}[r_t + \gamma \, \text{alive}_{b,t+1}
        \max_a Q(s_{t+1}, a)]\right)^2 + 10^{-3} \sum_W \lVert W \rVert^2

(:func:`agentnet.learning.qlearning.get_elementwise_objective`, gamma a shared
0.99, the last tick only bootstraps), minimised by Adadelta with learning rate
0.1 for 50 epochs on fresh batches of 25 worlds. The original only checked that
this runs; here the loss of a fixed batch of sessions must also go down. The
loss is also written inline, so that the timeline (rewards, ``is_alive`` and
Q-values lined up tick by tick) is checked independently of
``agentnet.learning``. Whether training reaches a good policy is
tests/learning/test_convergence.py's business.
"""
import itertools

import lasagne
import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import DenseLayer, InputLayer
from lasagne.regularization import l2, regularize_network_params
from lasagne.updates import adadelta

from agentnet.agent import Agent
from agentnet.experiments.boolean_reasoning import BooleanReasoningEnvironment
from agentnet.learning import qlearning
from agentnet.memory import RNNCell
from agentnet.resolver import EpsilonGreedyResolver

SESSION_LENGTH = 10
BATCH_SIZE = 25
N_EPOCHS = 50
#: Uniformly random play: the sessions' distribution does not drift while the
#: Q-values learn, so the loss of one fixed batch measures progress.
EPSILON = 1.0
SEED = 0


def inline_td_loss(qvalues, actions, rewards, is_alive, gamma):
    """The 1-step Q-learning loss of the docstring without regularisation, from scratch."""
    is_alive = T.cast(is_alive, qvalues.dtype)
    taken = T.eq(T.arange(qvalues.shape[2])[None, None, :], actions[:, :, None])
    qvalues_taken = (qvalues * taken).sum(axis=2)
    # r_t + gamma * max_a Q(s_{t+1}, a); a session that ended has no next value
    values_next = qvalues[:, 1:].max(axis=2) * is_alive[:, 1:]
    reference = rewards[:, :-1] + gamma * values_next
    errors = (qvalues_taken[:, :-1] - reference) ** 2 * is_alive[:, :-1]
    return errors.sum(axis=1).mean()


def build_agent(epsilon):
    """Spec 11 test_scan's agent: RNN(64) memory, linear Q-values, epsilon-greedy actions."""
    env = BooleanReasoningEnvironment()
    observation = InputLayer((None,) + tuple(env.observation_shapes), name="observation")
    prev_memory = InputLayer((None, 64), name="prev_memory")
    memory = RNNCell(prev_memory, observation, name="rnn0")
    qvalues = DenseLayer(memory, env.n_actions, nonlinearity=None, name="QEvaluator")
    resolver = EpsilonGreedyResolver(qvalues, epsilon=epsilon, seed=None, name="resolver")
    return env, Agent(observation, {memory: prev_memory}, qvalues, resolver)


@pytest.fixture(scope="module")
def scan_scenario():
    """The compiled ``train()`` and ``evaluate()`` of spec 11 test_scan, seeded."""
    np.random.seed(SEED)
    lasagne.random.set_rng(np.random.RandomState(SEED))
    epsilon = theano.shared(np.float32(EPSILON), name="epsilon")
    env, agent = build_agent(epsilon)
    (states,), observations, _, actions, qvalues = agent.get_sessions(
        env, session_length=SESSION_LENGTH, batch_size=env.batch_size)
    auto_updates = agent.get_automatic_updates()
    rewards = env.get_reward_sequences(states, actions)
    is_alive = env.get_whether_alive(observations)
    gamma = theano.shared(np.float32(0.99), name="gamma")
    elementwise = qlearning.get_elementwise_objective(
        qvalues, actions, rewards, is_alive, gamma_or_gammas=gamma)
    td_loss = elementwise.sum(axis=1).mean()
    loss = td_loss + 1e-3 * regularize_network_params(agent.policy[0], l2)
    updates = adadelta(loss, agent.get_all_params(trainable=True), learning_rate=0.1)
    train = theano.function([], loss, updates=updates + auto_updates)
    evaluate = theano.function(
        [], [td_loss, inline_td_loss(qvalues, actions, rewards, is_alive, gamma)],
        updates=auto_updates)
    return env, agent.action_layers[0], train, evaluate


def evaluation_loss(env, resolver, evaluate):
    """TD loss of one fixed batch: 40 copies of each of the 8 worlds, played at random.

    With epsilon 1, reseeding the resolver's stream replays the same actions
    whatever the parameters, so only the Q-values differ between calls.
    """
    worlds = np.array(list(itertools.product([0, 1], repeat=3)) * 40)
    env.set_data_batch(worlds, np.stack([worlds[:, 0], 1 - worlds[:, 0]], axis=1))
    resolver.rng.seed(SEED)
    return float(evaluate()[0])


def test_library_loss_equals_inline_td_loss(scan_scenario):
    """Q-learning's loss, summed over ticks and averaged over sessions, is the inline one."""
    env, _, _, evaluate = scan_scenario
    env.generate_new_data_batch(BATCH_SIZE)
    library, inline = evaluate()
    np.testing.assert_allclose(library, inline, rtol=1e-5)


@pytest.mark.slow
def test_scan_scenario_loss_goes_down(scan_scenario):
    """50 Adadelta epochs on fresh batches of 25: the loss of a fixed batch falls.

    The training losses themselves are too noisy for so few small steps (one
    batch of 25 varies more than 50 epochs improve), so only their finiteness is
    checked.
    """
    env, resolver, train, evaluate = scan_scenario
    np.random.seed(SEED)
    before = evaluation_loss(env, resolver, evaluate)
    losses = []
    for _ in range(N_EPOCHS):
        env.generate_new_data_batch(BATCH_SIZE)
        losses.append(float(train()))
    after = evaluation_loss(env, resolver, evaluate)
    assert np.all(np.isfinite(losses))
    assert after < before, (before, after)
