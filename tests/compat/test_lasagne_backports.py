"""The Lasagne backports against slow numpy references, and where ``install`` puts them."""
import importlib
import sys
import types

import numpy as np
import pytest
import theano
import theano.tensor as T
import lasagne
from lasagne.layers import InputLayer, get_output

from agentnet_compat import backports as bp

floatX = theano.config.floatX
RTOL = 1e-4 if floatX == "float32" else 1e-10


def compile_layer(layer, ndim, **flags):
    """theano.function: input array -> layer output (flags go to get_output)."""
    x = T.TensorType(floatX, (False,) * ndim)("x")
    return theano.function([x], get_output(layer, x, **flags), allow_input_downcast=True)


def per_unit_reference(x, param, shared_axes, op):
    """Apply ``op(x[i], param[i without shared axes])`` element by element."""
    out = np.empty_like(x)
    for index in np.ndindex(*x.shape):
        unit = tuple(i for axis, i in enumerate(index) if axis not in shared_axes)
        out[index] = op(x[index], param[unit])
    return out


# ------------------------------------------------------------------ where install puts them

def test_backports_are_reachable_where_lasagne_master_keeps_them():
    assert lasagne.layers.ScaleLayer is bp.ScaleLayer
    assert lasagne.layers.special.ScaleLayer is bp.ScaleLayer
    assert lasagne.layers.special.BiasLayer is lasagne.layers.BiasLayer is bp.BiasLayer
    assert lasagne.layers.special.ExpressionLayer is bp.ExpressionLayer
    assert lasagne.layers.special.standardize is lasagne.layers.standardize is bp.standardize
    assert lasagne.layers.normalization.BatchNormLayer is bp.BatchNormLayer
    assert lasagne.layers.normalization.batch_norm is lasagne.layers.batch_norm is bp.batch_norm
    assert lasagne.layers.DenseLayer is lasagne.layers.dense.DenseLayer is bp.DenseLayer
    assert lasagne.nonlinearities.elu is bp.elu
    # Lasagne 0.1's own names are untouched.
    assert lasagne.layers.normalization.LocalResponseNormalization2DLayer.__module__ == \
        "lasagne.layers.normalization"


def test_submodules_import_like_real_ones():
    special = importlib.import_module("lasagne.layers.special")
    assert sys.modules["lasagne.layers.special"] is special is lasagne.layers.special
    namespace = {}
    exec("from lasagne.layers.special import *", namespace)
    assert namespace["ScaleLayer"] is bp.ScaleLayer and namespace["standardize"] is bp.standardize
    exec("from lasagne.layers.normalization import *", namespace)
    assert namespace["batch_norm"] is bp.batch_norm
    assert "LocalResponseNormalization2DLayer" in namespace


def test_install_is_idempotent():
    exported = list(lasagne.layers.normalization.__all__)
    assert bp.install(lasagne) is lasagne
    assert bp.install(lasagne) is lasagne
    assert lasagne.layers.normalization.__all__ == exported
    assert lasagne.layers.ScaleLayer is bp.ScaleLayer
    assert lasagne.layers.DenseLayer is bp.DenseLayer


def _fake_lasagne(name, dense_init):
    """A module tree shaped like lasagne with a given DenseLayer.__init__."""
    package = types.ModuleType(name)
    package.layers = types.ModuleType(name + ".layers")
    package.layers.dense = types.ModuleType(name + ".layers.dense")
    package.nonlinearities = types.ModuleType(name + ".nonlinearities")
    dense_class = type("DenseLayer", (object,), {"__init__": dense_init})
    package.layers.DenseLayer = package.layers.dense.DenseLayer = dense_class
    return package


@pytest.fixture
def fake_lasagne():
    """Builds fake lasagne trees; removes what install registered in sys.modules."""
    yield _fake_lasagne
    for key in [k for k in sys.modules if k.startswith("fake_lasagne")]:
        del sys.modules[key]


def test_install_keeps_names_lasagne_already_has(fake_lasagne):
    def modern_init(self, incoming, num_units, num_leading_axes=1):
        pass
    modern = fake_lasagne("fake_lasagne_modern", modern_init)
    own_scale, own_dense = object(), modern.layers.DenseLayer
    modern.layers.ScaleLayer = own_scale
    bp.install(modern)
    assert modern.layers.ScaleLayer is own_scale and modern.layers.DenseLayer is own_dense
    assert modern.layers.special.ScaleLayer is bp.ScaleLayer
    assert modern.layers.BiasLayer is bp.BiasLayer
    assert sys.modules["fake_lasagne_modern.layers.special"] is modern.layers.special
    assert modern.layers.normalization.batch_norm is bp.batch_norm
    assert modern.nonlinearities.elu is bp.elu


