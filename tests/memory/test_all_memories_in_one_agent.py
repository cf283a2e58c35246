"""Spec 11 test_memory: every memory type in one agent, replayed from an EnvPool and trained."""
from collections import OrderedDict

import lasagne
import numpy as np
import pytest
import theano
from lasagne.layers import (ConcatLayer, DenseLayer, ExpressionLayer, InputLayer, SliceLayer,
                            flatten)
from lasagne.nonlinearities import softmax

from agentnet.agent import Agent
from agentnet.experiments.openai_gym.pool import EnvPool
from agentnet.learning import qlearning
from agentnet.memory import (GRUCell, GRUMemoryLayer, LSTMCell, RNNCell, StackAugmentation,
                             WindowAugmentation)
from agentnet.resolver import EpsilonGreedyResolver


def _memories(observation):
    """Window, stack, RNN, GRU, GRUMemoryLayer and two LSTMs, as in the original test."""
    states = OrderedDict()
    prev_window = InputLayer((None, 3, 4), name="prev_window")
    window = WindowAugmentation(observation, prev_window)
    states[window] = prev_window
    window_max = ExpressionLayer(window, lambda w: w.max(axis=1), output_shape=(None, 4))
    prev_stack = InputLayer((None, 5, 4), name="prev_stack")
    controls = DenseLayer(observation, 3, nonlinearity=softmax)
    stack = StackAugmentation(DenseLayer(observation, 4), prev_stack, controls)
    states[stack] = prev_stack
    stack_top = SliceLayer(stack, 0, axis=1)
    for name, units, build in (("rnn", 16, RNNCell), ("gru", 16, GRUCell)):
        prev = InputLayer((None, units), name="prev_" + name)
        states[build(prev, observation, name=name)] = prev
    prev_grum = InputLayer((None, 15), name="prev_grum")
    states[GRUMemoryLayer(15, observation, prev_grum)] = prev_grum
    for units, peepholes in ((13, True), (14, False)):
        prev_cell, prev_out = InputLayer((None, units)), InputLayer((None, units))
        cell, out = LSTMCell(prev_cell, prev_out, observation, peepholes=peepholes)
        states[cell], states[out] = prev_cell, prev_out
    return states, [window_max, stack_top] + list(states)[2:]


@pytest.mark.slow
def test_agent_with_every_memory_type_trains_on_replay():
    lasagne.random.set_rng(np.random.RandomState(0))
    observation = InputLayer((None, 4), name="observation")
    states, features = _memories(observation)
    qvalues = DenseLayer(ConcatLayer([flatten(f) for f in features]), 2, nonlinearity=None)
    agent = Agent(observation, states, qvalues, EpsilonGreedyResolver(qvalues, epsilon=0.1))
    pool = EnvPool(agent, "CartPole-v1", n_games=3, seed=0)
    replay = pool.experience_replay
    _, _, _, _, qvalue_seq = agent.get_sessions(replay, session_length=5,
                                                experience_replay=True)
    loss = qlearning.get_elementwise_objective(qvalue_seq, replay.actions[0], replay.rewards,
                                               replay.is_alive, n_steps=2)
    loss = loss.sum() / replay.is_alive.sum()
    params = agent.get_all_params(trainable=True)
    train = theano.function([], loss, updates=lasagne.updates.adam(loss, params, 1e-3))
    before = [p.get_value().copy() for p in params]
    for _ in range(10):
        pool.update(5)
        assert np.isfinite(train())
    changed = [not np.allclose(b, p.get_value()) for b, p in zip(before, params)]
    assert np.mean(changed) > 0.9
