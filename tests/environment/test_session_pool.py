"""SessionPoolEnvironment: exact round trips, the ring buffer, dtypes, sampling and replay."""
import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import DenseLayer, InputLayer

from agentnet.agent import Agent
from agentnet.environment import SessionPoolEnvironment
from agentnet.environment._session_store import SessionStore, FieldSpec
from agentnet.resolver import GreedyResolver

N_TICKS = 5


def _frames_pool():
    frames = InputLayer((None, 2, 3), input_var=T.tensor3("frames", dtype="uint8"))
    action = InputLayer((None,), input_var=T.ivector("action"))
    return SessionPoolEnvironment(observations=[frames], actions=[action], agent_memories=[])


def _sessions(n, start=0, ticks=N_TICKS):
    """n sessions whose content encodes their index (start, start + 1, ...)."""
    ids = np.arange(start, start + n)
    frames = np.broadcast_to(ids[:, None, None, None] % 256, (n, ticks, 2, 3)).astype("uint8")
    actions = np.broadcast_to(ids[:, None], (n, ticks)).astype("int32")
    rewards = np.broadcast_to(ids[:, None], (n, ticks)).astype("float32")
    return frames, actions, rewards


def test_new_pool_is_empty_and_keeps_layer_shapes():
    pool = _frames_pool()
    assert pool.rewards.get_value().shape == (0, 0)
    assert pool.observations[0].get_value().shape == (0, 0, 2, 3)
    assert pool.observations[0].dtype == "uint8"
    assert pool.observation_shapes == ((2, 3),)


def test_load_round_trip_is_exact_and_uint8_stays_uint8():
    pool = _frames_pool()
    frames, actions, rewards = _sessions(4)
    alive = np.ones((4, N_TICKS), dtype="uint8")
    alive[1, 3:] = 0
    pool.load_sessions([frames], [actions], rewards, alive)
    stored = pool.observations[0].get_value()
    assert stored.dtype == np.uint8
    np.testing.assert_array_equal(stored, frames)
    np.testing.assert_array_equal(pool.actions[0].get_value(), actions)
    np.testing.assert_array_equal(pool.rewards.get_value(), rewards)
    np.testing.assert_array_equal(pool.is_alive.get_value(), alive)


def test_ring_buffer_keeps_the_newest_sessions_in_order():
    pool = _frames_pool()
    for start in range(0, 23, 3):
        pool.append_sessions(*[[x] if i < 2 else x for i, x in enumerate(_sessions(3, start))],
                             max_pool_size=10)
    order = pool.chronological_order()
    stored_ids = pool.rewards.get_value()[order, 0]
    np.testing.assert_array_equal(stored_ids, np.arange(14, 24))
    assert pool.rewards.get_value().shape == (10, N_TICKS)


def test_append_writes_in_place_without_copying_the_pool():
    pool = _frames_pool()
    pool.append_sessions(*[[x] if i < 2 else x for i, x in enumerate(_sessions(4))],
                         max_pool_size=8)
    buffer_before = pool._store.arrays[0]
    pool.append_sessions(*[[x] if i < 2 else x for i, x in enumerate(_sessions(4, 4))],
                         max_pool_size=8)
    assert pool._store.arrays[0] is buffer_before
    assert np.shares_memory(pool.observations[0].get_value(borrow=True), buffer_before)


def test_unbounded_pool_grows_and_keeps_everything():
    pool = _frames_pool()
    for start in range(0, 12, 4):
        pool.append_sessions(*[[x] if i < 2 else x for i, x in enumerate(_sessions(4, start))])
    np.testing.assert_array_equal(pool.rewards.get_value()[pool.chronological_order(), 0],
                                  np.arange(12))


@pytest.mark.parametrize("bad, message", [
    (lambda f, a, r: ([f.astype("float32")], [a], r), "dtype float32 but the pool stores uint8"),
    (lambda f, a, r: ([f[:, :, :1]], [a], r), r"\(2, 3\)"),
    (lambda f, a, r: ([f[:, :4]], [a[:, :4]], r[:, :4]), "sessions of 5 ticks"),
    (lambda f, a, r: ([f, f], [a], r), "stores 1 observation"),
], ids=["float-into-uint8", "shape", "length", "count"])
def test_append_mismatch_is_a_clear_error(bad, message):
    pool = _frames_pool()
    frames, actions, rewards = _sessions(2)
    pool.append_sessions([frames], [actions], rewards)
    with pytest.raises(ValueError, match=message):
        pool.append_sessions(*bad(frames, actions, rewards))
    np.testing.assert_array_equal(pool.observations[0].get_value(), frames)


