"""Target values only where the n-step reference reads them: the mask, the sparse evaluation,
and a Q-learning loss that stays the same."""
from contextlib import nullcontext

import lasagne
import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import DenseLayer, InputLayer, get_output

from agentnet.learning import qlearning
from agentnet.learning.bootstrap import bootstrap_value_mask, get_output_on_ticks, loss_tick_mask
from agentnet.learning.generic import UnbootstrappedTicksWarning
from tests.numpy_reference import n_step_reference

floatX = theano.config.floatX
N_SESSIONS, N_TICKS = 3, 7
STEPS = [None, 1, 2, 3, 5]


@pytest.fixture(scope="module")
def mask_function():
    """Compiled ``(n_ticks, is_truncated) -> mask`` for every (n_steps, crop_last)."""
    n_ticks, truncated = T.iscalar("n_ticks"), T.matrix("is_truncated", dtype="int8")
    functions = {}
    for n_steps in STEPS:
        for crop_last in (True, False):
            mask = bootstrap_value_mask(n_ticks, n_steps, crop_last, is_truncated=truncated)
            functions[n_steps, crop_last] = theano.function([n_ticks, truncated], mask)
    return functions


def random_truncation(rng):
    truncated = (rng.rand(N_SESSIONS, N_TICKS) < 0.15).astype("int8")
    truncated[0] = 0  # one session without truncation
    return truncated


@pytest.mark.numerics
@pytest.mark.parametrize("crop_last", [True, False], ids=["crop", "no-crop"])
@pytest.mark.parametrize("n_steps", STEPS, ids=["to-end", "n1", "n2", "n3", "n5"])
def test_values_outside_the_mask_never_change_the_numpy_reference(rng, mask_function, n_steps,
                                                                     crop_last):
    truncated = random_truncation(rng)
    mask = mask_function[n_steps, crop_last](N_TICKS, truncated)
    values, rewards = rng.randn(N_SESSIONS, N_TICKS), rng.randn(N_SESSIONS, N_TICKS)

    def reference(v):
        return n_step_reference(v, rewards, None, n_steps, 0.9, crop_last, is_truncated=truncated)
    np.testing.assert_array_equal(reference(values), reference(values * mask))
    for b, t in zip(*np.nonzero(mask)):  # and every masked value is read by some tick
        perturbed = values.copy()
        perturbed[b, t] += 1.0
        assert not np.allclose(reference(perturbed), reference(values)), (b, t)


def test_the_mask_of_the_common_cases_by_hand(mask_function):
    no_truncation = np.zeros((1, 5), "int8")
    np.testing.assert_array_equal(mask_function[None, True](5, no_truncation), [[0, 0, 0, 0, 1]])
    np.testing.assert_array_equal(mask_function[3, True](5, no_truncation), [[0, 0, 0, 1, 1]])
    np.testing.assert_array_equal(mask_function[1, True](5, no_truncation), [[0, 1, 1, 1, 1]])


def test_without_truncation_flags_the_mask_is_one_row():
    mask = theano.function([], bootstrap_value_mask(4, None))()
    assert mask.shape == (1, 4) and mask.dtype == np.int8


@pytest.fixture(scope="module")
def two_head_net():
    """Input [None, 3] -> dense 5 (tanh) -> heads of 2 and 1 units; compiled sparse evaluations
    for a per-session mask ``[batch, tick]`` and a shared one (broadcastable ``[1, tick]``)."""
    inputs = InputLayer((None, 3), name="x")
    hidden = DenseLayer(inputs, 5, nonlinearity=T.tanh, name="hidden")
    heads = [DenseLayer(hidden, 2, nonlinearity=None), DenseLayer(hidden, 1, nonlinearity=None)]
    per_tick = T.tensor3("per_tick")
    sparse = {}
    for rows, mask in [(N_SESSIONS, T.matrix("mask", dtype="int8")),
                       (1, T.row("shared_mask", dtype="int8"))]:
        sparse[rows] = theano.function([per_tick, mask], get_output_on_ticks(
            heads, {inputs: per_tick}, mask) + [get_output_on_ticks(heads[0], {inputs: per_tick},
                                                                    mask)])
    return sparse, theano.function([per_tick], get_output(heads, per_tick.reshape((-1, 3))))


@pytest.mark.numerics
@pytest.mark.parametrize("mask_rows", [1, N_SESSIONS], ids=["shared-row", "per-session"])
def test_sparse_evaluation_equals_the_full_one_on_the_mask_and_zero_elsewhere(rng, two_head_net,
                                                                               mask_rows):
    sparse, full = two_head_net
    per_tick = rng.randn(N_SESSIONS, N_TICKS, 3).astype(floatX)
    mask = (rng.rand(mask_rows, N_TICKS) < 0.4).astype("int8")
    mask[0, 0] = 1
    expected = [f.reshape(N_SESSIONS, N_TICKS, -1) * mask[..., None] for f in full(per_tick)]
    first, second, first_alone = sparse[mask_rows](per_tick, mask)
    for got, want in [(first, expected[0]), (second, expected[1]), (first_alone, expected[0])]:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_an_empty_mask_gives_zeros(two_head_net):
    sparse, _ = two_head_net
    got = sparse[1](np.ones((2, 3, 3), floatX), np.zeros((1, 3), "int8"))
    assert [g.shape for g in got] == [(2, 3, 2), (2, 3, 1), (2, 3, 2)]
    assert not any(g.any() for g in got)


