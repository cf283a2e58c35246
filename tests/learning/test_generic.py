"""The n-step reference and session helpers against the numpy loops of tests/numpy_reference."""
import functools
import warnings

import numpy as np
import pytest
import theano
import theano.tensor as T
from hypothesis import given, settings, strategies as st

from agentnet.learning import qlearning
from agentnet.learning.generic import (UnbootstrappedTicksWarning, get_1_step_value_reference,
                                       get_end_indicator, get_mask_by_eos,
                                       get_n_step_value_reference, get_values_for_actions,
                                       get_action_Qvalues)
from tests.numpy_reference import (end_indicator, monte_carlo_return, n_step_reference,
                                   random_sessions)

B, T_, A = 3, 7, 4
N_STEPS_CASES = [1, 2, 3, T_ - 1, T_, T_ + 1, None]
floatX = theano.config.floatX


@functools.lru_cache(maxsize=None)
def reference_function(crop_last, symbolic_n_steps, per_tick_gamma):
    """Compiled n-step reference; n_steps is an input unless it is None."""
    values, rewards, alive, truncated = T.matrices("values", "rewards", "alive", "truncated")
    after = T.matrix("after")
    gamma = T.matrix("gamma") if per_tick_gamma else T.scalar("gamma")
    n_steps = T.iscalar("n_steps") if symbolic_n_steps else None
    reference = get_n_step_value_reference(values, rewards, alive, n_steps, gamma, crop_last,
                                           state_values_after_end=after, is_truncated=truncated)
    inputs = [values, rewards, alive, truncated, after, gamma] + ([n_steps] if n_steps else [])
    return theano.function(inputs, reference, allow_input_downcast=True)


def compute_reference(values, rewards, alive, truncated, after, gamma, n_steps, crop_last):
    per_tick = np.ndim(gamma) == 2
    function = reference_function(crop_last, n_steps is not None, per_tick)
    extra = [n_steps] if n_steps is not None else []
    return function(values, rewards, alive, truncated, after, gamma, *extra)


def sessions(seed, truncate):
    rng = np.random.RandomState(seed)
    _, _, rewards, alive = random_sessions(rng, B, T_, A)
    values = rng.randn(B, T_)
    truncated = np.zeros((B, T_))
    if truncate:
        for b in range(B):
            last_alive = int(alive[b].sum()) - 1
            truncated[b, last_alive] = alive[b, min(last_alive + 1, T_ - 1)] == 0
    return values, rewards, alive, truncated, rng.randn(B, 1)


@pytest.mark.numerics
@pytest.mark.parametrize("truncate", [False, True], ids=["no-truncation", "truncation"])
@pytest.mark.parametrize("gamma", [0.9, "per-tick"])
@pytest.mark.parametrize("crop_last", [True, False], ids=["crop", "nocrop"])
@pytest.mark.parametrize("n_steps", N_STEPS_CASES, ids=lambda n: "n=%s" % n)
def test_n_step_reference_matches_numpy(n_steps, crop_last, gamma, truncate):
    values, rewards, alive, truncated, after = sessions(42, truncate)
    if gamma == "per-tick":
        gamma = np.random.RandomState(0).uniform(0.5, 1.0, size=(B, T_))
    got = compute_reference(values, rewards, alive, truncated, after, gamma, n_steps, crop_last)
    expected = n_step_reference(values, rewards, alive, n_steps, gamma, crop_last, after,
                                is_truncated=truncated)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.numerics
def test_constant_reward_known_answer():
    """gamma 1, reward 2, n=5, zero values: a tick with 5 rewards ahead gets exactly 10.

    Bootstrap ticks of a 12-tick window are 11, 6 and 1, so ticks 2 and 7 look
    exactly 5 rewards ahead, and the bootstrap ticks themselves one reward.
    """
    ones = np.ones((1, 12))
    got = compute_reference(np.zeros((1, 12)), 2 * ones, ones, 0 * ones, np.zeros((1, 1)), 1.0,
                            5, crop_last=False)
    assert got[0, 2] == got[0, 7] == 10.0
    assert got[0, 1] == got[0, 6] == got[0, 11] == 2.0


