"""TargetNetwork: cloning structure (spec 11), hard and soft updates vs numpy, pairing errors."""
import numpy as np
import pytest
from lasagne.layers import DenseLayer, InputLayer, get_all_layers, get_all_params

from agentnet.target_network import TargetNetwork, pair_parameters, soft_updates


def _network():
    inp = InputLayer((None, 10), name="input")
    d0 = DenseLayer(inp, 20, name="d0")
    d1 = DenseLayer(d0, 30, name="d1")
    d2 = DenseLayer(d1, 40, name="d2")
    d2_other = DenseLayer(d1, 41, name="d2_other")
    return inp, d0, d1, d2, d2_other


def _prefixed(items, prefix="target_nn"):
    return [x for x in items if x.name and x.name.startswith(prefix)]


def test_clone_structure_whole_network():
    _, _, _, d2, d2_other = _network()
    target = TargetNetwork([d2, d2_other], name="target_nn")
    layers = get_all_layers(target.output_layers)
    params = get_all_params(target.output_layers)
    assert len(layers) == 5 and len(_prefixed(layers)) == 4
    assert len(params) == 8 and len(_prefixed(params)) == 8


def test_clone_structure_with_bottom_layer():
    _, _, d1, d2, d2_other = _network()
    target = TargetNetwork([d2, d2_other], d1, name="target_nn")
    layers = get_all_layers(target.output_layers)
    params = get_all_params(target.output_layers)
    assert len(layers) == 5 and len(_prefixed(layers)) == 2
    assert len(params) == 8 and len(_prefixed(params)) == 4
    assert len(target.param_dict) == 4


def _values(params):
    return [p.get_value() for p in params]


def _perturb(params, rng):
    for p in params:
        p.set_value((p.get_value() + rng.randn(*p.get_value().shape)).astype(p.dtype))


@pytest.mark.numerics
def test_hard_and_soft_updates_match_numpy():
    rng = np.random.RandomState(0)
    _, _, _, d2, d2_other = _network()
    target = TargetNetwork([d2, d2_other], name="target_nn")
    sources, targets = list(target.param_dict.values()), list(target.param_dict.keys())
    _perturb(sources, rng)
    target.load_weights()
    for t, s in zip(_values(targets), _values(sources)):
        np.testing.assert_array_equal(t, s)
    _perturb(sources, rng)
    old_targets, new_sources = _values(targets), _values(sources)
    target.load_weights(0.33)
    for t, old, s in zip(_values(targets), old_targets, new_sources):
        np.testing.assert_allclose(t, 0.67 * old + 0.33 * s, rtol=1e-5, atol=1e-6)


def test_soft_updates_are_a_pure_update_dict():
    _, _, _, d2, _ = _network()
    target = TargetNetwork(d2)
    updates = soft_updates(target.param_dict, 0.5)
    assert list(updates.keys()) == list(target.param_dict.keys())
    assert target._soft_function is None and target._hard_function is None


def test_mismatched_networks_are_rejected_by_name():
    _, _, _, d2, _ = _network()
    other = DenseLayer(DenseLayer(InputLayer((None, 10)), 21, name="wide"), 40, name="head")
    with pytest.raises(ValueError, match="head"):
        pair_parameters(other, d2)
    with pytest.raises(ValueError,
                       match=r"`moving_average_alpha` must be a finite real number in \[0, 1\]"):
        TargetNetwork(d2).load_weights(1.5)


def test_everything_shared_is_an_error():
    inp, d0, _, _, _ = _network()
    with pytest.raises(ValueError, match="clone_network"):
        TargetNetwork(d0, bottom_layers=d0)


@pytest.mark.numerics
def test_weights_inside_a_reapplied_network_follow_the_source():
    from agentnet.utils.layers import reapply
    inp, other = InputLayer((None, 3)), InputLayer((None, 3))
    head = DenseLayer(inp, 2, name="head")
    reapplied = reapply(head, {inp: other})
    target = TargetNetwork(reapplied, name="t.")
    assert set(target.param_dict.values()) == {head.W, head.b}
    head.W.set_value(head.W.get_value() + 1)
    target.load_weights()
    copied_head = [t for t, s in target.param_dict.items() if s is head.W][0]
    np.testing.assert_array_equal(copied_head.get_value(), head.W.get_value())