def test_install_replaces_a_dense_layer_without_num_leading_axes(fake_lasagne):
    def old_init(self, incoming, num_units):
        pass
    old = fake_lasagne("fake_lasagne_old", old_init)
    bp.install(old)
    assert old.layers.DenseLayer is old.layers.dense.DenseLayer is bp.DenseLayer


# ------------------------------------------------------------------ ScaleLayer and BiasLayer

SHARED_AXES_CASES = [
    # input shape, shared_axes, resolved axes, parameter shape
    ((2, 3), "auto", (0,), (3,)),
    ((2, 3, 4, 5), "auto", (0, 2, 3), (3,)),
    ((2, 3, 4), 0, (0,), (3, 4)),
    ((2, 3, 4), [0], (0,), (3, 4)),
    ((2, 3, 4), (0, 2), (0, 2), (3,)),
    ((2, 3, 4), -1, (2,), (2, 3)),
    ((2, 3), (0, 1), (0, 1), ()),
]
CASE_IDS = ["2d-auto", "4d-auto", "int", "list", "tuple", "negative", "all-shared"]


@pytest.mark.numerics
@pytest.mark.parametrize("layer_class, param_name, op", [
    (bp.ScaleLayer, "scales", np.multiply), (bp.BiasLayer, "b", np.add)], ids=["scale", "bias"])
@pytest.mark.parametrize("shape, shared_axes, axes, param_shape", SHARED_AXES_CASES, ids=CASE_IDS)
def test_scale_and_bias_layers_vs_numpy(layer_class, param_name, op, shape, shared_axes, axes,
                                        param_shape, rng):
    value = np.asarray(rng.randn(*param_shape), dtype=floatX)
    kwargs = {param_name: value}
    batch = None if 0 in axes else shape[0]
    layer = layer_class(InputLayer((batch,) + shape[1:]), shared_axes=shared_axes, **kwargs)
    assert layer.shared_axes == axes
    assert getattr(layer, param_name).get_value().shape == param_shape
    x = rng.randn(*shape)
    expected = per_unit_reference(x, value, axes, op)
    np.testing.assert_allclose(compile_layer(layer, len(shape))(x), expected, rtol=RTOL,
                               atol=RTOL)


@pytest.mark.parametrize("layer_class, param_name", [(bp.ScaleLayer, "scales"),
                                                     (bp.BiasLayer, "b")])
def test_scale_and_bias_parameters_are_named_and_not_regularizable(layer_class, param_name):
    layer = layer_class(InputLayer((None, 3)), name="peep")
    param = getattr(layer, param_name)
    assert param.name == "peep." + param_name
    assert layer.get_params() == [param]
    assert layer.params[param] == {"trainable"}
    assert layer.get_params(regularizable=True) == []


def test_default_scales_are_one_and_default_bias_zero():
    assert np.all(bp.ScaleLayer(InputLayer((None, 3))).scales.get_value() == 1)
    assert np.all(bp.BiasLayer(InputLayer((None, 3))).b.get_value() == 0)


def test_bias_layer_without_bias_is_the_identity():
    layer = bp.BiasLayer(InputLayer((None, 3)), b=None)
    assert layer.b is None and layer.get_params() == []
    x = T.matrix()
    assert get_output(layer, x) is x


@pytest.mark.parametrize("kwargs, error, match", [
    ({"shared_axes": "all"}, ValueError, "`shared_axes` must be 'auto'"),
    ({"shared_axes": 3}, ValueError, "`shared_axes` must name axes of the 3-d input"),
    ({"shared_axes": 1.5}, TypeError, "`shared_axes` must be 'auto', an int or a tuple"),
    ({"shared_axes": 0}, ValueError, r"needs a known size .* \(None, None, 4\)"),
    ({"scale": 2.0}, TypeError, "did you mean 'scales'"),
], ids=["bad-string", "out-of-range", "float", "unknown-size", "misspelled"])
def test_scale_layer_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        bp.ScaleLayer(InputLayer((None, None, 4)), **kwargs)


# ------------------------------------------------------------------ ExpressionLayer

