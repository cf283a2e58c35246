"""Prioritized session replay: the sum tree, draws, weights, priorities and a training step."""
import numpy as np
import pytest
import theano
import theano.tensor as T
from hypothesis import given, settings, strategies as st
from lasagne.layers import DenseLayer, InputLayer, NonlinearityLayer
from scipy.stats import chisquare

from agentnet.agent import Agent
from agentnet.environment import (PrioritizedSessionSampler, SessionPoolEnvironment,
                                  session_priorities)
from agentnet.environment._sum_tree import SumTree
from agentnet.resolver import GreedyResolver

floatX = theano.config.floatX
TICKS, N_ACTIONS = 4, 3


def frames_pool():
    frames = InputLayer((None, 2, 3), input_var=T.tensor3("frames", dtype="uint8"))
    action = InputLayer((None,), input_var=T.ivector("action"))
    return SessionPoolEnvironment(observations=[frames], actions=[action], agent_memories=[])


def append(pool, ids, max_pool_size=None, alive=None):
    """Sessions whose frames, actions and rewards encode their id."""
    ids = np.asarray(ids)
    frames = np.broadcast_to(ids[:, None, None, None] % 256, (len(ids), TICKS, 2, 3))
    actions = np.broadcast_to(ids[:, None] % N_ACTIONS, (len(ids), TICKS))
    rewards = np.broadcast_to(ids[:, None], (len(ids), TICKS))
    pool.append_sessions([frames.astype("uint8")], [actions.astype("int32")],
                         rewards.astype("float32"), alive, max_pool_size=max_pool_size)


def stored_ids(pool):
    return pool.rewards.get_value()[:, 0].astype(int)


def prioritize(sampler, priority_of_id, rounds=200):
    """Draw repeatedly and give each drawn session priority ``priority_of_id(its id)``.

    With constant TD errors :math:`|\\delta|` the R2D2 priority is :math:`|\\delta| + \\epsilon`.
    """
    for _ in range(rounds):
        indices, _ = sampler.sample()
        ids = stored_ids(sampler.pool)[indices]
        sampler.update_priorities(np.repeat(priority_of_id(ids)[:, None], TICKS, axis=1))


def numpy_probabilities(priorities, alpha):
    masses = np.asarray(priorities, dtype=np.float64) ** alpha
    return masses / masses.sum()


# ------------------------------------------------------------------ the sum tree


BRANCHING = pytest.mark.parametrize("branching", [2, 3, 64], ids=["b2", "b3", "b64"])


@BRANCHING
@settings(max_examples=30, deadline=None, database=None)
@given(st.integers(1, 70), st.lists(st.lists(st.tuples(st.integers(0, 69),
                                                       st.floats(0, 100)), max_size=8),
                                    max_size=12))
def test_sum_tree_totals_equal_numpy_after_random_updates(branching, capacity, batches):
    tree, reference = SumTree(capacity, branching), np.zeros(capacity)
    for batch in batches:
        slots = np.array([s % capacity for s, _ in batch], dtype=int)
        masses = np.array([m for _, m in batch])
        tree.set(slots, masses)
        reference[slots] = masses
    np.testing.assert_allclose(tree.leaves(), reference)
    np.testing.assert_allclose(tree.total, reference.sum(), rtol=1e-12, atol=1e-9)
    for depth in range(tree.depth):
        children = tree.levels[depth + 1].reshape(-1, branching).sum(axis=1)
        np.testing.assert_allclose(tree.levels[depth], children, rtol=1e-12)


@BRANCHING
def test_sum_tree_find_equals_numpy_searchsorted(rng, branching):
    tree = SumTree(37, branching)
    masses = rng.uniform(0, 3, size=37) * (rng.uniform(size=37) > 0.3)
    tree.rebuild(masses)
    points = rng.uniform(0, masses.sum(), size=500)
    expected = np.searchsorted(np.cumsum(masses), points, side="right")
    np.testing.assert_array_equal(tree.find(points), expected)


@BRANCHING
def test_sum_tree_never_picks_an_empty_slot_at_the_edge(branching):
    tree = SumTree(5, branching)
    tree.set(np.arange(5), [0., 1., 0., 0., 0.])
    np.testing.assert_array_equal(tree.find([0., 0.5, np.nextafter(1., 0), 1., 7.]), [1] * 5)


