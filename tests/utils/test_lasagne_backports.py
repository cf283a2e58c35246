"""The Lasagne backports against numpy, and where the hook puts them."""
import numpy as np
import pytest
import theano
import theano.tensor as T
import lasagne
from lasagne.layers import InputLayer, get_output

from agentnet.utils import lasagne_backports as bp

floatX = theano.config.floatX


def _run(layer, value, **flags):
    return get_output(layer, theano.shared(value.astype(floatX)), **flags).eval()


def test_backports_are_reachable_where_lasagne_master_keeps_them():
    assert lasagne.layers.ScaleLayer is bp.ScaleLayer
    assert lasagne.layers.special.BiasLayer is bp.BiasLayer
    assert lasagne.layers.normalization.batch_norm is bp.batch_norm
    assert lasagne.layers.DenseLayer is bp.DenseLayer
    assert lasagne.layers.dense.DenseLayer is bp.DenseLayer
    assert lasagne.nonlinearities.elu is bp.elu
    assert bp.install(lasagne) is lasagne and lasagne.layers.ScaleLayer is bp.ScaleLayer


@pytest.mark.numerics
def test_scale_and_bias_layers():
    x = np.random.RandomState(0).randn(2, 3, 4)
    scale = bp.ScaleLayer(InputLayer((None, 3, 4)), scales=np.arange(3, dtype=floatX))
    assert [p.name for p in scale.get_params()] == ["scales"]
    assert "regularizable" not in scale.params[scale.scales]
    np.testing.assert_allclose(_run(scale, x), x * np.arange(3)[None, :, None], rtol=1e-5)
    bias = bp.BiasLayer(InputLayer((None, 3, 4)), b=np.ones((3, 4), dtype=floatX),
                        shared_axes=0)
    np.testing.assert_allclose(_run(bias, x), x + 1, rtol=1e-5)
    assert bp.BiasLayer(InputLayer((None, 3)), b=None).get_params() == []


@pytest.mark.numerics
@pytest.mark.parametrize("leading, expected_shape", [(1, (2, 7)), (2, (2, 3, 7)), (-1, (2, 3, 7))])
def test_dense_layer_num_leading_axes(leading, expected_shape):
    x = np.random.RandomState(1).randn(2, 3, 4)
    dense = bp.DenseLayer(InputLayer((None, 3, 4)), 7, nonlinearity=None,
                          num_leading_axes=leading)
    got = _run(dense, x)
    flat = x.reshape(expected_shape[:-1] + (-1,))
    np.testing.assert_allclose(got, flat @ dense.W.get_value() + dense.b.get_value(), rtol=1e-4,
                               atol=1e-5)
    assert dense.output_shape == (None,) + expected_shape[1:]
    with pytest.raises(ValueError, match="`num_leading_axes`"):
        bp.DenseLayer(InputLayer((None, 3)), 2, num_leading_axes=2)


def test_expression_layer_output_shapes():
    inp = InputLayer((None, 3, 4))
    assert bp.ExpressionLayer(inp, lambda x: 2 * x).output_shape == (None, 3, 4)
    summed = bp.ExpressionLayer(inp, lambda x: x.sum(axis=1), output_shape="auto")
    assert summed.output_shape == (None, 4)
    assert bp.ExpressionLayer(inp, lambda x: x, output_shape=lambda s: s[:2]).output_shape == \
        (None, 3)
    np.testing.assert_allclose(_run(summed, np.ones((2, 3, 4))), np.full((2, 4), 3))


@pytest.mark.numerics
def test_batch_norm_training_inference_and_running_averages():
    x = np.random.RandomState(2).randn(8, 3) * 4 + 10
    inp = InputLayer((None, 3))
    layer = bp.BatchNormLayer(inp, alpha=0.5)
    variable = T.matrix()
    train = theano.function([variable], get_output(layer, variable), allow_input_downcast=True)
    infer = theano.function([variable], get_output(layer, variable, deterministic=True),
                            allow_input_downcast=True)
    normalized = train(x)
    inv_std = 1 / np.sqrt(x.var(0) + 1e-4)
    np.testing.assert_allclose(normalized, (x - x.mean(0)) * inv_std, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(layer.mean.get_value(), 0.5 * x.mean(0), rtol=1e-4)
    np.testing.assert_allclose(layer.inv_std.get_value(), 0.5 + 0.5 * inv_std, rtol=1e-4)
    expected = (x - layer.mean.get_value()) * layer.inv_std.get_value()
    np.testing.assert_allclose(infer(x), expected, rtol=1e-3, atol=1e-3)


def test_batch_norm_helper_and_standardize():
    dense = lasagne.layers.DenseLayer(InputLayer((None, 3)), 4, name="fc")
    out = bp.batch_norm(dense)
    assert dense.b is None and isinstance(out.input_layer, bp.BatchNormLayer)
    assert out.nonlinearity is lasagne.nonlinearities.rectify
    std = bp.standardize(InputLayer((None, 2)), offset=np.array([1., 2.]),
                         scale=np.array([2., 4.]))
    np.testing.assert_allclose(_run(std, np.array([[3., 6.]])), [[1., 1.]], rtol=1e-5)
    assert lasagne.layers.get_all_params(std, trainable=True) == []


@pytest.mark.numerics
def test_elu():
    x = np.array([-2., -0.5, 0., 1.5])
    got = bp.elu(T.constant(x.astype(floatX))).eval()
    np.testing.assert_allclose(got, np.where(x > 0, x, np.exp(x) - 1), rtol=1e-5)
