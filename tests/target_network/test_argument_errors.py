"""TargetNetwork and the update builders: bad arguments are refused before compiling, named."""
import numpy as np
import pytest
import theano
from lasagne.layers import DenseLayer, InputLayer

from agentnet.target_network import TargetNetwork, soft_updates


def _target():
    return TargetNetwork(DenseLayer(InputLayer((None, 3)), 2, name="q"))


@pytest.mark.parametrize("outputs, match", [
    (np.zeros(3), r"`original_network_outputs` must be a lasagne layer, got ndarray"),
    ([DenseLayer(InputLayer((None, 3)), 2), "q"],
     r"`original_network_outputs\[1\]` must be a lasagne layer, got str"),
    ({"q": DenseLayer(InputLayer((None, 3)), 2), "v": None},
     r"`original_network_outputs\['v'\]` must be a lasagne layer, got NoneType"),
], ids=["array", "list-item", "dict-value"])
def test_non_layer_outputs_are_a_type_error(outputs, match):
    with pytest.raises(TypeError, match=match):
        TargetNetwork(outputs)


@pytest.mark.parametrize("alpha, error, match", [
    (float("nan"), ValueError, r"`moving_average_alpha` must be a finite real number in \[0, 1\]"),
    (1.5, ValueError, r"`moving_average_alpha` must be a finite real number in \[0, 1\], got 1.5"),
    ("0.5", TypeError, r"`moving_average_alpha` must be a real number in \[0, 1\], got '0.5'"),
], ids=["nan", "above-1", "string"])
def test_bad_moving_average_alpha_is_named_and_changes_nothing(alpha, error, match):
    target = _target()
    before = [p.get_value() for p in target.param_dict]
    with pytest.raises(error, match=match):
        target.load_weights(alpha)
    for param, value in zip(target.param_dict, before):
        np.testing.assert_array_equal(param.get_value(), value)


@pytest.mark.parametrize("tau, error, match", [
    (float("nan"), ValueError, r"`tau` must be a finite real number in \[0, 1\], got nan"),
    (-0.1, ValueError, r"`tau` must be a finite real number in \[0, 1\], got -0.1"),
    ([0.1], TypeError, r"`tau` must be a real number in \[0, 1\], got \[0.1\] \(list\)"),
], ids=["nan", "negative", "list"])
def test_bad_soft_update_tau_is_named(tau, error, match):
    with pytest.raises(error, match=match):
        soft_updates(_target().param_dict, tau)


def test_symbolic_tau_is_accepted():
    target = _target()
    tau = theano.tensor.scalar("tau")
    assert len(soft_updates(target.param_dict, tau)) == len(target.param_dict)


@pytest.mark.parametrize("kwargs, match", [
    ({"share_inputs": "no"}, r"`share_inputs` must be True or False, got 'no'"),
    ({"name": 3}, r"`name` must be a str \(the prefix of copied names\) or None, got 3"),
], ids=["share-inputs-string", "name-int"])
def test_bad_flag_or_name_is_a_named_type_error(kwargs, match):
    with pytest.raises(TypeError, match=match):
        TargetNetwork(DenseLayer(InputLayer((None, 3)), 2), **kwargs)
