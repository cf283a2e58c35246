"""Replay without a loop (``get_sessions(..., flat_replay=...)``) against the loop and numpy."""
from collections import OrderedDict

import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import (DenseLayer, ElemwiseSumLayer, FlattenLayer, InputLayer,
                            get_all_params)

from agentnet.agent import Agent
from agentnet.environment import SessionBatchEnvironment
from agentnet.memory import GRUCell, WindowAugmentation
from agentnet.resolver import GreedyResolver

floatX = theano.config.floatX
N_SESSIONS, N_TICKS, WINDOW, OBS, N_ACTIONS = 3, 5, 3, 2, 4
ALIVE = np.array([[1, 1, 0, 1, 1], [1, 1, 1, 1, 1], [0, 1, 1, 0, 1]], dtype="uint8")


def window_agent(pushed_from_memory=False, with_gru=False):
    """Q_t = flatten(W_t) A + c, with W_t the window of the last 3 observations."""
    observation = InputLayer((None, OBS), name="observation")
    prev_window = InputLayer((None, WINDOW, OBS), name="prev_window")
    pushed = observation
    if pushed_from_memory:
        pushed = ElemwiseSumLayer([observation, DenseLayer(FlattenLayer(prev_window), OBS)],
                                  name="from_memory")
    window = WindowAugmentation(pushed, prev_window, name="window")
    states = OrderedDict([(window, prev_window)])
    if with_gru:
        prev_hidden = InputLayer((None, 3), name="prev_hidden")
        states[GRUCell(prev_hidden, observation, name="gru")] = prev_hidden
    qvalues = DenseLayer(FlattenLayer(window), N_ACTIONS, nonlinearity=None, name="qvalues")
    return Agent(observation, states, qvalues, GreedyResolver(qvalues, name="action"))


def memoryless_agent():
    observation = InputLayer((None, OBS), name="observation")
    hidden = DenseLayer(observation, 5, name="hidden")
    qvalues = DenseLayer(hidden, N_ACTIONS, nonlinearity=None, name="qvalues")
    return Agent(observation, {}, qvalues, GreedyResolver(qvalues, name="action"))


def recorded_batch(rng, n_ticks=N_TICKS, with_memory=True):
    observations = theano.shared(rng.randn(N_SESSIONS, n_ticks, OBS).astype(floatX))
    actions = theano.shared(rng.randint(0, N_ACTIONS, size=(N_SESSIONS, n_ticks)).astype("int32"))
    memory = [theano.shared(rng.randn(N_SESSIONS, WINDOW, OBS).astype(floatX))] \
        if with_memory else None
    alive = theano.shared(ALIVE[:, :n_ticks].copy())
    return SessionBatchEnvironment(observations, [(OBS,)], actions, is_alive=alive,
                                   preceding_agent_memories=memory)


def numpy_windows(observations, initial, alive):
    """W_t = alive_t * push(x_t, W_{t-1}), W_{-1} = initial (alive all ones: no zeroing)."""
    windows, window = [], initial
    for t in range(observations.shape[1]):
        window = np.concatenate([observations[:, t, None], window[:, :-1]], axis=1)
        window = window * alive[:, t, None, None]
        windows.append(window)
    return np.stack(windows, axis=1)


def numpy_qvalues_from_windows(agent, entering, observations):
    """Q_t from the window built in tick t out of the memory entering it."""
    q_layer = agent.policy[0]
    raw = np.concatenate([observations[:, :, None], entering[:, :, :-1]], axis=2)
    flat = raw.reshape(raw.shape[0], raw.shape[1], -1)
    return flat @ q_layer.W.get_value() + q_layer.b.get_value()


def sessions(agent, batch, flat_replay, zero_memory_on_reset, n_ticks=N_TICKS):
    _, _, memories, actions, qvalues = agent.get_sessions(
        batch, n_ticks, experience_replay=True, flat_replay=flat_replay,
        zero_memory_on_reset=zero_memory_on_reset)
    return list(memories.values()), actions, qvalues