@pytest.mark.parametrize("function, output_shape, expected", [
    (lambda x: 2 * x, None, (None, 3, 4)),
    (lambda x: x.sum(axis=1), "auto", (None, 4)),
    (lambda x: x.dimshuffle(2, 1, 0), "auto", (4, 3, None)),
    (lambda x: x.flatten(2), "auto", (None, 12)),
    (lambda x: x[:, 0], (None, 4), (None, 4)),
    (lambda x: x[:, :2], lambda shape: shape[:1] + (2,) + shape[2:], (None, 2, 4)),
], ids=["none-same-shape", "auto-reduce", "auto-batch-moves", "auto-flatten", "tuple",
        "callable"])
def test_expression_layer_output_shape_modes(function, output_shape, expected):
    layer = bp.ExpressionLayer(InputLayer((None, 3, 4)), function, output_shape=output_shape)
    assert layer.output_shape == expected


def test_expression_layer_auto_shape_with_fully_known_input_is_evaluated_once():
    calls = []

    def pooled(x):
        calls.append(x)
        return x.max(axis=2)
    layer = bp.ExpressionLayer(InputLayer((5, 3, 4)), pooled, output_shape="auto")
    assert layer.output_shape == (5, 3) and layer.output_shape == (5, 3)
    assert len(calls) == 1


@pytest.mark.numerics
def test_expression_layer_computes_its_function(rng):
    layer = bp.ExpressionLayer(InputLayer((None, 3, 4)), lambda x: x.max(axis=1) - x[:, 0],
                               output_shape="auto", name="window_max")
    x = rng.randn(2, 3, 4)
    expected = np.array([[max(x[b, :, j]) - x[b, 0, j] for j in range(4)] for b in range(2)])
    np.testing.assert_allclose(compile_layer(layer, 3)(x), expected, rtol=RTOL)
    assert layer.get_params() == []


@pytest.mark.parametrize("kwargs, error, match", [
    ({"function": "max"}, TypeError, "`function` must be callable"),
    ({"function": abs, "output_shape": "same"}, ValueError, "`output_shape` must be None, 'auto'"),
    ({"function": abs, "output_shape": 3}, TypeError, "`output_shape` must be None, 'auto'"),
    ({"function": abs, "outputshape": "auto"}, TypeError, "did you mean 'output_shape'"),
], ids=["not-callable", "bad-string", "int", "misspelled"])
def test_expression_layer_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        bp.ExpressionLayer(InputLayer((None, 3)), **kwargs)


# ------------------------------------------------------------------ DenseLayer

def dense_reference(x, W, b, leading, nonlinearity):
    """One flattened dot product per position along the leading axes."""
    out = np.empty(x.shape[:leading] + (W.shape[1],))
    for index in np.ndindex(*x.shape[:leading]):
        out[index] = nonlinearity(x[index].ravel() @ W + b)
    return out


@pytest.mark.numerics
@pytest.mark.parametrize("batch, num_leading_axes, resolved, output_shape", [
    (None, 1, 1, (None, 6)), (None, 2, 2, (None, 3, 6)), (None, 3, 3, (None, 3, 4, 6)),
    (None, -1, 3, (None, 3, 4, 6)), (None, -2, 2, (None, 3, 6)), (2, 0, 0, (6,))])
def test_dense_layer_num_leading_axes_vs_numpy(batch, num_leading_axes, resolved, output_shape,
                                               rng):
    layer = bp.DenseLayer(InputLayer((batch, 3, 4, 5)), 6, nonlinearity=T.tanh,
                          b=rng.randn(6).astype(floatX), num_leading_axes=num_leading_axes)
    assert layer.output_shape == output_shape and layer.num_leading_axes == num_leading_axes
    x = rng.randn(2, 3, 4, 5)
    assert layer.W.get_value().shape == (int(np.prod(x.shape[resolved:])), 6)
    expected = dense_reference(x, layer.W.get_value(), layer.b.get_value(), resolved, np.tanh)
    np.testing.assert_allclose(compile_layer(layer, 4)(x), expected, rtol=RTOL, atol=RTOL)


@pytest.mark.numerics
def test_dense_layer_default_matches_lasagne_01(rng):
    layer = bp.DenseLayer(InputLayer((None, 3, 4)), 5, name="fc")
    lasagne_01 = bp.DenseLayer.__bases__[0]  # Lasagne 0.1's own DenseLayer
    assert layer.output_shape == lasagne_01.get_output_shape_for(layer, (None, 3, 4))
    assert isinstance(layer, lasagne_01) and layer.W.get_value().shape == (12, 5)
    assert [p.name for p in layer.get_params()] == ["fc.W", "fc.b"]
    assert layer.get_params(regularizable=True) == [layer.W]
    x = T.tensor3()
    ours, theirs = theano.function([x], [get_output(layer, x),
                                         lasagne_01.get_output_for(layer, x)])(
        rng.randn(2, 3, 4).astype(floatX))
    np.testing.assert_allclose(ours, theirs, rtol=RTOL)


