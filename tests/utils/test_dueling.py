"""DuelingLayer: Q = V + A - mean_a A, its values and gradients against numpy."""
import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import DenseLayer, InputLayer, get_output

from agentnet.utils.layers import DuelingLayer

floatX = theano.config.floatX


def numpy_dueling(value, advantages):
    q = np.zeros_like(advantages)
    for b in range(advantages.shape[0]):
        for a in range(advantages.shape[1]):
            q[b, a] = value[b] + advantages[b, a] - advantages[b].mean()
    return q


def heads(value_shape=(None, 1)):
    value = InputLayer(value_shape, input_var=T.matrix() if len(value_shape) == 2 else T.vector())
    advantages = InputLayer((None, 4), input_var=T.matrix())
    return value, advantages


@pytest.mark.numerics
@pytest.mark.parametrize("value_shape", [(None, 1), (None,)], ids=["batch-1", "batch"])
def test_output_equals_numpy(rng, value_shape):
    value, advantages = heads(value_shape)
    layer = DuelingLayer(value, advantages)
    values = rng.randn(*(5,) + value_shape[1:]).astype(floatX)
    adv = rng.randn(5, 4).astype(floatX)
    got = theano.function([value.input_var, advantages.input_var], get_output(layer))(values, adv)
    np.testing.assert_allclose(got, numpy_dueling(values.reshape(5), adv), rtol=1e-5, atol=1e-6)
    assert layer.output_shape == (None, 4)
    np.testing.assert_allclose(got.mean(axis=1), values.reshape(5), rtol=1e-5, atol=1e-6)


@pytest.mark.numerics
def test_gradients_equal_numpy(rng):
    r"""For L = sum C * Q: dL/dV_b = sum_a C_ba, dL/dA_ba = C_ba - mean_a' C_ba'."""
    value, advantages = heads()
    weights = rng.randn(5, 4).astype(floatX)
    loss = (get_output(DuelingLayer(value, advantages)) * weights).sum()
    gradients = theano.grad(loss, [value.input_var, advantages.input_var])
    got_value, got_adv = theano.function([value.input_var, advantages.input_var], gradients)(
        rng.randn(5, 1).astype(floatX), rng.randn(5, 4).astype(floatX))
    np.testing.assert_allclose(got_value, weights.sum(axis=1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(got_adv, weights - weights.mean(axis=1, keepdims=True),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.numerics
def test_dense_heads_train_through_the_layer(rng):
    features = InputLayer((None, 3), input_var=T.matrix())
    value = DenseLayer(features, 1, nonlinearity=None)
    advantages = DenseLayer(features, 2, nonlinearity=None)
    q = get_output(DuelingLayer(value, advantages))
    x = rng.randn(6, 3).astype(floatX)
    got = theano.function([features.input_var], theano.grad(q[:, 0].sum(), value.W))(x)
    np.testing.assert_allclose(got[:, 0], x.sum(axis=0), rtol=1e-5)


@pytest.mark.parametrize("value_shape, advantage_shape, error, match", [
    ((None, 2), (None, 4), ValueError, "`value` must have output shape \\[batch\\] or "
                                       "\\[batch, 1\\], got \\(None, 2\\)"),
    ((None, 1), (None, 2, 4), ValueError, "`advantages` must have output shape "
                                          "\\[batch, n_actions\\], got \\(None, 2, 4\\)"),
], ids=["value-2-wide", "advantages-3d"])
def test_bad_shapes_are_named(value_shape, advantage_shape, error, match):
    with pytest.raises(error, match=match):
        DuelingLayer(InputLayer(value_shape), InputLayer(advantage_shape))


def test_inputs_must_be_layers():
    with pytest.raises(TypeError, match="`advantages` must be a lasagne layer, got ndarray"):
        DuelingLayer(InputLayer((None, 1)), np.zeros((2, 3)))
