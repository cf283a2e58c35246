"""clone_network: the spec-11 scenarios, containers, sharing rules, renaming, numerics, errors."""
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import DenseLayer, InputLayer, get_all_layers, get_all_params, get_output

from agentnet.resolver import EpsilonGreedyResolver
from agentnet.utils.clone import clone_network

floatX = theano.config.floatX


def _chain(input_var=None):
    """in -> d0(20) -> d1(30) -> d2(40) -> d3(50), all named."""
    inp = InputLayer((None, 10), input_var=input_var, name="input")
    d0 = DenseLayer(inp, 20, name="d0")
    d1 = DenseLayer(d0, 30, name="d1")
    d2 = DenseLayer(d1, 40, name="d2")
    return inp, d0, d1, d2, DenseLayer(d2, 50, name="d3")


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


@pytest.fixture(scope="module")
def spec_clones():
    """The four clones of spec 11 on an input bound to the constant zeros(3, 10)."""
    inp, d0, d1, d2, d3 = _chain(T.zeros((3, 10)))
    d1_alt = DenseLayer(InputLayer((None, 10), T.zeros((3, 10)), name="alt_input"), 30,
                        name="d1_alt")
    clones = OrderedDict([
        ("prefixed", clone_network(d3, name_prefix="cloned_net.")),
        ("shared_params", _quiet(clone_network, d3, share_params=True)),
        ("above_d1", clone_network(d3, bottom_layers=d1)),
        ("replaced_d1", clone_network(d3, bottom_layers={d1: d1_alt}, name_prefix="r.")),
    ])
    return dict(inp=inp, d0=d0, d1=d1, d2=d2, d3=d3, d1_alt=d1_alt), clones


def test_prefixed_clone(spec_clones):
    original, clones = spec_clones
    clone, d3 = clones["prefixed"], original["d3"]
    assert clone.name == "cloned_net." + d3.name and clone.W.name == "cloned_net." + d3.W.name
    originals, copies = get_all_params(d3), get_all_params(clone)
    assert len(copies) == len(originals) == 8
    assert all(a is not b for a, b in zip(copies, originals))
    assert [p.name for p in copies] == ["cloned_net." + p.name for p in originals]
    layers = get_all_layers(clone)
    assert layers[0] is original["inp"] and layers[0].name == "input"
    assert [layer.name for layer in layers[1:]] == ["cloned_net.d%i" % i for i in range(4)]
    assert original["d3"].name == "d3" and original["d3"].W.name == "d3.W"


def test_shared_params_clone(spec_clones):
    original, clones = spec_clones
    clone = clones["shared_params"]
    assert clone is not original["d3"] and clone.input_layer is not original["d2"]
    assert all(a is b for a, b in zip(get_all_params(clone), get_all_params(original["d3"])))


def test_clone_above_a_bottom_layer(spec_clones):
    original, clones = spec_clones
    clone = clones["above_d1"]
    assert clone.input_layer.input_layer is original["d1"]
    assert clone.input_layer.input_layer.input_layer is original["d0"]
    copies, originals = get_all_params(clone), get_all_params(original["d3"])
    assert copies[:4] == originals[:4] and all(a is not b for a, b in zip(copies[4:],
                                                                         originals[4:]))


def test_clone_with_a_replaced_layer(spec_clones):
    original, clones = spec_clones
    clone, d1_alt = clones["replaced_d1"], original["d1_alt"]
    assert clone.input_layer.input_layer is d1_alt
    assert d1_alt.input_layer.name == "alt_input"
    # the replacement keeps its names; only deepcopy's own copies are prefixed
    assert d1_alt.name == "d1_alt" and d1_alt.W.name == "d1_alt.W"
    names = [layer.name for layer in get_all_layers(clone)]
    assert names == ["alt_input", "d1_alt", "r.d2", "r.d3"]
    assert original["d0"] not in get_all_layers(clone)


def test_every_spec_clone_evaluates(spec_clones):
    _, clones = spec_clones
    values = theano.function([], get_output(list(clones.values())))()
    assert [v.shape for v in values] == [(3, 50)] * 4


