"""reapply / ReapplyLayer: the spec-11 scenarios, numpy references, shared training, errors."""
from collections import OrderedDict

import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import (ConcatLayer, DenseLayer, DropoutLayer, InputLayer, get_all_params,
                            get_output)
from lasagne.nonlinearities import rectify

from agentnet.utils.layers import DictElementLayer, ReapplyLayer, reapply
import agentnet.utils.clone

floatX = theano.config.floatX


def relu(x):
    return np.maximum(x, 0)


@pytest.fixture(scope="module")
def network():
    """in1 -> (d1(20), d2(30)) -> concat -> d3(20), as in spec 11, plus numpy weights."""
    in1 = InputLayer((None, 10), name="in1")
    d1 = DenseLayer(in1, 20, nonlinearity=rectify, name="d1")
    d2 = DenseLayer(in1, 30, nonlinearity=rectify, name="d2")
    concat = ConcatLayer([d1, d2], name="concat")
    d3 = DenseLayer(concat, 20, nonlinearity=None, name="d3")
    layers = dict(in1=in1, d1=d1, d2=d2, concat=concat, d3=d3)
    return layers


def _dense(layer, x, nonlinearity=relu):
    return nonlinearity(x @ layer.W.get_value() + layer.b.get_value())


def numpy_concat(layers, x, d2_value=None):
    """Slow reference of the fixture's concat layer; ``d2_value`` overrides d2's output."""
    h2 = _dense(layers["d2"], x) if d2_value is None else d2_value
    return np.concatenate([_dense(layers["d1"], x), h2], axis=1)


def numpy_network(layers, x, d2_value=None):
    """Slow reference of the fixture's d3."""
    return _dense(layers["d3"], numpy_concat(layers, x, d2_value), nonlinearity=lambda z: z)


@pytest.fixture(scope="module")
def scenarios(network):
    """The spec-11 reapply calls, compiled together: x1 feeds in1, x2 in2, x3 in3."""
    in1, d1, d2, concat, d3 = [network[k] for k in ("in1", "d1", "d2", "concat", "d3")]
    in2, in3 = InputLayer((None, 10), name="in2"), InputLayer((None, 30), name="in3")
    built = OrderedDict([
        ("on_in2", reapply(d3, {in1: in2})),
        ("on_in3", reapply(d3, {d2: in3})),
        ("several", reapply(concat, {d2: ConcatLayer([d1, d2]), in1: in2})),
        ("original", d3),
    ])
    pair = reapply([d3, d2], {in1: in2})
    named = reapply({"d3": d3, "d2": d2}, {in1: in2})
    built.update([("pair0", pair[0]), ("pair1", pair[1]),
                  ("named_d3", named["d3"]), ("named_d2", named["d2"])])
    # The input layers' own variables: an inputs dict given to get_output does not reach the
    # layers evaluated inside a ReapplyLayer (d1 still reads in1 when d2 is replaced).
    function = theano.function([in1.input_var, in2.input_var, in3.input_var],
                               get_output(list(built.values())), on_unused_input="ignore")
    return built, pair, named, lambda *args: dict(zip(built, function(*args)))


def _inputs(seed):
    rng = np.random.RandomState(seed)
    return (rng.randn(4, 10).astype(floatX), rng.randn(4, 10).astype(floatX),
            rng.rand(4, 30).astype(floatX))


@pytest.mark.numerics
def test_reapplied_network_matches_numpy(network, scenarios):
    _, _, _, evaluate = scenarios
    x1, x2, x3 = _inputs(0)
    out = evaluate(x1, x2, x3)
    tolerance = dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out["original"], numpy_network(network, x1), **tolerance)
    np.testing.assert_allclose(out["on_in2"], numpy_network(network, x2), **tolerance)
    np.testing.assert_allclose(out["on_in3"], numpy_network(network, x1, d2_value=x3),
                               **tolerance)
    # concat(d1(in2), [d1(in1), d2(in1)]): the replacement is evaluated outside, on in1
    outer = numpy_concat(network, x1)
    np.testing.assert_allclose(out["several"], numpy_concat(network, x2, d2_value=outer),
                               **tolerance)
    assert out["several"].shape == (4, 70)
    for key in ("pair0", "named_d3"):
        np.testing.assert_allclose(out[key], out["on_in2"], **tolerance)
    for key in ("pair1", "named_d2"):
        np.testing.assert_allclose(out[key], _dense(network["d2"], x2), **tolerance)