@pytest.mark.numerics
@pytest.mark.parametrize("zero_memory_on_reset", [False, True], ids=["keep", "zero_on_reset"])
def test_window_agent_flat_equals_numpy_and_loop(zero_memory_on_reset):
    agent, batch = window_agent(), recorded_batch(np.random.RandomState(0))
    flat_memories, _, flat_q = sessions(agent, batch, True, zero_memory_on_reset)
    assert agent.recurrence is None
    loop_memories, _, loop_q = sessions(agent, batch, False, zero_memory_on_reset)
    got = theano.function([], flat_memories + [flat_q] + loop_memories + [loop_q])()
    observations = batch.observations[0].get_value()
    initial = batch.preceding_agent_memories[0].get_value()
    alive = ALIVE if zero_memory_on_reset else np.ones_like(ALIVE)
    windows = numpy_windows(observations, initial, alive)
    entering = np.concatenate([initial[:, None], windows[:, :-1]], axis=1)
    np.testing.assert_allclose(got[0], windows, rtol=1e-6)
    np.testing.assert_allclose(got[1], numpy_qvalues_from_windows(agent, entering, observations),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got[2], got[0], rtol=1e-6)
    np.testing.assert_allclose(got[3], got[1], rtol=1e-5, atol=1e-6)


def _loss_and_grads(agent, batch, flat_replay, zero_memory_on_reset):
    """A Q-learning-like loss: sum_t alive_t (Q(s_t, a_t) - t)^2, and its parameter gradients."""
    _, actions, qvalues = sessions(agent, batch, flat_replay, zero_memory_on_reset)
    chosen = qvalues[T.arange(N_SESSIONS)[:, None], T.arange(N_TICKS)[None, :], actions]
    loss = (batch.is_alive * (chosen - T.arange(N_TICKS)[None, :]) ** 2).sum()
    params = get_all_params(agent.policy, trainable=True)
    return [loss] + theano.grad(loss, params)


@pytest.mark.numerics
@pytest.mark.parametrize("build", [window_agent, memoryless_agent], ids=["window", "memoryless"])
@pytest.mark.parametrize("zero_memory_on_reset", [False, True], ids=["keep", "zero_on_reset"])
def test_flat_and_loop_give_equal_losses_and_gradients(build, zero_memory_on_reset):
    agent = build()
    batch = recorded_batch(np.random.RandomState(1), with_memory=build is window_agent)
    flat = _loss_and_grads(agent, batch, True, zero_memory_on_reset)
    loop = _loss_and_grads(agent, batch, False, zero_memory_on_reset)
    got = theano.function([], flat + loop)()
    for flat_value, loop_value in zip(got[:len(flat)], got[len(flat):]):
        np.testing.assert_allclose(flat_value, loop_value, rtol=1e-5, atol=1e-5)


@pytest.mark.numerics
def test_memoryless_flat_replay_crops_longer_recordings_and_keeps_action_dtype():
    r"""Q_t = relu(o_t W_1 + b_1) W_2 + b_2 on the first 3 of 5 stored ticks."""
    agent, batch = memoryless_agent(), recorded_batch(np.random.RandomState(2), with_memory=False)
    (ticks,), observations, memories, actions, qvalues = agent.get_sessions(
        batch, 3, experience_replay=True)
    assert agent.recurrence is None and memories == OrderedDict()
    assert observations is batch.observations[0]
    got_ticks, got_actions, got_q = theano.function([], [ticks, actions, qvalues])()
    hidden_layer, q_layer = agent.policy[0].input_layer, agent.policy[0]
    stored = batch.observations[0].get_value()[:, :3]
    hidden = np.maximum(0, stored @ hidden_layer.W.get_value() + hidden_layer.b.get_value())
    np.testing.assert_array_equal(got_ticks, np.arange(3))
    np.testing.assert_array_equal(got_actions, batch.actions[0].get_value()[:, :3])
    assert got_actions.dtype == np.int32
    np.testing.assert_allclose(got_q, hidden @ q_layer.W.get_value() + q_layer.b.get_value(),
                               rtol=1e-4, atol=1e-5)


@pytest.mark.numerics
def test_uint8_window_stays_uint8_and_equals_the_loop():
    """Atari-style: uint8 frames pushed on a uint8 window, scaled after the window."""
    frame = InputLayer((None, OBS), input_var=T.matrix(dtype="uint8"), name="frame")
    prev_window = InputLayer((None, WINDOW, OBS), input_var=T.tensor3(dtype="uint8"))
    window = WindowAugmentation(frame, prev_window, name="window")
    qvalues = DenseLayer(FlattenLayer(window), N_ACTIONS, nonlinearity=None)
    agent = Agent(frame, {window: prev_window}, qvalues, GreedyResolver(qvalues))
    rng = np.random.RandomState(4)
    frames = theano.shared(rng.randint(0, 256, size=(N_SESSIONS, N_TICKS, OBS)).astype("uint8"))
    initial = theano.shared(rng.randint(0, 256, size=(N_SESSIONS, WINDOW, OBS)).astype("uint8"))
    batch = SessionBatchEnvironment(frames, [(OBS,)], theano.shared(np.zeros(
        (N_SESSIONS, N_TICKS), "int32")), is_alive=theano.shared(ALIVE),
        preceding_agent_memories=[initial])
    flat, _, _ = sessions(agent, batch, True, True)
    loop, _, _ = sessions(agent, batch, False, True)
    assert flat[0].dtype == "uint8"
    got_flat, got_loop = theano.function([], [flat[0], loop[0]])()
    np.testing.assert_array_equal(got_flat, got_loop)
    np.testing.assert_array_equal(got_flat, numpy_windows(frames.get_value(),
                                                          initial.get_value(), ALIVE))