@pytest.mark.parametrize("shape, kwargs, error, match", [
    ((None, 3), {"num_leading_axes": 2}, ValueError, r"`num_leading_axes` must be in \[-2, 2\)"),
    ((None, 3), {"num_leading_axes": -3}, ValueError, "`num_leading_axes` must be in"),
    ((None, 3), {"num_leading_axes": 1.0}, TypeError, "`num_leading_axes` must be an int"),
    ((None, None, 3), {}, ValueError, r"known sizes .* \(None, None, 3\)"),
    ((None, 3), {"num_units": 0}, ValueError, "`num_units` must be a positive int"),
    ((None, 3), {"num_leading_axis": 1}, TypeError, "did you mean 'num_leading_axes'"),
], ids=["too-many", "too-negative", "float", "unknown-trailing", "no-units", "misspelled"])
def test_dense_layer_rejects_bad_arguments(shape, kwargs, error, match):
    kwargs.setdefault("num_units", 2)
    with pytest.raises(error, match=match):
        bp.DenseLayer(InputLayer(shape), **kwargs)


# ------------------------------------------------------------------ BatchNormLayer

def batch_norm_reference(x, mean, inv_std, gamma, beta, axes):
    """Normalise element by element with per-unit statistics."""
    out = np.empty_like(x)
    for index in np.ndindex(*x.shape):
        unit = tuple(i for axis, i in enumerate(index) if axis not in axes)
        out[index] = (x[index] - mean[unit]) * inv_std[unit] * gamma[unit] + beta[unit]
    return out


def batch_statistics(x, axes, epsilon):
    """Per-unit mean and 1 / sqrt(var + epsilon) over ``axes``, by explicit gathering."""
    moved = np.moveaxis(x, axes, range(len(axes)))
    units = moved.reshape((-1,) + moved.shape[len(axes):])
    return units.mean(axis=0), 1 / np.sqrt(units.var(axis=0) + epsilon)


@pytest.fixture
def bn_layer(rng):
    """A [batch, channels, length] batch-norm layer with non-trivial gamma, beta and averages."""
    layer = bp.BatchNormLayer(InputLayer((None, 3, 4)), alpha=0.25, name="bn")
    layer.gamma.set_value(rng.uniform(0.5, 2, 3).astype(floatX))
    layer.beta.set_value(rng.randn(3).astype(floatX))
    layer.mean.set_value(rng.randn(3).astype(floatX))
    layer.inv_std.set_value(rng.uniform(0.5, 2, 3).astype(floatX))
    return layer


def _values(layer):
    return [p.get_value().copy() for p in (layer.gamma, layer.beta, layer.mean, layer.inv_std)]


@pytest.mark.numerics
def test_batch_norm_training_uses_batch_statistics_and_updates_averages(bn_layer, rng):
    gamma, beta, mean0, inv_std0 = _values(bn_layer)
    train = compile_layer(bn_layer, 3)
    x = rng.randn(5, 3, 4) * 3 + 7
    batch_mean, batch_inv_std = batch_statistics(x, (0, 2), 1e-4)
    np.testing.assert_allclose(
        train(x), batch_norm_reference(x, batch_mean, batch_inv_std, gamma, beta, (0, 2)),
        rtol=10 * RTOL, atol=10 * RTOL)
    # m <- (1 - alpha) m + alpha * batch statistic, once per call
    mean1 = 0.75 * mean0 + 0.25 * batch_mean
    np.testing.assert_allclose(bn_layer.mean.get_value(), mean1, rtol=RTOL)
    np.testing.assert_allclose(bn_layer.inv_std.get_value(),
                               0.75 * inv_std0 + 0.25 * batch_inv_std, rtol=RTOL)
    train(x)
    np.testing.assert_allclose(bn_layer.mean.get_value(), 0.75 * mean1 + 0.25 * batch_mean,
                               rtol=RTOL)


