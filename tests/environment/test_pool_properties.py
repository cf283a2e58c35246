"""Property tests: random loads, appends (ring-buffer wrap) and samples against a list model.

The model of a pool is the list of its sessions' ids, oldest first: ``load``
replaces it, ``append`` extends it and keeps the newest ``max_pool_size``.
Every stored field encodes its session's id, so a mix-up between fields,
sessions or ring-buffer slots shows as a mismatch. The sampling functions are
compiled once (module fixture) with a symbolic batch size.
"""
import numpy as np
import pytest
import theano
import theano.tensor as T
from hypothesis import HealthCheck, given, settings, strategies as st
from lasagne.layers import DenseLayer, InputLayer

from agentnet.environment import SessionPoolEnvironment
from agentnet.resolver import GreedyResolver

TICKS, N_ACTIONS = 3, 4
SETTINGS = settings(max_examples=25, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _new_pool():
    observation = InputLayer((None, 2))
    action = GreedyResolver(DenseLayer(observation, N_ACTIONS))
    memory = DenseLayer(observation, 1)
    return SessionPoolEnvironment(observations=[observation], actions=[action],
                                  agent_memories=[memory])


def _sessions(ids):
    """Sessions whose every field is a function of the session id."""
    ids = np.asarray(ids)
    observations = np.broadcast_to(ids[:, None, None], (len(ids), TICKS, 2))
    actions = np.broadcast_to(ids[:, None] % N_ACTIONS, (len(ids), TICKS))
    rewards = np.broadcast_to(ids[:, None], (len(ids), TICKS))
    is_alive = np.broadcast_to((ids[:, None] + np.arange(TICKS)) % 2, (len(ids), TICKS))
    memories = ids[:, None].astype(theano.config.floatX)
    return ([observations.astype(theano.config.floatX)], [actions.astype("int32")],
            rewards.astype(theano.config.floatX), is_alive.astype("uint8"), [memories])


def _stored_ids_in_order(pool):
    """Session ids from the oldest to the newest, after checking every field agrees."""
    order = pool.chronological_order()
    ids = pool.rewards.get_value()[order, 0].astype(int)
    for stored, expected in zip([pool.observations[0], pool.actions[0], pool.rewards,
                                 pool.is_alive, pool.preceding_agent_memories[0]],
                                _flat(_sessions(ids))):
        np.testing.assert_array_equal(stored.get_value()[order], expected)
    return ids.tolist()


def _flat(sessions):
    observations, actions, rewards, is_alive, memories = sessions
    return observations + actions + [rewards, is_alive] + memories


@pytest.fixture(scope="module")
def pool_and_samplers():
    pool = _new_pool()
    n = T.iscalar("n")
    samplers = {}
    for replace in (False, True):
        batch = pool.sample_session_batch(n, replace=replace)
        samplers[replace] = theano.function(
            [n], [batch.rewards[:, 0], batch.observations[0][:, -1, 1], batch.actions[0][:, 1],
                  batch.preceding_agent_memories[0][:, 0], batch.is_alive[:, 0]])
    return pool, samplers


OPERATIONS = st.lists(st.tuples(st.sampled_from(["append", "load"]), st.integers(1, 5),
                                st.one_of(st.none(), st.integers(1, 7))),
                      min_size=1, max_size=8)


def _apply(pool, model, operation, next_id):
    kind, n_new, max_pool_size = operation
    ids = list(range(next_id, next_id + n_new))
    if kind == "load":
        pool.load_sessions(*_sessions(ids))
        return ids
    observations, actions, rewards, is_alive, memories = _sessions(ids)
    pool.append_sessions(observations, actions, rewards, is_alive, memories,
                         max_pool_size=max_pool_size)
    model = model + ids
    return model if max_pool_size is None else model[-max_pool_size:]


def _check_sample(samplers, model, n, replace):
    ids, observed, actions, memories, alive = samplers[replace](n)
    for field in (observed, memories):
        np.testing.assert_array_equal(field, ids)
    np.testing.assert_array_equal(actions, ids.astype(int) % N_ACTIONS)
    np.testing.assert_array_equal(alive, ids.astype(int) % 2)
    assert set(ids.astype(int)) <= set(model)
    if replace:
        assert len(ids) == n
    else:
        assert len(ids) == min(n, len(model)) and len(set(ids)) == len(ids)


@SETTINGS
@given(operations=OPERATIONS, sample_sizes=st.lists(st.integers(1, 9), min_size=1, max_size=3))
def test_pool_matches_the_list_model(pool_and_samplers, operations, sample_sizes):
    pool, samplers = pool_and_samplers
    model, next_id = [], 0
    for operation in [("load",) + operations[0][1:]] + operations[1:]:
        model = _apply(pool, model, operation, next_id)
        next_id += operation[1]
        assert _stored_ids_in_order(pool) == model
        for n in sample_sizes:
            _check_sample(samplers, model, n, replace=False)
            _check_sample(samplers, model, n, replace=True)


@SETTINGS
@given(flags=st.lists(st.integers(0, 2), min_size=2 * TICKS, max_size=2 * TICKS))
def test_flags_other_than_zero_and_one_are_refused_and_leave_the_pool_unchanged(flags):
    pool = _new_pool()
    pool.load_sessions(*_sessions([7, 8]))
    before = pool.is_alive.get_value().copy()
    observations, actions, rewards, _, memories = _sessions([0, 1])
    is_alive = np.reshape(flags, (2, TICKS))
    if 2 in flags:
        with pytest.raises(ValueError, match="`is_alive` values must be 0 or 1, got 2"):
            pool.append_sessions(observations, actions, rewards, is_alive, memories)
        np.testing.assert_array_equal(pool.is_alive.get_value(), before)
    else:
        pool.append_sessions(observations, actions, rewards, is_alive, memories)
        np.testing.assert_array_equal(pool.is_alive.get_value()[pool.chronological_order()],
                                      np.concatenate([before, is_alive]))
