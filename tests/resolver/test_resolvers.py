"""Resolvers: argmax, epsilon-greedy and sampling frequencies (chi-square at fixed seeds)."""
import lasagne
import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import InputLayer, get_output

from agentnet.agent import Recurrence
from agentnet.resolver import (BaseResolver, EpsilonGreedyResolver, GreedyResolver,
                               ProbabilisticResolver)

floatX = theano.config.floatX
N_ACTIONS, N_DRAWS = 4, 4000
# 0.999 quantile of the chi-square distribution with 3 degrees of freedom
CHI2_999_DOF3 = 16.27


def chi_square(counts, probabilities):
    expected = probabilities * counts.sum()
    return ((counts - expected) ** 2 / expected).sum()


def _compile(resolver, scores_layer, **flags):
    return theano.function([scores_layer.input_var], get_output(resolver, **flags),
                           allow_input_downcast=True)


@pytest.fixture(scope="module")
def scores():
    return np.random.RandomState(0).randn(N_DRAWS, N_ACTIONS).astype(floatX)


def test_greedy_resolver_is_argmax(scores):
    layer = InputLayer((None, N_ACTIONS))
    resolver = GreedyResolver(layer)
    assert GreedyResolver is BaseResolver and resolver.output_shape == (None,)
    got = _compile(resolver, layer)(scores)
    np.testing.assert_array_equal(got, scores.argmax(axis=1))
    assert got.dtype == np.int32


def test_epsilon_zero_is_argmax_and_one_is_uniform(scores):
    layer = InputLayer((None, N_ACTIONS))
    epsilon = theano.shared(np.float32(0))
    resolver = EpsilonGreedyResolver(layer, epsilon=epsilon, seed=42)
    act = _compile(resolver, layer)
    np.testing.assert_array_equal(act(scores), scores.argmax(axis=1))
    epsilon.set_value(np.float32(1))
    counts = np.bincount(act(scores), minlength=N_ACTIONS)
    assert chi_square(counts, np.full(N_ACTIONS, 1. / N_ACTIONS)) < CHI2_999_DOF3


def test_epsilon_fraction_of_random_actions(scores):
    layer = InputLayer((None, N_ACTIONS))
    act = _compile(EpsilonGreedyResolver(layer, epsilon=0.2, seed=7), layer)
    differs = (act(scores) != scores.argmax(axis=1)).mean()
    # a random action differs from the best one with probability 0.2 * 3/4 = 0.15
    assert abs(differs - 0.15) < 4 * np.sqrt(0.15 * 0.85 / N_DRAWS)


def test_probabilistic_frequencies_and_greedy_flag():
    probabilities = np.array([0.1, 0.2, 0.3, 0.4], dtype=floatX)
    layer = InputLayer((None, N_ACTIONS))
    resolver = ProbabilisticResolver(layer, seed=3)
    weights = np.tile(probabilities * 5, (N_DRAWS, 1))
    counts = np.bincount(_compile(resolver, layer)(weights), minlength=N_ACTIONS)
    assert chi_square(counts, probabilities) < CHI2_999_DOF3
    greedy = _compile(resolver, layer, greedy=True)(weights)
    assert (greedy == 3).all()


def test_new_sample_on_every_call():
    layer = InputLayer((None, N_ACTIONS))
    act = _compile(ProbabilisticResolver(layer), layer)
    uniform = np.ones((50, N_ACTIONS), dtype=floatX)
    assert not np.array_equal(act(uniform), act(uniform))


@pytest.mark.parametrize("epsilon", [-0.1, 1.5, np.float32(1.01), float("nan")],
                         ids=["negative", "above-1", "numpy-scalar", "nan"])
def test_numeric_epsilon_outside_unit_interval(epsilon):
    with pytest.raises(ValueError, match=r"`epsilon` must be a finite real number in \[0, 1\]"):
        EpsilonGreedyResolver(InputLayer((None, N_ACTIONS)), epsilon=epsilon)


def test_epsilon_of_another_type_is_a_type_error():
    with pytest.raises(TypeError, match=r"`epsilon` must be a float in \[0, 1\] or a Theano "):
        EpsilonGreedyResolver(InputLayer((None, N_ACTIONS)), epsilon="0.1")


def test_scan_needs_automatic_updates_for_fresh_randomness():
    """Inside theano.scan, fresh draws need the recurrence's updates.

    Without them Theano applies the random stream's default update once,
    outside the loop: each call replays the previous call's draws shifted by
    one tick.
    """
    prev_action = InputLayer((None,), input_var=T.ivector())
    scores = InputLayer((None, N_ACTIONS))
    action = EpsilonGreedyResolver(scores, epsilon=1.0, seed=5)
    rec = Recurrence(state_variables={action: prev_action},
                     input_nonsequences={scores: InputLayer((None, N_ACTIONS))},
                     n_steps=20, unroll_scan=False)
    outer_scores = rec.input_nonsequences[scores]
    actions = get_output(rec[action])
    with_updates = theano.function([outer_scores.input_var], actions,
                                   updates=rec.get_automatic_updates(), allow_input_downcast=True)
    without = theano.function([outer_scores.input_var], actions, allow_input_downcast=True)
    zeros = np.zeros((5, N_ACTIONS))
    assert not np.array_equal(with_updates(zeros), with_updates(zeros))
    first, second = without(zeros), without(zeros)
    np.testing.assert_array_equal(first[:, 1:], second[:, :-1])


@pytest.fixture
def restore_lasagne_rng():
    saved = lasagne.random.get_rng()
    yield
    lasagne.random.set_rng(saved)


def test_seed_none_draws_from_lasagne_rng(restore_lasagne_rng):
    layer = InputLayer((None, N_ACTIONS))
    uniform = np.ones((30, N_ACTIONS), dtype=floatX)
    draws = []
    for _ in range(2):
        lasagne.random.set_rng(np.random.RandomState(11))
        draws.append(_compile(ProbabilisticResolver(layer, seed=None), layer)(uniform))
    np.testing.assert_array_equal(*draws)
