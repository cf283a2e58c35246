"""Recurrent replay with burn-in (get_sessions(..., burn_in=k)): values unchanged, and the
gradient equals that of a two-phase reference whose memory after the burn-in is a constant."""
from collections import OrderedDict

import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import DenseLayer, InputLayer, get_all_params

from agentnet.agent import Agent
from agentnet.environment import SessionBatchEnvironment
from agentnet.memory import GRUCell
from agentnet.resolver import GreedyResolver

floatX = theano.config.floatX
N_SESSIONS, N_TICKS, OBS, HIDDEN, N_ACTIONS, BURN_IN = 3, 6, 2, 4, 3, 2


def gru_agent():
    observation = InputLayer((None, OBS), name="observation")
    prev_hidden = InputLayer((None, HIDDEN), name="prev_hidden")
    hidden = GRUCell(prev_hidden, observation, name="gru")
    qvalues = DenseLayer(hidden, N_ACTIONS, nonlinearity=None, name="qvalues")
    return Agent(observation, OrderedDict([(hidden, prev_hidden)]), qvalues,
                 GreedyResolver(qvalues, name="action"))


@pytest.fixture(scope="module")
def recorded():
    rng = np.random.RandomState(7)
    return (rng.randn(N_SESSIONS, N_TICKS, OBS).astype(floatX),
            rng.randint(0, N_ACTIONS, size=(N_SESSIONS, N_TICKS)).astype("int32"),
            rng.randn(N_SESSIONS, HIDDEN).astype(floatX))


def batch_of(observations, actions, memory):
    return SessionBatchEnvironment(observations, [(OBS,)], actions,
                                   preceding_agent_memories=[memory])


def learning_loss(qvalues, first_tick):
    """A loss on the learning ticks only: sum of squared Q over ticks first_tick.. ."""
    return T.sqr(qvalues[:, first_tick:]).sum()


def loss_and_grads(agent, loss):
    params = get_all_params(agent.action_layers, trainable=True)
    return theano.function([], [loss] + theano.grad(loss, params))()


@pytest.fixture(scope="module")
def burn_in_results(recorded):
    agent = gru_agent()
    observations, actions, memory = [theano.shared(x) for x in recorded]
    batch = batch_of(observations, actions, memory)
    q_burn = agent.get_sessions(batch, N_TICKS, experience_replay=True, burn_in=BURN_IN)[-1]
    q_plain = agent.get_sessions(batch, N_TICKS, experience_replay=True)[-1]
    values = theano.function([], [q_burn, q_plain])()
    return agent, (observations, actions, memory), values, \
        loss_and_grads(agent, learning_loss(q_burn, BURN_IN)), \
        loss_and_grads(agent, learning_loss(q_plain, BURN_IN))


@pytest.mark.numerics
def test_burn_in_keeps_the_values_of_the_plain_replay(burn_in_results):
    _, _, (q_burn, q_plain), _, _ = burn_in_results
    np.testing.assert_allclose(q_burn, q_plain, rtol=1e-6)


@pytest.mark.numerics
def test_gradient_equals_a_replay_started_from_the_burnt_in_memory_as_a_constant(
        burn_in_results):
    agent, (observations, actions, memory), _, (loss, *grads), _ = burn_in_results
    burn = batch_of(observations[:, :BURN_IN], actions[:, :BURN_IN], memory)
    hidden_after_burn_in = list(agent.get_sessions(burn, BURN_IN,
                                                   experience_replay=True)[2].values())[0]
    constant_memory = theano.gradient.disconnected_grad(hidden_after_burn_in[:, -1])
    learn = batch_of(observations[:, BURN_IN:], actions[:, BURN_IN:], constant_memory)
    q_learn = agent.get_sessions(learn, N_TICKS - BURN_IN, experience_replay=True)[-1]
    reference_loss, *reference_grads = loss_and_grads(agent, learning_loss(q_learn, 0))
    np.testing.assert_allclose(loss, reference_loss, rtol=1e-5)
    for got, expected in zip(grads, reference_grads):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.numerics
def test_without_burn_in_the_gradient_flows_through_the_first_ticks(burn_in_results):
    _, _, _, (_, *burn_grads), (_, *plain_grads) = burn_in_results
    gru_weights = [(b, p) for b, p in zip(burn_grads, plain_grads) if b.ndim == 2]
    assert any(not np.allclose(b, p) for b, p in gru_weights)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"burn_in": -1}, ValueError, r"`burn_in` must be an int >= 0 \(ticks\), got -1"),
    ({"burn_in": 1.5}, TypeError, r"`burn_in` must be an int >= 0 \(ticks\), got 1.5"),
    ({"burn_in": N_TICKS}, ValueError,
     r"`burn_in` must be smaller than `session_length` \(6\) to leave learning ticks, got 6"),
    ({"burn_in": 1, "experience_replay": False}, ValueError,
     r"burn_in=1 needs experience_replay=True"),
], ids=["negative", "float", "no-learning-ticks", "active-mode"])
def test_bad_burn_in_is_named(recorded, kwargs, error, message):
    observations, actions, memory = [theano.shared(x) for x in recorded]
    arguments = dict(experience_replay=True, batch_size=N_SESSIONS)
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        gru_agent().get_sessions(batch_of(observations, actions, memory), N_TICKS, **arguments)