@pytest.mark.numerics
def test_n_steps_none_is_monte_carlo_return():
    values, rewards, alive, truncated, _ = sessions(7, truncate=False)
    alive[:, -1] = 0
    rewards[:, -1] = 0
    got = compute_reference(values, rewards, alive, truncated, np.zeros((B, 1)), 0.9, None,
                            crop_last=False)
    np.testing.assert_allclose(got * alive, monte_carlo_return(rewards, alive, 0.9) * alive,
                               rtol=1e-5, atol=1e-5)


@pytest.mark.numerics
@pytest.mark.parametrize("crop_last", [True, False])
def test_one_step_shortcut_equals_general_recursion(crop_last):
    values, rewards, alive, _, after = sessions(3, truncate=False)
    v, r, a, af = T.matrices(4)
    one = get_1_step_value_reference(v, r, a, 0.9, crop_last, af)
    general = get_n_step_value_reference(v, r, a, 1, 0.9, crop_last, af, force_n_step=True)
    f = theano.function([v, r, a, af], [one, general], allow_input_downcast=True)
    got_one, got_general = f(values, rewards, alive, after)
    np.testing.assert_allclose(got_one, got_general, rtol=1e-5, atol=1e-6)


@st.composite
def random_windows(draw):
    n_ticks = draw(st.integers(2, 9))
    n_sessions = draw(st.integers(1, 4))
    lengths = draw(st.lists(st.integers(1, n_ticks), min_size=n_sessions, max_size=n_sessions))
    seed = draw(st.integers(0, 2 ** 16))
    n_steps = draw(st.one_of(st.none(), st.integers(1, n_ticks + 2)))
    return n_ticks, lengths, seed, n_steps, draw(st.booleans()), draw(st.floats(0.0, 1.0))


@pytest.mark.numerics
@settings(max_examples=40, deadline=None)
@given(random_windows())
def test_n_step_reference_property(window):
    n_ticks, lengths, seed, n_steps, crop_last, gamma = window
    rng = np.random.RandomState(seed)
    alive = np.array([[1.0 if t < length else 0.0 for t in range(n_ticks)] for length in lengths])
    rewards, values = rng.randn(*alive.shape) * alive, rng.randn(*alive.shape)
    gammas = np.full(alive.shape, gamma)
    got = compute_reference(values, rewards, alive, np.zeros_like(alive),
                            np.zeros((len(lengths), 1)), gammas, n_steps, crop_last)
    expected = n_step_reference(values, rewards, alive, n_steps, gammas, crop_last)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.numerics
@pytest.mark.parametrize("force", [False, True])
def test_end_indicator(force):
    alive = np.array([[1, 1, 0, 0], [1, 1, 1, 1], [1, 1, 1, 0]], dtype="uint8")
    x = T.matrix(dtype="uint8")
    got = theano.function([x], get_end_indicator(x, force))(alive)
    np.testing.assert_array_equal(got, end_indicator(alive, force))