@BRANCHING
def test_sum_tree_rebuild_equals_set(rng, branching):
    masses = rng.uniform(size=11)
    built, updated = SumTree(11, branching), SumTree(11, branching)
    built.rebuild(masses)
    updated.set(np.arange(11), masses)
    for built_level, updated_level in zip(built.levels, updated.levels):
        np.testing.assert_allclose(built_level, updated_level)


# ------------------------------------------------------------------ priorities


def r2d2_reference(td_errors, alive, eta, epsilon):
    priorities = []
    for errors, mask in zip(td_errors, alive):
        kept = [abs(e) for e, m in zip(errors, mask) if m]
        largest = max(kept) if kept else 0.
        mean = sum(kept) / len(kept) if kept else 0.
        priorities.append(eta * largest + (1 - eta) * mean + epsilon)
    return np.array(priorities)


@pytest.mark.parametrize("arguments, match", [
    ((np.zeros(3), np.ones(3)),
     "`td_errors` must have ndim 2 \\[batch, tick\\], got shape \\(3,\\)"),
    ((np.zeros((2, 3)), np.ones((2, 4))),
     "`is_alive` must have shape \\[batch, tick\\] \\(2, 3\\), got \\(2, 4\\)"),
    ((np.zeros((2, 3)), np.ones((2, 3)), 1.5), "`eta` must be a finite real number in \\[0, 1\\]"),
    ((np.zeros((2, 3)), np.ones((2, 3)), 0.9, -1.), "`epsilon`"),
], ids=["td-1d", "alive-shape", "eta>1", "epsilon<0"])
def test_session_priorities_name_bad_arguments(arguments, match):
    with pytest.raises(ValueError, match=match):
        session_priorities(*arguments)


@pytest.mark.parametrize("eta", [0., 0.9, 1.])
def test_session_priorities_mix_max_and_mean_over_alive_ticks(rng, eta):
    td_errors = rng.randn(5, 6)
    alive = rng.uniform(size=(5, 6)) > 0.3
    alive[2] = False
    np.testing.assert_allclose(session_priorities(td_errors, alive, eta, 1e-3),
                               r2d2_reference(td_errors, alive, eta, 1e-3))


# ------------------------------------------------------------------ draws and weights


@pytest.mark.parametrize("stratified", [True, False], ids=["stratified", "plain"])
def test_draw_frequencies_match_priorities_to_the_alpha(stratified):
    pool = frames_pool()
    append(pool, np.arange(8))
    sampler = PrioritizedSessionSampler(pool, batch_size=32, alpha=0.7, stratified=stratified,
                                        seed=3)
    priority_of_id = lambda ids: 0.5 + ids.astype(float)  # noqa: E731
    prioritize(sampler, priority_of_id)
    counts = np.zeros(8)
    for _ in range(625):  # 20,000 draws
        np.add.at(counts, sampler.sample()[0], 1)
    expected = 20000 * numpy_probabilities(priority_of_id(stored_ids(pool)) + 1e-6, 0.7)
    assert chisquare(counts, expected).pvalue > 1e-3
    wrong = 20000 * numpy_probabilities(priority_of_id(stored_ids(pool)), 1.)
    assert chisquare(counts, wrong).pvalue < 1e-6


@pytest.mark.numerics
@pytest.mark.parametrize("beta", [0., 0.4, 1.])
def test_importance_weights_equal_the_formula(beta):
    pool = frames_pool()
    append(pool, np.arange(10))
    sampler = PrioritizedSessionSampler(pool, batch_size=6, alpha=0.6, seed=1)
    prioritize(sampler, lambda ids: 1. + ids ** 2.)
    sampler.beta = beta
    indices, weights = sampler.sample()
    probabilities = numpy_probabilities(1. + stored_ids(pool) ** 2. + 1e-6, 0.6)
    expected = (10 * probabilities[indices]) ** -beta
    np.testing.assert_allclose(weights, expected / expected.max(), rtol=1e-5)
    np.testing.assert_allclose(sampler.probabilities(), probabilities, rtol=1e-12)
    np.testing.assert_array_equal(sampler.indices.get_value(), indices)
    np.testing.assert_array_equal(sampler.weights.get_value(), weights)
    assert sampler.indices.dtype == "int32" and sampler.weights.dtype == floatX