@pytest.mark.numerics
def test_batch_norm_deterministic_uses_stored_averages_without_updating(bn_layer, rng):
    gamma, beta, mean, inv_std = _values(bn_layer)
    infer = compile_layer(bn_layer, 3, deterministic=True)
    x = rng.randn(5, 3, 4)
    np.testing.assert_allclose(infer(x), batch_norm_reference(x, mean, inv_std, gamma, beta,
                                                              (0, 2)), rtol=RTOL, atol=RTOL)
    np.testing.assert_allclose(bn_layer.mean.get_value(), mean)
    np.testing.assert_allclose(bn_layer.inv_std.get_value(), inv_std)


@pytest.mark.numerics
def test_batch_norm_flags_use_averages_and_update_averages_independently(bn_layer, rng):
    gamma, beta, mean0, inv_std0 = _values(bn_layer)
    # Stored statistics in the output (as before the call), running averages still updated.
    function = compile_layer(bn_layer, 3, batch_norm_use_averages=True)
    x = rng.randn(5, 3, 4)
    np.testing.assert_allclose(function(x), batch_norm_reference(x, mean0, inv_std0, gamma, beta,
                                                                 (0, 2)), rtol=RTOL, atol=RTOL)
    batch_mean, _ = batch_statistics(x, (0, 2), 1e-4)
    np.testing.assert_allclose(bn_layer.mean.get_value(), 0.75 * mean0 + 0.25 * batch_mean,
                               rtol=RTOL)
    # Batch statistics without touching the averages.
    frozen = compile_layer(bn_layer, 3, batch_norm_update_averages=False)
    before = bn_layer.mean.get_value().copy()
    frozen(x)
    np.testing.assert_allclose(bn_layer.mean.get_value(), before)


@pytest.mark.numerics
def test_batch_norm_auto_axes_on_images_normalise_per_channel(rng):
    layer = bp.BatchNormLayer(InputLayer((None, 2, 3, 3)), beta=None, gamma=None)
    assert layer.axes == (0, 2, 3) and layer.mean.get_value().shape == (2,)
    x = rng.randn(4, 2, 3, 3) * 2 + 1
    mean, inv_std = batch_statistics(x, (0, 2, 3), 1e-4)
    ones, zeros = np.ones(2), np.zeros(2)
    np.testing.assert_allclose(compile_layer(layer, 4, batch_norm_update_averages=False)(x),
                               batch_norm_reference(x, mean, inv_std, ones, zeros, (0, 2, 3)),
                               rtol=10 * RTOL, atol=10 * RTOL)


def test_batch_norm_parameters_and_tags(bn_layer):
    assert [p.name for p in bn_layer.get_params()] == ["bn.beta", "bn.gamma", "bn.mean",
                                                       "bn.inv_std"]
    assert bn_layer.get_params(trainable=True) == [bn_layer.beta, bn_layer.gamma]
    assert bn_layer.get_params(regularizable=True) == [bn_layer.gamma]
    with pytest.raises(ValueError, match="BatchNormLayer needs a known size"):
        bp.BatchNormLayer(InputLayer((None, None)))
    with pytest.raises(TypeError, match="did you mean 'epsilon'"):
        bp.BatchNormLayer(InputLayer((None, 3)), epsillon=1e-3)


# ------------------------------------------------------------------ batch_norm helper

@pytest.mark.numerics
def test_batch_norm_removes_bias_and_moves_the_nonlinearity(rng):
    dense = bp.DenseLayer(InputLayer((None, 3)), 4, name="fc")
    out = bp.batch_norm(dense, alpha=0.3)
    assert dense.b is None and dense.get_params() == [dense.W]
    assert dense.nonlinearity is lasagne.nonlinearities.identity
    assert isinstance(out, lasagne.layers.NonlinearityLayer)
    assert out.nonlinearity is lasagne.nonlinearities.rectify
    normalized = out.input_layer
    assert isinstance(normalized, bp.BatchNormLayer) and normalized.input_layer is dense
    assert (normalized.name, out.name, normalized.alpha) == ("fc_bn", "fc_bn_nonlin", 0.3)
    x = rng.randn(6, 3)
    pre = x @ dense.W.get_value()
    mean, inv_std = batch_statistics(pre, (0,), 1e-4)
    expected = np.maximum(0, batch_norm_reference(pre, mean, inv_std, np.ones(4), np.zeros(4),
                                                  (0,)))
    np.testing.assert_allclose(compile_layer(out, 2)(x), expected, rtol=10 * RTOL,
                               atol=10 * RTOL)