def test_values_for_actions_and_mask_by_eos():
    rng = np.random.RandomState(0)
    qvalues, actions, _, _ = random_sessions(rng)
    q, a = T.tensor3(), T.imatrix()
    got = theano.function([q, a], get_values_for_actions(q, a), allow_input_downcast=True)(
        qvalues, actions)
    expected = np.take_along_axis(qvalues, actions[:, :, None], axis=2)[:, :, 0]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    eos = T.imatrix()
    ends = np.array([[0, 0, 1, 0, 1], [0, 0, 0, 0, 0]], dtype="int32")
    mask = theano.function([eos], get_mask_by_eos(eos))(ends)
    np.testing.assert_array_equal(mask, [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    assert mask.dtype == np.uint8


@functools.lru_cache(maxsize=None)
def values_for_actions_and_gradient():
    q, a, weights = T.tensor3("q"), T.imatrix("a"), T.matrix("weights")
    chosen = get_values_for_actions(q, a)
    return theano.function([q, a, weights], [chosen, theano.grad((chosen * weights).sum(), q)],
                           allow_input_downcast=True)


@pytest.mark.numerics
def test_values_for_actions_and_gradient():
    """The chosen values; the gradient lands on the chosen action."""
    rng = np.random.RandomState(1)
    qvalues, weights = rng.randn(2, 3, 4), rng.randn(2, 3)
    actions = np.array([[0, 3, 3], [0, 2, 1]], dtype="int32")
    got, grad = values_for_actions_and_gradient()(qvalues, actions, weights)
    expected_grad = np.zeros_like(qvalues)
    for b in range(2):
        for t in range(3):
            expected_grad[b, t, actions[b, t]] += weights[b, t]
    np.testing.assert_allclose(got, qvalues[np.arange(2)[:, None], np.arange(3), actions],
                               rtol=1e-6)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-6)


@pytest.mark.parametrize("bad_id", [4, -1, -5])
def test_action_ids_outside_the_range_fail_at_run_time(bad_id):
    """Negative ids are refused too: numpy's indexing would count -1 as the last action."""
    qvalues, weights = np.zeros((2, 3, 4)), np.zeros((2, 3))
    actions = np.zeros((2, 3), dtype="int32")
    actions[1, 2] = bad_id
    with pytest.raises(ValueError, match=r"`actions` must hold action ids in \[0, 4\) for "
                                         r"n_actions = 4, got %i at \[1, 2\] \(1 of 6 ids "
                                         r"outside\)" % bad_id):
        values_for_actions_and_gradient()(qvalues, actions, weights)


def test_values_for_actions_of_an_empty_batch():
    got, _ = values_for_actions_and_gradient()(np.zeros((0, 3, 4)), np.zeros((0, 3), "int32"),
                                               np.zeros((0, 3)))
    assert got.shape == (0, 3)


@pytest.mark.filterwarnings("ignore::agentnet.learning.generic.UnbootstrappedTicksWarning")
def test_errors():
    with pytest.raises(NameError, match="get_values_for_actions"):
        get_action_Qvalues()
    with pytest.raises(ValueError, match="`is_eos` must have ndim 2"):
        get_mask_by_eos(T.tensor3())
    with pytest.raises(ValueError, match=r"`state_values` must have ndim 2 \[batch, tick\]"):
        get_n_step_value_reference(T.vector(), T.matrix(), n_steps=3)
    with pytest.raises(ValueError, match="`gamma_or_gammas` must be a scalar"):
        get_n_step_value_reference(T.matrix(), T.matrix(), n_steps=3, gamma_or_gammas=T.tensor3())


def _pre_last_reference(n_steps):
    """R[:, T-2] for zero rewards and values 1 over a 5-tick window, gamma 0.5, crop_last."""
    values, rewards = T.matrix("values"), T.matrix("rewards")
    reference = get_n_step_value_reference(values, rewards, n_steps=n_steps, gamma_or_gammas=0.5)
    ones = np.ones((2, 5), dtype=floatX)
    return theano.function([values, rewards], reference)(ones, 0 * ones)[:, -2]


@pytest.mark.parametrize("n_steps", [3, 4])
def test_warning_names_the_ticks_left_without_a_value_term(n_steps):
    with pytest.warns(UnbootstrappedTicksWarning, match="n_steps=%i with crop_last" % n_steps):
        pre_last = _pre_last_reference(n_steps)
    np.testing.assert_array_equal(pre_last, 0.0)  # as the warning says: no value term


@pytest.mark.parametrize("n_steps", [None, 1, 2])
def test_no_warning_when_every_tick_bootstraps(n_steps):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnbootstrappedTicksWarning)
        pre_last = _pre_last_reference(n_steps)
    np.testing.assert_allclose(pre_last, 0.5)  # gamma * V_{T-1}


def test_warning_reaches_objective_callers_and_skips_other_cases():
    q, actions, rewards = T.tensor3("q"), T.imatrix("actions"), T.matrix("rewards")
    with pytest.warns(UnbootstrappedTicksWarning) as caught:
        qlearning.get_elementwise_objective(q, actions, rewards, n_steps=3)
    ours = [w.filename for w in caught if w.category is UnbootstrappedTicksWarning]
    assert ours == [__file__]  # points at the caller's line, not inside agentnet
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnbootstrappedTicksWarning)
        qlearning.get_elementwise_objective(q, actions, rewards, n_steps=3, crop_last=False)
        qlearning.get_elementwise_objective(q, actions, rewards, n_steps=T.iscalar("n"))
