"""Layer helpers and format utilities: bad arguments are refused, naming the argument."""
import numpy as np
import pytest
import theano
from lasagne.layers import InputLayer, get_output

from agentnet.utils.format import unpack_list
from agentnet.utils.lasagne_backports import DenseLayer
from agentnet.utils.layers import BroadcastLayer, add, clip_grads, mul


def layer():
    return InputLayer((None, 3))


@pytest.mark.parametrize("build, error, match", [
    (lambda: clip_grads(layer(), "5"), TypeError,
     r"`clipping_bound` must be a real number .*, got '5' \(str\)"),
    (lambda: clip_grads(layer(), float("inf")), ValueError,
     r"`clipping_bound` must be a finite real number"),
    (lambda: clip_grads(np.zeros((2, 3)), 5), TypeError,
     r"`layer` must be a lasagne layer, got ndarray"),
    (lambda: mul(layer(), np.zeros(3)), TypeError, r"`layers\[1\]` must be a lasagne layer"),
    (lambda: add(), ValueError, r"`layers` must hold at least one layer"),
    (lambda: unpack_list([1, 2, 3], [1, -1]), ValueError,
     r"`lengths` must be an int >= 0, got -1"),
    (lambda: unpack_list([1, 2, 3], [1.5]), TypeError,
     r"`lengths` must be an int >= 0, got 1.5 \(float\)"),
    (lambda: DenseLayer(layer(), "5"), TypeError,
     r"`num_units` must be a positive int, got '5' \(str\)"),
    (lambda: DenseLayer(layer(), 2.0), TypeError,
     r"`num_units` must be a positive int, got 2.0 \(float\)"),
    (lambda: BroadcastLayer(InputLayer((None, 2, 3)), 1, force_broadcastable_batch="no"),
     TypeError, r"`force_broadcastable_batch` must be True or False, got 'no'"),
], ids=["clip-string", "clip-inf", "clip-array", "mul-array", "add-none", "negative-length",
        "float-length", "dense-string-units", "dense-float-units", "broadcast-flag"])
def test_bad_argument_is_named(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_negative_clipping_bound_clips_to_its_absolute_value_as_in_the_original():
    """Spec 09: "clip_grads(layer, clipping_bound) ... grad_clip(x, -|b|, |b|)"."""
    inp = InputLayer((None,))
    x = theano.tensor.vector("x", dtype=theano.config.floatX)
    y = get_output(clip_grads(inp, -2), x)
    gradient = theano.grad((5 * y).sum(), x).eval({x: np.array([1, -1], theano.config.floatX)})
    np.testing.assert_array_equal(gradient, [2, 2])


def test_zero_lengths_give_empty_chunks():
    assert unpack_list([1, 2, 3], [0, 3, 0]) == [[], [1, 2, 3], []]
