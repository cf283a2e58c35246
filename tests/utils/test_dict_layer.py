"""DictLayer and DictElementLayer: keys, shapes, dtypes, element access, Lasagne integration."""
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import DenseLayer, InputLayer, get_all_layers, get_all_params, get_output

from agentnet.utils.config import config
from agentnet.utils.layers import DictElementLayer, DictLayer

floatX = theano.config.floatX


@pytest.fixture
def verbose():
    """Run at verbosity 2 (chatty warnings on), restoring the setting afterwards."""
    saved = config.verbose
    config.verbose = 2
    yield
    config.verbose = saved


def _messages(caught):
    return [str(w.message) for w in caught]


def _inputs():
    return InputLayer((None, 2), name="a"), InputLayer((None, 2), name="b")


class SumAndProduct(DictLayer):
    """Two named outputs from two inputs, with one parameter."""

    def __init__(self, a, b, **kwargs):
        super(SumAndProduct, self).__init__(
            [a, b], OrderedDict([("sum", a.output_shape), ("product", a.output_shape)]),
            **kwargs)
        self.scale = self.add_param(np.ones(2, dtype=floatX), (2,), name="scale")

    def get_output_for(self, inputs, **kwargs):
        a, b = inputs
        return OrderedDict([("sum", self.scale * (a + b)), ("product", a * b)])


def test_keys_follow_the_shapes_dict():
    a, b = _inputs()
    layer = DictLayer([a, b], OrderedDict([("y", (None, 3)), ("x", (None, 2))]))
    assert layer.keys() == ["y", "x"] and layer.output_keys == ["y", "x"] and len(layer) == 2
    assert layer.output_shape == OrderedDict([("y", (None, 3)), ("x", (None, 2))])
    assert layer.output_dtype == OrderedDict([("y", floatX), ("x", floatX)])
    assert layer.output_dtype is layer.output_dtypes


def test_keys_from_dtypes_or_positions(verbose):
    a, b = _inputs()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        by_dtype = DictLayer([a, b], [(None, 2), (None, 3)],
                             OrderedDict([("k", "int32"), ("m", floatX)]))
        by_position = DictLayer([a, b], [(None, 2), (None, 3)], ["int32", "uint8"])
    assert by_dtype.keys() == ["k", "m"] and by_dtype.output_shapes["m"] == (None, 3)
    assert by_position.keys() == [0, 1]
    assert by_position.output_dtypes == OrderedDict([(0, "int32"), (1, "uint8")])
    assert any("keyed 0..n-1" in message for message in _messages(caught))


def test_plain_dict_warns_only_when_chatty(verbose):
    a, b = _inputs()
    shapes = {"first": (None, 2), "second": (None, 3)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = DictLayer([a, b], shapes, {"second": "int32", "first": "uint8"})
        config.verbose = 1
        DictLayer([a, b], shapes)
    assert [m for m in _messages(caught) if "OrderedDict" in m] == [
        "[Verbose>=2] A plain dict defines the output order of a DictLayer; use an OrderedDict "
        "if the order matters."]
    # dtypes given as a dict are re-ordered by the keys
    assert list(layer.output_dtypes.items()) == [("first", "uint8"), ("second", "int32")]


def test_dtype_list_must_match_the_keys():
    a, b = _inputs()
    with pytest.raises(ValueError, match="expected 2 entries, one per output, got 1"):
        DictLayer([a, b], [(None, 2), (None, 3)], ["int32"])


def test_single_incoming_and_default_outputs():
    a, b = _inputs()
    single = DictLayer(a, OrderedDict([("only", (None, 2))]))
    assert single.input_layers == [a]
    outputs = single.get_output_for([T.matrix("x")])
    assert list(outputs) == ["only"] and outputs["only"].name == "x"
    with pytest.raises(NotImplementedError, match="must implement get_output_for"):
        DictLayer(a, OrderedDict([("p", (None, 2)), ("q", (None, 2))])).get_output_for([1])


def test_iteration_raises_type_error_so_lasagne_sees_one_layer():
    a, b = _inputs()
    layer = SumAndProduct(a, b)
    with pytest.raises(TypeError, match="cannot be iterated"):
        iter(layer)
    with pytest.raises(TypeError):
        list(layer)
    assert get_all_layers(layer) == [a, b, layer]
    assert get_all_params(layer) == [layer.scale]


def test_element_access():
    a, b = _inputs()
    layer = SumAndProduct(a, b, name="ops")
    element = layer["sum"]
    assert isinstance(element, DictElementLayer) and element is not layer["sum"]
    assert element.input_layer is layer and element.key == "sum" and element.name is None
    assert element.params == OrderedDict() and element.get_output_kwargs == []
    assert element.output_shape == (None, 2) and element.output_dtype == floatX
    assert get_all_params(element) == [layer.scale]
    pair = layer[["sum", "product"]]
    assert isinstance(pair, tuple) and [e.key for e in pair] == ["sum", "product"]
    assert [e.key for e in layer.values()] == ["sum", "product"]
    assert DictElementLayer(layer, "product", name="p").name == "p"
    with pytest.raises(KeyError, match="'ratio' is not an output of ops"):
        layer["ratio"]


def test_element_dtype_comes_from_the_parent():
    a, b = _inputs()
    layer = DictLayer([a, b], OrderedDict([("i", (None, 2)), ("f", (None, 3))]),
                      OrderedDict([("i", "int32"), ("f", floatX)]))
    assert layer["i"].output_dtype == "int32" and layer["f"].output_dtype == floatX


def test_element_needs_a_dict_layer_and_a_known_key():
    a, b = _inputs()
    with pytest.raises(TypeError, match="needs a DictLayer, got InputLayer"):
        DictElementLayer(a, 0)
    with pytest.raises(KeyError, match="'z' is not an output"):
        DictElementLayer(SumAndProduct(a, b), "z")


@pytest.mark.numerics
def test_outputs_through_lasagne():
    a, b = _inputs()
    layer = SumAndProduct(a, b)
    layer.scale.set_value(np.array([2, 3], dtype=floatX))
    head = DenseLayer(layer["product"], 1, nonlinearity=None, b=None)
    x, y = T.matrix("x"), T.matrix("y")
    whole = get_output(layer, {a: x, b: y})
    assert isinstance(whole, dict) and list(whole) == ["sum", "product"]
    function = theano.function([x, y], get_output([layer["sum"], head], {a: x, b: y}))
    xv = np.array([[1, 2], [3, -1]], dtype=floatX)
    yv = np.array([[0.5, 4], [-2, 2]], dtype=floatX)
    total, projected = function(xv, yv)
    np.testing.assert_allclose(total, (xv + yv) * [2, 3])
    np.testing.assert_allclose(projected, (xv * yv) @ head.W.get_value(), rtol=1e-6)
