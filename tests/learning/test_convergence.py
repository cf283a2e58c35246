r"""Spec 11 test_convergence: a recurrent agent learns boolean reasoning with each objective.

The agent is spec 11 test_scan's: an ``RNNCell`` of 64 units named ``rnn0``
reads the observation and drives a linear Q-value head (Q-learning, SARSA) or
a softmax policy head and a linear state-value head (A2C). It plays sessions
of 10 ticks against the Theano environment, on-policy, on a fresh batch of 25
worlds per epoch, and minimises

.. math::
    L = \frac{1}{B} \sum_b \sum_t L_{b,t} + 10^{-3} \sum_W \lVert W \rVert^2

with :math:`L_{b,t}` the library's elementwise objective (masked by
``is_alive``). Every 100 epochs the greedy policy plays each of the 8
possible worlds once, which gives its exact expected session reward. A case
passes when that exceeds 2 (spec 11's threshold): the best policy (open
X1, then the category it implies) earns 3, and the trap the agents fall into
first (open Y1 blind, then Y2 if it was wrong or X1 if it was right) earns
exactly 2.

Exploration follows :math:`\xi_k = 0.05 + 0.95 e^{-k/500}` at epoch :math:`k`:
the Q-value agents are :math:`\xi_k`-greedy; A2C samples from its policy and
adds the entropy bonus :math:`-\xi_k H(\pi(\cdot|s_t))` to its loss (Mnih et
al. 2016 use a constant weight of 0.01; without the bonus our A2C settles in
the trap, or a worse one worth 1.5, within a few hundred epochs).

Deviations from the original test, for speed and reliability on two cores.
With them, over ``SEED`` 0 to 9, every case passed within 800 epochs and most
within 300 (``SEED`` 0: 200 to 300 epochs each).

* Adam (learning rate 0.01) instead of Adadelta (learning rate 0.1), and
  Glorot-uniform RNN weights instead of ``RNNCell``'s uniform(+-0.01), with
  which the Q-values barely see the observation at first. With the
  original's optimiser, initialisation and schedule, the three Q-value cases
  needed from 1400 to over 6000 epochs on seeds 1 to 3, mostly in the trap.
* Gamma 0.9 instead of 0.99: with 0.99 and no target network, 1-step
  Q-learning settled on "end the session at once" (reward 0) for 2 of 10
  seeds within 3000 epochs, and took up to 1700 epochs on others.
* :math:`e^{-k/500}` in the exploration schedule instead of :math:`e^{-k/2500}`;
  at most 3000 epochs instead of 5000.
* The 3-step case passes ``n_steps=3`` to the objective; the original named
  its third parameter ``n_steps`` but never passed it, so its three cases all
  trained 1-step references.
* The A2C case (3-step references, entropy bonus) is new.
"""
import itertools

import lasagne
import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.init import GlorotUniform
from lasagne.layers import DenseLayer, InputLayer, get_all_param_values, set_all_param_values
from lasagne.nonlinearities import softmax
from lasagne.regularization import l2, regularize_network_params
from lasagne.updates import adam

from agentnet.agent import Agent
from agentnet.experiments.boolean_reasoning import BooleanReasoningEnvironment
from agentnet.learning import a2c, qlearning, sarsa
from agentnet.memory import RNNCell
from agentnet.resolver import EpsilonGreedyResolver, GreedyResolver, ProbabilisticResolver

SEED = 0
N_UNITS = 64
SESSION_LENGTH = 10
BATCH_SIZE = 25
GAMMA = 0.9             # spec 11 has 0.99; see the module docstring
L2_PENALTY = 1e-3       # spec 11
LEARNING_RATE = 0.01    # Adam
MAX_EPOCHS = 3000
CHECK_EVERY = 100
TARGET_REWARD = 2.0     # spec 11: greedy mean session reward must exceed it

#: All 8 worlds (X1, X2, X3); the categories follow from X1.
WORLDS = np.array(list(itertools.product([0, 1], repeat=3)))
CATEGORIES = np.stack([WORLDS[:, 0], 1 - WORLDS[:, 0]], axis=1)


def exploration_at(epoch):
    """From 1 down to 0.05: the Q-value agents' epsilon and the weight of A2C's entropy bonus."""
    return 0.05 + 0.95 * np.exp(-epoch / 500.)