def test_batch_norm_of_a_layer_without_nonlinearity_returns_the_norm_layer():
    reshaped = lasagne.layers.ReshapeLayer(InputLayer((None, 6)), ([0], 2, 3))
    out = bp.batch_norm(reshaped, name="norm")
    assert isinstance(out, bp.BatchNormLayer) and out.name == "norm"
    with pytest.raises(TypeError, match="`layer` must be a lasagne layer"):
        bp.batch_norm(T.matrix())


# ------------------------------------------------------------------ standardize

@pytest.mark.numerics
def test_standardize_vs_numpy_and_not_trainable(rng):
    offset, scale = rng.randn(3), rng.uniform(0.5, 2, 3)
    out = bp.standardize(InputLayer((None, 3, 2)), offset, scale, name="std")
    shift = out.input_layer
    assert isinstance(out, bp.ScaleLayer) and isinstance(shift, bp.BiasLayer)
    assert (shift.name, out.name) == ("std_offset", "std_scale")
    assert lasagne.layers.get_all_params(out, trainable=True) == []
    assert lasagne.layers.get_all_params(out) == [shift.b, out.scales]
    x = rng.randn(4, 3, 2)
    expected = np.array([[[(x[b, c, t] - offset[c]) / scale[c] for t in range(2)]
                          for c in range(3)] for b in range(4)])
    np.testing.assert_allclose(compile_layer(out, 3)(x), expected, rtol=RTOL, atol=RTOL)


def test_standardize_broadcasts_scalars_and_rejects_bad_statistics():
    out = bp.standardize(InputLayer((None, 2, 5)), offset=1.0, scale=4.0, shared_axes=0)
    assert np.allclose(out.scales.get_value(), np.full((2, 5), 0.25))
    assert np.allclose(out.input_layer.b.get_value(), np.full((2, 5), -1.0))
    with pytest.raises(ValueError, match=r"`offset` of shape \(3,\) does not broadcast .* \(2,\)"):
        bp.standardize(InputLayer((None, 2)), np.zeros(3), 1.0)
    with pytest.raises(ValueError, match="`scale` must be non-zero"):
        bp.standardize(InputLayer((None, 2)), 0.0, np.array([1.0, 0.0]))
    with pytest.raises(TypeError, match="`scale` must be a number or numpy array"):
        bp.standardize(InputLayer((None, 2)), 0.0, theano.shared(np.ones(2)))


# ------------------------------------------------------------------ elu

@pytest.mark.numerics
def test_elu_vs_numpy():
    x = np.array([-20., -2., -0.5, -1e-3, 0., 1e-3, 1.5, 30.], dtype=floatX)
    expected = [v if v > 0 else np.exp(v) - 1 for v in x.astype(np.float64)]
    np.testing.assert_allclose(lasagne.nonlinearities.elu(T.constant(x)).eval(), expected,
                               rtol=RTOL, atol=1e-7)
    v = T.vector()
    grad = theano.function([v], T.grad(bp.elu(v).sum(), v), allow_input_downcast=True)(x)
    np.testing.assert_allclose(grad, np.where(x > 0, 1, np.exp(x.astype(np.float64))),
                               rtol=RTOL, atol=1e-7)


@pytest.mark.parametrize("build, message", [
    (lambda: lasagne.layers.DenseLayer(np.ones((3, 3)), 4),
     r"`incoming` must be a lasagne layer or a shape tuple, got ndarray"),
    (lambda: lasagne.layers.NonlinearityLayer(T.matrix()),
     r"`incoming` must be a lasagne layer or a shape tuple, got TensorVariable"),
    (lambda: lasagne.layers.ConcatLayer([InputLayer((None, 2)), np.ones(2)]),
     r"`incomings\[1\]` must be a lasagne layer or a shape tuple, got ndarray"),
    (lambda: lasagne.layers.ElemwiseSumLayer(InputLayer((None, 2))),
     r"`incomings` must be a list of lasagne layers or shape tuples, got InputLayer"),
], ids=["dense-array", "tensor", "concat-item", "merge-not-a-list"])
def test_layers_name_an_incoming_that_is_not_a_layer(build, message):
    with pytest.raises(TypeError, match=message):
        build()


def test_layers_still_accept_layers_and_shapes():
    assert lasagne.layers.DenseLayer((None, 3), 4).output_shape == (None, 4)
    merged = lasagne.layers.ConcatLayer([InputLayer((None, 2)), (None, 3)])
    assert merged.output_shape == (None, 5)