def test_new_sessions_enter_with_the_largest_priority_so_far():
    pool = frames_pool()
    append(pool, np.arange(4))
    sampler = PrioritizedSessionSampler(pool, batch_size=4, alpha=1., seed=0)
    np.testing.assert_allclose(sampler.probabilities(), np.full(4, 0.25))
    prioritize(sampler, lambda ids: 2. + ids)
    append(pool, [4])
    masses = np.append(2. + np.arange(4), 5.) + 1e-6
    np.testing.assert_allclose(sampler.probabilities(), masses / masses.sum())


def test_priority_updates_land_on_the_right_sessions_after_the_ring_buffer_wraps():
    pool = frames_pool()
    sampler = PrioritizedSessionSampler(pool, batch_size=5, alpha=1., seed=2)
    append(pool, np.arange(4), max_pool_size=6)
    append(pool, np.arange(4, 8), max_pool_size=6)  # ids 6, 7 overwrite slots 0, 1
    np.testing.assert_array_equal(stored_ids(pool), [6, 7, 2, 3, 4, 5])
    prioritize(sampler, lambda ids: 0.1 * ids)
    reference = 0.1 * stored_ids(pool) + 1e-6
    np.testing.assert_allclose(sampler.probabilities(), reference / reference.sum())
    append(pool, [8], max_pool_size=6)  # overwrites id 2: it loses its priority 0.2
    assert sampler.max_priority == 1.  # the initial priority is still the largest
    reference[2] = 1.
    np.testing.assert_allclose(sampler.probabilities(), reference / reference.sum())


def test_sessions_overwritten_between_draw_and_update_keep_their_new_priority():
    pool = frames_pool()
    append(pool, np.arange(3), max_pool_size=3)
    sampler = PrioritizedSessionSampler(pool, batch_size=8, alpha=1., seed=0)
    indices, _ = sampler.sample()
    append(pool, [3], max_pool_size=3)  # slot 0 now holds id 3
    sampler.update_priorities(np.full((8, TICKS), 5.))
    masses = np.where(np.isin(np.arange(3), indices), 5. + 1e-6, 1.)
    masses[0] = 1.
    np.testing.assert_allclose(sampler.probabilities(), masses / masses.sum())


def test_priorities_follow_sessions_when_the_pool_grows():
    pool = frames_pool()
    append(pool, np.arange(3))
    sampler = PrioritizedSessionSampler(pool, batch_size=6, alpha=1., seed=4)
    prioritize(sampler, lambda ids: 1. + ids)
    append(pool, np.arange(3, 7))  # no max_pool_size: the buffer is reallocated
    masses = np.array([1., 2., 3., 3., 3., 3., 3.]) + 1e-6  # new ones: the largest so far
    np.testing.assert_allclose(sampler.probabilities()[np.argsort(stored_ids(pool))],
                               masses / masses.sum())


def test_load_sessions_resets_every_priority():
    pool = frames_pool()
    append(pool, np.arange(3))
    sampler = PrioritizedSessionSampler(pool, batch_size=3, alpha=1., seed=0)
    prioritize(sampler, lambda ids: 1. + 10 * ids)
    frames, actions = np.zeros((2, TICKS, 2, 3), "uint8"), np.zeros((2, TICKS), "int32")
    pool.load_sessions([frames], [actions], np.zeros((2, TICKS), "float32"))
    np.testing.assert_allclose(sampler.probabilities(), [0.5, 0.5])


# ------------------------------------------------------------------ a compiled training step


def uint8_agent():
    """Q(s) = (s / 255) W, flattened frames of shape (2, 3), no bias."""
    frames = InputLayer((None, 2, 3), input_var=T.tensor3("frames", dtype="uint8"))
    scaled = NonlinearityLayer(frames, lambda x: T.cast(x, floatX) / 255.)
    qvalues = DenseLayer(scaled, N_ACTIONS, b=None, nonlinearity=None)
    return Agent(frames, {}, qvalues, GreedyResolver(qvalues)), qvalues