def test_sampling_comes_only_from_stored_sessions_and_empty_pool_fails():
    pool = _frames_pool()
    batch = pool.sample_session_batch(16, replace=True)
    sample = theano.function([], batch.rewards)
    with pytest.raises(AssertionError, match="empty session pool"):
        sample()
    pool.append_sessions(*[[x] if i < 2 else x for i, x in enumerate(_sessions(3, 100))])
    drawn = np.concatenate([sample()[:, 0] for _ in range(20)])
    assert set(drawn) <= {100., 101., 102.} and len(set(drawn)) == 3


def _append(pool, n, start=0, **kwargs):
    frames, actions, rewards = _sessions(n, start)
    pool.append_sessions([frames], [actions], rewards, **kwargs)


def test_max_n_samples_is_a_maximum_without_replacement():
    """Spec 06: without replacement ``n = minimum(max_n_samples, pool_size)`` distinct sessions,
    so a pool holding fewer sessions returns all of them (the original AgentNet's behaviour)."""
    pool = _frames_pool()
    sample = theano.function([], pool.sample_session_batch(4, replace=False).rewards)
    _append(pool, 3)
    for _ in range(5):
        np.testing.assert_array_equal(np.sort(sample()[:, 0]), np.arange(3))
    _append(pool, 3, start=3)
    drawn = sample()[:, 0]
    assert len(drawn) == 4 and len(set(drawn)) == 4 and set(drawn) <= set(range(6))


def test_sample_size_below_one_is_an_error():
    with pytest.raises(ValueError, match="`max_n_samples` must be an int >= 1, got 0"):
        _frames_pool().sample_session_batch(0, replace=True)


def test_first_append_must_match_the_layer_observation_shape():
    pool = _frames_pool()
    frames, actions, rewards = _sessions(2)
    with pytest.raises(ValueError, match=r"`observations\[0\]` must have shape "
                                         r"\[sessions, ticks, \*\(2, 3\)\].*got \(2, 5, 3, 2\)"):
        pool.append_sessions([frames.transpose(0, 1, 3, 2)], [actions], rewards)
    assert pool.rewards.get_value().shape == (0, 0)


def test_pool_larger_than_memory_is_refused_before_allocating():
    pool = _frames_pool()
    with pytest.raises(MemoryError, match="a pool of 1000000000000 sessions x 5 ticks needs"):
        _append(pool, 2, max_pool_size=10 ** 12)
    assert pool.rewards.get_value().shape == (0, 0)


def test_memory_estimate_and_refusal():
    pool = _frames_pool()
    estimate = pool.memory_estimate(1000, N_TICKS)
    per_tick = 2 * 3 * 1 + 4 + np.dtype(theano.config.floatX).itemsize + 1 + 1
    assert estimate == {"bytes_per_session": per_tick * N_TICKS,
                        "total_bytes": 1000 * per_tick * N_TICKS}
    store = SessionStore([FieldSpec("huge", (10 ** 6,), "float64")])
    with pytest.raises(MemoryError, match="GiB"):
        store.check_fits(10 ** 9, 100)


def test_replay_returns_recorded_actions_in_the_spec_order():
    observation = InputLayer((None, 3), name="obs")
    qvalues = DenseLayer(observation, 4, nonlinearity=None)
    action = GreedyResolver(qvalues)
    agent = Agent(observation, {}, qvalues, action)
    pool = SessionPoolEnvironment(observations=agent.observation_layers,
                                  actions=agent.action_layers, agent_memories=agent.agent_states)
    rng = np.random.RandomState(0)
    observations = rng.randn(4, N_TICKS, 3).astype(theano.config.floatX)
    actions = rng.randint(0, 4, size=(4, N_TICKS)).astype("int32")
    pool.load_sessions([observations], [actions], np.zeros((4, N_TICKS)))
    (ticks,), replay_obs, memory, replay_actions, replay_q = agent.get_sessions(
        pool, session_length=N_TICKS, experience_replay=True)
    f = theano.function([], [ticks, replay_obs, replay_actions, replay_q])
    got_ticks, got_obs, got_actions, got_q = f()
    np.testing.assert_array_equal(got_ticks, np.arange(N_TICKS))
    np.testing.assert_array_equal(got_actions, actions)
    np.testing.assert_allclose(got_obs, observations)
    weights, bias = qvalues.W.get_value(), qvalues.b.get_value()
    np.testing.assert_allclose(got_q, observations @ weights + bias, rtol=1e-4, atol=1e-5)
    assert memory == {}