@pytest.mark.parametrize("agent_kwargs, reason", [
    ({"with_gru": True}, "memory .*'gru' is recurrent"),
    ({"pushed_from_memory": True}, "fed by a value computed from memory"),
], ids=["window_and_gru", "window_fed_by_memory"])
def test_agents_that_need_a_loop_fall_back_or_refuse(agent_kwargs, reason):
    agent = window_agent(**agent_kwargs)
    batch = SessionBatchEnvironment(T.tensor3(), [(OBS,)], T.imatrix())
    agent.get_sessions(batch, N_TICKS, experience_replay=True)
    assert agent.recurrence is not None
    with pytest.raises(ValueError, match="flat_replay=True, but .*%s" % reason):
        agent.get_sessions(batch, N_TICKS, experience_replay=True, flat_replay=True)


def test_flat_replay_argument_errors_and_updates():
    agent = memoryless_agent()
    batch = SessionBatchEnvironment(T.tensor3(), [(OBS,)], T.imatrix())
    with pytest.raises(ValueError, match="`flat_replay` must be None .* got 'yes'"):
        agent.get_sessions(batch, N_TICKS, experience_replay=True, flat_replay="yes")
    with pytest.raises(ValueError, match="flat_replay=True needs experience_replay=True"):
        agent.get_sessions(batch, N_TICKS, flat_replay=True)
    *_, updates = agent.get_sessions(batch, N_TICKS, experience_replay=True, unroll_scan=False,
                                     return_automatic_updates=True)
    assert len(updates) == 0 and agent.get_automatic_updates() == theano.OrderedUpdates()


@pytest.mark.numerics
@pytest.mark.filterwarnings("ignore::agentnet.learning.generic.UnbootstrappedTicksWarning")
def test_replayed_tick_count_is_known_so_n_step_to_the_end_needs_no_scan():
    r"""With ``session_length`` known, ``n_steps=None`` unrolls; the loss equals numpy's.

    1-tick bootstrap at the last tick, every tick alive, :math:`\gamma = 0.9`:
    :math:`R_t = \sum_{k=t}^{T-2} \gamma^{k-t} r_k + \gamma^{T-1-t} \max_a Q(s_{T-1}, a)`.
    """
    from agentnet.learning import qlearning
    agent = memoryless_agent()
    rng = np.random.RandomState(3)
    batch = recorded_batch(rng, with_memory=False)
    batch.rewards = theano.shared(rng.randn(N_SESSIONS, N_TICKS).astype(floatX))
    _, actions, qvalues = sessions(agent, batch, True, False)
    loss = qlearning.get_elementwise_objective(
        qvalues, batch.actions[0], batch.rewards, "always", n_steps=None, gamma_or_gammas=0.9)
    nodes = theano.gof.graph.io_toposort(theano.gof.graph.inputs([loss]), [loss])
    assert not any(isinstance(node.op, theano.scan_module.scan_op.Scan) for node in nodes)
    got, q = theano.function([], [loss, qvalues])()
    rewards, chosen = batch.rewards.get_value(), batch.actions[0].get_value()
    reference = np.zeros((N_SESSIONS, N_TICKS))
    reference[:, -2] = rewards[:, -2] + 0.9 * q[:, -1].max(axis=-1)
    for t in range(N_TICKS - 3, -1, -1):
        reference[:, t] = rewards[:, t] + 0.9 * reference[:, t + 1]
    taken = np.take_along_axis(q, chosen[:, :, None], axis=2)[:, :, 0]
    expected = (reference - taken)[:, :-1] ** 2
    np.testing.assert_allclose(got[:, :-1], expected, rtol=1e-4, atol=1e-5)
    assert np.all(got[:, -1] == 0)