def test_containers_and_shapes(network, scenarios):
    built, pair, named, _ = scenarios
    assert isinstance(pair, list) and len(pair) == 2
    assert pair[0].input_layer is pair[1].input_layer
    assert isinstance(named, OrderedDict) and list(named) == ["d3", "d2"]
    assert isinstance(built["on_in2"], DictElementLayer)
    # shapes are the original layers' shapes, not recomputed for the new inputs
    assert built["several"].output_shape == network["concat"].output_shape == (None, 50)
    assert pair[1].output_shape == (None, 30)
    layer = built["on_in3"].input_layer
    assert isinstance(layer, ReapplyLayer) and layer.input_keys == [network["d2"]]
    assert list(layer.layers.values()) == [network["d3"]]


def test_parameters_are_the_originals(network, scenarios):
    built, _, _, _ = scenarios
    assert get_all_params(built["on_in2"]) == get_all_params(network["d3"])
    assert get_all_params(built["on_in2"], trainable=True) == get_all_params(network["d3"],
                                                                           trainable=True)
    assert get_all_params(built["on_in2"], regularizable=True) == [
        network["d1"].W, network["d2"].W, network["d3"].W]


@pytest.mark.numerics
def test_gradients_through_the_copy_train_the_shared_weights(network):
    in1, d3 = network["in1"], network["d3"]
    in2 = InputLayer((None, 10))
    copy = reapply(d3, {in1: in2})
    x = T.matrix("x")
    loss_copy = (get_output(copy, {in2: x}) ** 2).sum()
    loss_original = (get_output(d3, {in1: x}) ** 2).sum()
    params = get_all_params(copy, trainable=True)
    grads = theano.function([x], theano.grad(loss_copy, params)
                            + theano.grad(loss_original, params))(_inputs(1)[0])
    for via_copy, via_original in zip(grads[:len(params)], grads[len(params):]):
        np.testing.assert_allclose(via_copy, via_original, rtol=1e-5, atol=1e-6)


@pytest.mark.numerics
def test_flags_reach_the_reapplied_layers():
    inp, other = InputLayer((None, 5)), InputLayer((None, 5))
    dropped = reapply(DropoutLayer(inp, p=0.5), {inp: other})
    x = T.matrix("x")
    value = np.ones((3, 5), dtype=floatX)
    deterministic = theano.function([x], get_output(dropped, {other: x}, deterministic=True))
    noisy = theano.function([x], get_output(dropped, {other: x}))
    np.testing.assert_array_equal(deterministic(value), value)
    assert set(np.unique(noisy(value))) <= {0.0, 2.0} and (noisy(value) == 0).any()


def test_dtypes_and_explicit_outputs():
    inp, other = InputLayer((None, 3)), InputLayer((None, 3))
    counter = DenseLayer(inp, 2)
    counter.output_dtype = "int32"
    reapplied = reapply({"c": counter}, {inp: other})["c"]
    assert reapplied.output_dtype == "int32"
    explicit = reapply(counter, {inp: other}, output_shapes=OrderedDict([(0, (7, 2))]),
                       output_dtypes=OrderedDict([(0, "uint8")]), name="again")
    assert explicit.output_shape == (7, 2) and explicit.output_dtype == "uint8"
    assert explicit.input_layer.name == "again"


@pytest.mark.parametrize("layers, replacements, error, message", [
    ("d3", ["in1", "in2"], TypeError, "`replacements` must be a dict"),
    ("d3", {"in1": T.matrix()}, TypeError, "must map lasagne layers to lasagne layers, got "
                                           "InputLayer -> TensorVariable"),
    (5, {"in1": "in2"}, TypeError, "`layers` must be a layer, a list/tuple of layers"),
    (["d3", "x"], {"in1": "in2"}, TypeError, r"`layers`\[1\] must be a lasagne layer, got str"),
    ([], {"in1": "in2"}, ValueError, "at least one layer"),
], ids=["list-replacements", "tensor-replacement", "int-layers", "str-in-list", "empty"])
def test_bad_arguments(network, layers, replacements, error, message):
    others = dict(network, in2=InputLayer((None, 10)))

    def resolve(x):
        return others[x] if isinstance(x, str) and x in others else x
    if isinstance(layers, list):
        layers = [resolve(x) for x in layers]
    if isinstance(replacements, dict):
        replacements = {resolve(k): resolve(v) for k, v in replacements.items()}
    else:
        replacements = [resolve(x) for x in replacements]
    with pytest.raises(error, match=message):
        reapply(resolve(layers), replacements)


def test_deprecated_alias_in_clone_module(network):
    in2 = InputLayer((None, 10))
    with pytest.warns(DeprecationWarning, match="Use agentnet.utils.layers.reapply"):
        moved = agentnet.utils.clone.reapply(network["d3"], {network["in1"]: in2})
    assert moved.input_layer.input_layers == [in2]
