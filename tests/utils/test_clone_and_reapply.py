"""clone_network and reapply: the spec-11 scenarios plus numeric checks."""
import numpy as np
import pytest
import theano
from lasagne.layers import (ConcatLayer, DenseLayer, InputLayer, get_all_layers, get_all_params,
                            get_output)

from agentnet.utils.clone import clone_network
from agentnet.utils.layers import reapply

floatX = theano.config.floatX


def _chain():
    inp = InputLayer((None, 10), input_var=theano.shared(np.zeros((3, 10), dtype=floatX)),
                     name="input")
    d0 = DenseLayer(inp, 20, name="d0")
    d1 = DenseLayer(d0, 30, name="d1")
    d2 = DenseLayer(d1, 40, name="d2")
    d3 = DenseLayer(d2, 50, name="d3")
    return inp, d0, d1, d2, d3


def test_clone_copies_renames_and_shares_as_asked():
    inp, d0, d1, d2, d3 = _chain()
    clone = clone_network(d3, name_prefix="cloned_net.")
    assert clone.name == "cloned_net.d3" and clone.W.name == "cloned_net." + d3.W.name
    assert all(a is not b for a, b in zip(get_all_params(clone), get_all_params(d3)))
    shared = clone_network(d3, share_params=True)
    assert all(a is b for a, b in zip(get_all_params(shared), get_all_params(d3)))
    above_d1 = clone_network(d3, bottom_layers=d1)
    assert above_d1.input_layer.input_layer is d1 and d1.input_layer is d0
    d1_alt = DenseLayer(InputLayer((None, 10), name="alt_input"), 30, name="d1_alt")
    replaced = clone_network(d3, bottom_layers={d1: d1_alt})
    assert replaced.input_layer.input_layer is d1_alt
    assert d1_alt.input_layer.name == "alt_input"
    for network in (clone, shared, above_d1):
        assert get_output(network).eval().shape == (3, 50)
    assert get_all_layers(clone)[0] is inp


@pytest.mark.numerics
def test_clone_starts_equal_then_evolves_independently():
    _, _, _, _, d3 = _chain()
    d3.input_layer.input_layer.input_layer.input_layer.input_var.set_value(
        np.random.RandomState(0).randn(3, 10).astype(floatX))
    clone = clone_network(d3)
    np.testing.assert_allclose(get_output(clone).eval(), get_output(d3).eval())
    d3.b.set_value(d3.b.get_value() + 1)
    assert not np.allclose(get_output(clone).eval(), get_output(d3).eval())


@pytest.mark.numerics
def test_reapply_shares_weights_on_new_inputs():
    value = np.random.RandomState(1).randn(4, 10).astype(floatX)
    in1 = InputLayer((None, 10), input_var=theano.shared(-value), name="in1")
    d1, d2 = DenseLayer(in1, 20, name="d1"), DenseLayer(in1, 30, name="d2")
    concat = ConcatLayer([d1, d2])
    d3 = DenseLayer(concat, 20, name="d3")
    in2 = InputLayer((None, 10), input_var=theano.shared(value))
    again = reapply(d3, {in1: in2})
    expected = get_output(d3, {in1: theano.shared(value)}).eval()
    np.testing.assert_allclose(get_output(again).eval(), expected, rtol=1e-5)
    assert set(get_all_params(again)) == set(get_all_params(d3))
    reapply(d3, {d2: InputLayer((None, 30))})
    several = reapply(concat, {d2: ConcatLayer([d1, d2]), in1: in2})
    assert get_output(several).eval().shape == (4, 70)
    pair = reapply([d3, d2], {in1: in2})
    assert isinstance(pair, list) and len(pair) == 2
    named = reapply({"d3": d3, "d2": d2}, {in1: in2})
    assert set(named) == {"d3", "d2"}
    with pytest.raises(TypeError, match="`replacements` must be a dict"):
        reapply(d3, [in2])