class Trainee(object):
    """One agent, its symbolic sessions and its compiled greedy evaluation.

    The Q-learning cases share one, so each case first calls :meth:`reset`
    and then compiles only its own training function.
    """

    def __init__(self, build_heads, resolver):
        self.exploration = theano.shared(np.float32(1), name="exploration")
        self.env = BooleanReasoningEnvironment()
        observation = InputLayer((None, 8), name="observation")
        prev_memory = InputLayer((None, N_UNITS), name="prev_memory")
        memory = RNNCell(prev_memory, observation, name="rnn0",
                         Whid=GlorotUniform(), Winp=GlorotUniform())
        policy = build_heads(memory)
        self.heads = policy if isinstance(policy, list) else [policy]
        self.resolver = resolver(self.heads[0], self.exploration)
        self.agent = Agent(observation, {memory: prev_memory}, policy, self.resolver)
        greedy = Agent(observation, {memory: prev_memory}, policy,
                       GreedyResolver(self.heads[0], name="greedy"))
        self.sessions = self._rewarded_sessions(self.agent)
        self.greedy_reward = theano.function([], self._rewarded_sessions(greedy)["reward"])
        self.initial_values = get_all_param_values(self.heads)

    def _rewarded_sessions(self, agent):
        (states,), observations, _, actions, policy = agent.get_sessions(
            self.env, session_length=SESSION_LENGTH, batch_size=self.env.batch_size)
        rewards = self.env.get_reward_sequences(states, actions)
        is_alive = self.env.get_whether_alive(observations)
        return dict(actions=actions, policy=policy, rewards=rewards, is_alive=is_alive,
                    reward=(rewards * is_alive).sum(axis=1).mean())

    def reset(self):
        """Initial weights, resolver stream and world generator."""
        set_all_param_values(self.heads, self.initial_values)
        self.resolver.rng.seed(SEED)
        np.random.seed(SEED)

    def compile_training(self, objective):
        """``train() -> loss``: one Adam step on the objective of freshly played sessions."""
        elementwise = objective(self.sessions, self.exploration)
        loss = elementwise.sum(axis=1).mean() \
            + L2_PENALTY * regularize_network_params(self.heads, l2)
        params = lasagne.layers.get_all_params(self.heads, trainable=True)
        updates = adam(loss, params, learning_rate=LEARNING_RATE)
        return theano.function([], loss, updates=updates + self.agent.get_automatic_updates())

    def evaluate(self):
        """Expected greedy session reward: every world once."""
        self.env.set_data_batch(WORLDS, CATEGORIES)
        return float(self.greedy_reward())


def _seed():
    np.random.seed(SEED)
    lasagne.random.set_rng(np.random.RandomState(SEED))


@pytest.fixture(scope="module")
def q_agent():
    """Linear Q-values; epsilon-greedy on them."""
    _seed()
    return Trainee(
        lambda memory: DenseLayer(memory, 6, nonlinearity=None, name="qvalues"),
        lambda qvalues, epsilon: EpsilonGreedyResolver(qvalues, epsilon=epsilon, seed=None))


@pytest.fixture(scope="module")
def actor_critic():
    """Softmax policy and linear state value; actions sampled from the policy."""
    _seed()
    return Trainee(
        lambda memory: [DenseLayer(memory, 6, nonlinearity=softmax, name="policy"),
                        DenseLayer(memory, 1, nonlinearity=None, name="state_value")],
        lambda policy, _: ProbabilisticResolver(policy, seed=None))


def policy_entropy(policy, is_alive):
    r"""Entropy :math:`H_t = -\sum_a \pi(a|s_t) \log \pi(a|s_t)` ``[batch, tick]``, masked.

    Probabilities are floored at 1e-8 so that a vanished action gives 0, not NaN.
    """
    return -(policy * T.log(T.maximum(policy, 1e-8))).sum(axis=-1) * is_alive


def td_objective(algorithm, **kwargs):
    """The elementwise loss of ``algorithm`` (qlearning or sarsa) on the played sessions."""
    def objective(sessions, _):
        return algorithm.get_elementwise_objective(
            sessions["policy"], sessions["actions"], sessions["rewards"], sessions["is_alive"],
            gamma_or_gammas=GAMMA, **kwargs)
    return objective


def a2c_objective(sessions, exploration):
    """3-step A2C plus an entropy bonus weighted by the exploration schedule."""
    policy, state_values = sessions["policy"]  # [batch, tick, 6], [batch, tick, 1]
    actor_critic = a2c.get_elementwise_objective(
        policy, state_values[:, :, 0], sessions["actions"], sessions["rewards"],
        sessions["is_alive"], n_steps=3, gamma_or_gammas=GAMMA)
    # Entropy bonus (Mnih et al. 2016), large early on: without it the policy
    # settles on a trap worth 1.5 or 2 within a few hundred epochs.
    return actor_critic - exploration * policy_entropy(policy, sessions["is_alive"])


@pytest.mark.slow
@pytest.mark.parametrize("objective, trainee_fixture", [
    (td_objective(qlearning), "q_agent"),
    (td_objective(sarsa), "q_agent"),
    # Really 3-step: the original test named this case n_steps=3 but never passed it.
    (td_objective(qlearning, n_steps=3), "q_agent"),
    (a2c_objective, "actor_critic"),
], ids=["qlearning", "sarsa", "qlearning-3-step", "a2c"])
@pytest.mark.filterwarnings("ignore::agentnet.learning.generic.UnbootstrappedTicksWarning")
def test_greedy_reward_exceeds_2(objective, trainee_fixture, request):
    """Train on fresh batches until the greedy policy's expected reward exceeds 2."""
    trainee = request.getfixturevalue(trainee_fixture)
    trainee.reset()
    train = trainee.compile_training(objective)
    history = []
    for epoch in range(1, MAX_EPOCHS + 1):
        trainee.exploration.set_value(np.float32(exploration_at(epoch - 1)))
        trainee.env.generate_new_data_batch(BATCH_SIZE)
        train()
        if epoch % CHECK_EVERY == 0:
            history.append((epoch, trainee.evaluate()))
            if history[-1][1] > TARGET_REWARD:
                break
    print("greedy reward by epoch:", history)  # shown by pytest -rP
    assert history[-1][1] > TARGET_REWARD, history