def test_containers_keep_their_type_and_shared_structure():
    inp, d0, d1, d2, d3 = _chain()
    other = DenseLayer(d1, 41, name="d2_other")
    as_list = clone_network([d3, other])
    as_tuple = clone_network((d3, other))
    as_dict = clone_network(OrderedDict([("q", d3), ("v", other)]), name_prefix="t.")
    assert isinstance(as_list, list) and isinstance(as_tuple, tuple)
    assert isinstance(as_dict, OrderedDict) and list(as_dict) == ["q", "v"]
    for first, second in (as_list, as_tuple, list(as_dict.values())):
        # one copy of d1 feeds both copied heads
        assert first.input_layer.input_layer is second.input_layer
        assert first.input_layer.input_layer is not d1
    assert as_dict["v"].name == "t.d2_other"
    names = [layer.name for layer in get_all_layers(list(as_dict.values()))]
    assert names.count("input") == 1 and sum(n.startswith("t.") for n in names) == 5


def test_inputs_shared_by_default_or_copied():
    inp, _, _, _, d3 = _chain()
    copied = clone_network(d3, share_inputs=False, name_prefix="c.")
    new_input = get_all_layers(copied)[0]
    assert isinstance(new_input, InputLayer) and new_input is not inp
    assert new_input.input_var is not inp.input_var and new_input.name == "c.input"
    assert get_all_layers(clone_network(d3))[0] is inp


def test_unnamed_layers_and_parameters_get_the_bare_prefix():
    inp = InputLayer((None, 3))
    head = DenseLayer(inp, 2)
    clone = clone_network(head, name_prefix="p.")
    assert clone.name == "p." and clone.W.name == "p.W" and clone.b.name == "p.b"
    assert head.name is None and head.W.name == "W"


def test_helper_shared_variables_are_copied():
    inp = InputLayer((None, 4))
    epsilon = theano.shared(np.float32(0.25), name="epsilon")
    resolver = EpsilonGreedyResolver(DenseLayer(inp, 3), epsilon=epsilon)
    clone = clone_network(resolver)
    assert clone.epsilon is not epsilon and clone.epsilon.get_value() == np.float32(0.25)
    epsilon.set_value(np.float32(0.5))
    assert clone.epsilon.get_value() == np.float32(0.25)


def test_share_params_warns_and_manual_choices_win():
    inp, _, _, _, d3 = _chain()
    with pytest.warns(UserWarning, match=r"share_params=True\) may be unreliable; use "
                                         "agentnet.utils.layers.reapply"):
        clone_network(d3, share_params=True)
    replacement = theano.shared(np.zeros_like(d3.b.get_value()), name="zero_bias")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clone = clone_network(d3, bottom_layers={d3.b: replacement}, share_params=True)
    assert [str(w.message) for w in caught][1:] == [
        "[Verbose>=1] clone_network: parameter 'd3.b' was shared or replaced manually "
        "(bottom_layers); keeping that choice."]
    assert clone.b is replacement and clone.W is d3.W
    other_input = InputLayer((None, 10), name="other")
    with pytest.warns(UserWarning, match="input layer 'input' was shared or replaced manually"):
        moved = clone_network(d3, bottom_layers={inp: other_input})
    assert get_all_layers(moved)[0] is other_input


@pytest.mark.parametrize("network, kwargs, message", [
    ("not a layer", {}, "`original_network` must be a layer, a list/tuple of layers or a dict"),
    ({"a": 3}, {}, "got dict"),
    (None, {"name_prefix": 3}, "`name_prefix` must be a str or None, got int"),
], ids=["str", "dict-of-int", "prefix"])
def test_bad_arguments(network, kwargs, message):
    network = _chain()[-1] if network is None else network
    with pytest.raises(TypeError, match=message):
        clone_network(network, **kwargs)


@pytest.mark.numerics
def test_copies_start_equal_then_evolve_independently():
    x = theano.shared(np.random.RandomState(0).randn(3, 10).astype(floatX), name="x")
    inp, d0, d1, d2, d3 = _chain(x)
    independent = clone_network(d3)
    shared = _quiet(clone_network, d3, share_params=True)
    evaluate = theano.function([], get_output([d3, independent, shared]))
    original, copy, same = evaluate()
    np.testing.assert_array_equal(copy, original)
    np.testing.assert_array_equal(same, original)
    for param in get_all_params(d3):
        param.set_value(param.get_value() * 1.5 + 0.1)
    changed, copy_after, same_after = evaluate()
    assert not np.allclose(changed, original)
    np.testing.assert_array_equal(copy_after, copy)
    np.testing.assert_array_equal(same_after, changed)
    # and the other way round: training the copy leaves the original alone
    independent.b.set_value(independent.b.get_value() + 1)
    np.testing.assert_array_equal(evaluate()[0], changed)