@pytest.mark.numerics
@pytest.mark.parametrize("n_steps", [None, 1, 3], ids=["to-end", "n1", "n3"])
def test_qlearning_loss_with_the_sparse_target_equals_the_full_target(rng, n_steps):
    observations = InputLayer((None, 3), name="obs")
    target_q = DenseLayer(observations, 4, nonlinearity=None, name="target")
    per_tick, q = T.tensor3("per_tick"), T.tensor3("q")
    actions, rewards, alive = T.imatrix("a"), T.matrix("r"), T.matrix("alive")
    truncated = T.matrix("truncated", dtype="int8")
    full = get_output(target_q, per_tick.reshape((-1, 3))).reshape((N_SESSIONS, N_TICKS, 4))
    sparse = get_output_on_ticks(target_q, {observations: per_tick}, bootstrap_value_mask(
        N_TICKS, n_steps, is_truncated=truncated))

    def loss(target):
        return qlearning.get_elementwise_objective(q, actions, rewards, alive,
                                                   qvalues_target=target, n_steps=n_steps,
                                                   gamma_or_gammas=0.9, is_truncated=truncated)
    # n_steps=3 leaves a tick without a value term, as the original did (and says so)
    with pytest.warns(UnbootstrappedTicksWarning) if n_steps == 3 else nullcontext():
        losses = [loss(full), loss(sparse)]
    compiled = theano.function([per_tick, q, actions, rewards, alive, truncated], losses)
    alive_values = np.ones((N_SESSIONS, N_TICKS), floatX)
    alive_values[1, 4:] = 0
    with_full, with_sparse = compiled(
        rng.randn(N_SESSIONS, N_TICKS, 3).astype(floatX),
        rng.randn(N_SESSIONS, N_TICKS, 4).astype(floatX),
        rng.randint(0, 4, (N_SESSIONS, N_TICKS)).astype("int32"),
        rng.randn(N_SESSIONS, N_TICKS).astype(floatX), alive_values, random_truncation(rng))
    assert with_full.any()
    np.testing.assert_allclose(with_sparse, with_full, rtol=1e-5, atol=1e-6)


def test_inputs_must_be_a_dict_of_layers():
    layer = DenseLayer(InputLayer((None, 3)), 2)
    with pytest.raises(TypeError, match="`inputs` must be a non-empty dict"):
        get_output_on_ticks(layer, [T.tensor3()], T.bmatrix())
    with pytest.raises(TypeError, match="inputs"):
        get_output_on_ticks(layer, {"x": T.tensor3()}, T.bmatrix())


def test_the_loss_tick_mask_leaves_out_only_the_cropped_last_tick():
    np.testing.assert_array_equal(theano.function([], loss_tick_mask(4))(), [[1, 1, 1, 0]])
    np.testing.assert_array_equal(theano.function([], loss_tick_mask(3, crop_last=False))(),
                                  [[1, 1, 1]])


@pytest.mark.numerics
@pytest.mark.parametrize("n_steps", [None, 1, 2], ids=["to-end", "n1", "n2"])
def test_online_and_target_networks_only_where_needed_give_the_same_loss_and_gradient(
        rng, n_steps):
    observations = InputLayer((None, 3), name="obs")
    online = DenseLayer(DenseLayer(observations, 5, nonlinearity=T.tanh), 4, nonlinearity=None)
    target = DenseLayer(observations, 4, nonlinearity=None, name="target")
    per_tick, actions, rewards = T.tensor3("per_tick"), T.imatrix("a"), T.matrix("r")
    inputs = {observations: per_tick}

    def everywhere(layer):
        return get_output(layer, per_tick.reshape((-1, 3))).reshape((N_SESSIONS, N_TICKS, 4))

    def loss(qvalues, target_qvalues):
        return qlearning.get_elementwise_objective(
            qvalues, actions, rewards, qvalues_target=target_qvalues, n_steps=n_steps,
            gamma_or_gammas=0.9).sum()
    params = lasagne.layers.get_all_params(online, trainable=True)
    full = loss(everywhere(online), everywhere(target))
    sparse = loss(get_output_on_ticks(online, inputs, loss_tick_mask(N_TICKS)),
                  get_output_on_ticks(target, inputs, bootstrap_value_mask(N_TICKS, n_steps)))
    compiled = theano.function([per_tick, actions, rewards],
                               [full, sparse] + theano.grad(full, params)
                               + theano.grad(sparse, params))
    results = compiled(rng.randn(N_SESSIONS, N_TICKS, 3).astype(floatX),
                       rng.randint(0, 4, (N_SESSIONS, N_TICKS)).astype("int32"),
                       rng.randn(N_SESSIONS, N_TICKS).astype(floatX))
    (with_full, with_sparse), gradients = results[:2], results[2:]
    assert with_full > 0
    np.testing.assert_allclose(with_sparse, with_full, rtol=1e-5)
    for from_full, from_sparse in zip(gradients[:len(params)], gradients[len(params):]):
        np.testing.assert_allclose(from_sparse, from_full, rtol=1e-4, atol=1e-6)
