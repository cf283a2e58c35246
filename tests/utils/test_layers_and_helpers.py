"""DictLayer, broadcast layers, format helpers, tensor ops, gradients, shared variables, logging."""
import warnings

import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import DenseLayer, InputLayer, get_output

from agentnet.utils import (BroadcastLayer, DictLayer, UnbroadcastLayer, UpcastLayer,
                            check_list, check_tuple, create_shared, insert_dim, in1d, norm,
                            normalize, reverse_gradient, set_shared, unpack_list)
from agentnet.utils.config import config
from agentnet.utils.grad import MultiplyGradient
from agentnet.utils.logging import deprecated, warn

floatX = theano.config.floatX


def test_dict_layer_is_one_layer_with_named_outputs():
    a, b = InputLayer((None, 2)), InputLayer((None, 3))
    layer = DictLayer([a, b], {"first": (None, 2), "second": (None, 3)})
    assert layer.keys() == ["first", "second"] and len(layer) == 2
    with pytest.raises(TypeError):
        iter(layer)
    first, second = layer["first", "second"]
    assert second.output_shape == (None, 3) and second.output_dtype == floatX
    with pytest.raises(KeyError, match="not an output"):
        layer["third"]
    value = get_output(first, {a: T.ones((1, 2)), b: T.zeros((1, 3))}).eval()
    np.testing.assert_array_equal(value, [[1, 1]])


@pytest.mark.numerics
def test_broadcast_dense_unbroadcast_equals_per_tick_dense():
    sequence = InputLayer((None, 3, 4))
    folded = BroadcastLayer(sequence, (0, 1))
    dense = DenseLayer(folded, 5, nonlinearity=None)
    unfolded = UnbroadcastLayer(dense, broadcast_layer=folded)
    context = InputLayer((None, 6))
    repeated = UpcastLayer(context, broadcast_layer=folded)
    assert folded.output_shape == (None, 4) and unfolded.output_shape == (None, 3, 5)
    x = np.random.RandomState(0).randn(2, 3, 4).astype(floatX)
    c = np.arange(12, dtype=floatX).reshape(2, 6)
    got, got_repeated = [v.eval() for v in get_output(
        [unfolded, repeated], {sequence: theano.shared(x), context: theano.shared(c)})]
    np.testing.assert_allclose(got, x @ dense.W.get_value() + dense.b.get_value(), rtol=1e-5)
    np.testing.assert_array_equal(got_repeated, np.repeat(c, 3, axis=0))
    with pytest.raises(ValueError, match="must include the batch axis 0"):
        BroadcastLayer(sequence, 1)


def test_format_helpers():
    assert check_list((1, 2)) == [1, 2] and check_tuple(5) == (5,)
    assert check_list(np.zeros(3))[0].shape == (3,)
    assert unpack_list(list(range(10)), [2, 3, 5]) == [[0, 1], [2, 3, 4], [5, 6, 7, 8, 9]]


@pytest.mark.numerics
def test_tensor_ops():
    x = np.array([[3., 4.], [0., 0.]], dtype=floatX)
    np.testing.assert_allclose(norm(T.constant(x)).eval(), [[5.], [0.]])
    np.testing.assert_allclose(normalize(T.constant(x)).eval(), [[0.6, 0.8], [0., 0.]])
    np.testing.assert_array_equal(in1d(T.constant(np.array([1, 5, 2])),
                                       T.constant(np.array([2, 3, 1]))).eval(), [1, 0, 1])
    assert insert_dim(T.constant(np.zeros((2, 3)))).eval().shape == (2, 1, 3)


@pytest.mark.numerics
def test_gradient_scaling_and_reversal():
    x = T.vector()
    for op, factor in ((reverse_gradient, -1), (MultiplyGradient(0.5), 0.5)):
        grad = theano.function([x], theano.grad((op(x) ** 2).sum(), x))
        value = np.array([1., 2.], dtype=floatX)
        np.testing.assert_allclose(grad(value), factor * 2 * value)


def test_shared_helpers_cast_to_the_variable_dtype():
    var = create_shared("counts", [1.7, 2.2], dtype="int32")
    assert var.dtype == "int32"
    set_shared(var, [5.0, 6.0])
    np.testing.assert_array_equal(var.get_value(), [5, 6])


def test_warnings_follow_verbosity_and_deprecation():
    saved = config.verbose
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            config.verbose = 1
            warn("chatty", verbosity_level=2)
            warn("essential", verbosity_level=1)
            config.shut_up()
            warn("silenced")
        assert [str(w.message) for w in caught] == ["[Verbose>=1] essential"]
    finally:
        config.verbose = saved

    @deprecated("new_thing", removed_after="2.0")
    def old_thing():
        return 42
    with pytest.warns(DeprecationWarning, match="removed in 2.0. Use new_thing"):
        assert old_thing() == 42