def numpy_weighted_loss(pool, W, indices, weights):
    """sum_i w_i sum_t alive_it (Q(s_it, a_it) - r_it)^2 on the drawn sessions."""
    frames = pool.observations[0].get_value()[indices].reshape(len(indices), TICKS, -1) / 255.
    actions = pool.actions[0].get_value()[indices]
    chosen = np.take_along_axis(frames @ W, actions[..., None], axis=-1)[..., 0]
    errors = pool.is_alive.get_value()[indices] * (chosen - pool.rewards.get_value()[indices])
    return (weights[:, None] * errors ** 2).sum(), errors


@pytest.mark.numerics
def test_compiled_step_reads_the_drawn_batch_and_weights_its_loss():
    pool, (agent, qvalues) = frames_pool(), uint8_agent()
    alive = np.ones((7, TICKS), "uint8")
    alive[2, 2:] = 0
    append(pool, 10 * np.arange(7), alive=alive)
    sampler = PrioritizedSessionSampler(pool, batch_size=5, beta=0.7, seed=0)
    batch = sampler.get_session_batch()
    _, _, _, _, q_seq = agent.get_sessions(batch, TICKS, experience_replay=True)
    chosen = q_seq[T.arange(5)[:, None], T.arange(TICKS)[None, :], batch.actions[0]]
    errors = batch.is_alive * (chosen - batch.rewards)
    loss = (sampler.weights[:, None] * errors ** 2).sum()
    step = theano.function([], [loss, errors])
    assert pool.observations[0].dtype == "uint8"
    for _ in range(3):
        indices, weights = sampler.sample()
        got_loss, got_errors = step()
        expected_loss, expected_errors = numpy_weighted_loss(pool, qvalues.W.get_value(),
                                                             indices, weights)
        np.testing.assert_allclose(got_loss, expected_loss, rtol=1e-4)
        np.testing.assert_allclose(got_errors, expected_errors, rtol=1e-4, atol=1e-4)
        sampler.update_priorities(got_errors, pool.is_alive.get_value()[indices])


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("keyword, value, match", [
    ("alpha", -0.1, "`alpha` must be a finite real number in \\[0, inf\\)"),
    ("beta", 1.5, "`beta` must be a finite real number in \\[0, 1\\]"),
    ("beta", -0.5, "`beta`"),
    ("eta", 2., "`eta` must be a finite real number in \\[0, 1\\]"),
    ("batch_size", 0, "`batch_size` must be an int >= 1"),
    ("epsilon", 0., "`epsilon` must be a finite real number in \\(0, inf\\)"),
], ids=["alpha<0", "beta>1", "beta<0", "eta>1", "batch_size=0", "epsilon=0"])
def test_bad_hyperparameters_are_named(keyword, value, match):
    with pytest.raises(ValueError, match=match):
        PrioritizedSessionSampler(frames_pool(), **{keyword: value})


def test_annealed_beta_is_checked():
    sampler = PrioritizedSessionSampler(frames_pool())
    with pytest.raises(ValueError, match="`beta`"):
        sampler.beta = 1.01


def test_pool_must_be_a_session_pool():
    with pytest.raises(TypeError, match="`pool` must be a SessionPoolEnvironment, got list"):
        PrioritizedSessionSampler([])


def test_sampling_an_empty_pool_is_an_error():
    with pytest.raises(ValueError, match="cannot sample from an empty session pool"):
        PrioritizedSessionSampler(frames_pool()).sample()


def test_td_errors_and_is_alive_of_the_wrong_shape_are_named():
    pool = frames_pool()
    append(pool, np.arange(3))
    sampler = PrioritizedSessionSampler(pool, batch_size=4)
    with pytest.raises(ValueError, match="call sample\\(\\) first"):
        sampler.update_priorities(np.zeros((4, TICKS)))
    sampler.sample()
    with pytest.raises(ValueError, match="`td_errors` must have shape \\[batch_size=4, tick\\], "
                                         "got \\(3, 4\\)"):
        sampler.update_priorities(np.zeros((3, TICKS)))
    with pytest.raises(ValueError, match="`td_errors` must have shape"):
        sampler.update_priorities(np.zeros(4))
    with pytest.raises(ValueError, match="`is_alive` must have shape"):
        sampler.update_priorities(np.zeros((4, TICKS)), np.ones((4, 2)))
