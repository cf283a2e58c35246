"""BroadcastLayer, UnbroadcastLayer, UpcastLayer: shapes, numpy references, errors."""
import itertools

import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import ConcatLayer, DenseLayer, InputLayer, get_output

import agentnet.utils.layers
from agentnet.utils.layers import BroadcastLayer, UnbroadcastLayer, UpcastLayer
from agentnet.utils.layers.broadcast import AwaitLayer

floatX = theano.config.floatX


# --- slow, obvious numpy references -------------------------------------------------------

def fold_reference(x, axes):
    """Rows in C order over the folded axes; each row is x with those indices fixed."""
    axes = sorted(a % x.ndim for a in axes)
    rows = []
    for index in itertools.product(*[range(x.shape[a]) for a in axes]):
        selector = [slice(None)] * x.ndim
        for axis, i in zip(axes, index):
            selector[axis] = i
        rows.append(x[tuple(selector)])
    return np.stack(rows)


def dense_reference(rows, W, b):
    return np.stack([row @ W + b for row in rows])


# --- shapes (no compilation) ---------------------------------------------------------------

@pytest.mark.parametrize("axes, force, expected", [
    ((0, 1), True, (6, 4)),
    ((0, 2), True, (8, 3)),
    ((-1, 0), True, (8, 3)),
    (0, True, (2, 3, 4)),
    ([0, 1, 2], True, (24,)),
    ((1,), False, (3, 2, 4)),
    ((2, 1), False, (12, 2)),
], ids=["batch-time", "batch-last", "negative", "int", "all", "no-batch", "unsorted"])
def test_broadcast_output_shape(axes, force, expected):
    layer = BroadcastLayer(InputLayer((2, 3, 4)), axes, force_broadcastable_batch=force)
    assert layer.output_shape == expected
    assert layer.broadcasted_axes == sorted(a % 3 for a in np.atleast_1d(axes))
    assert layer.non_broadcasted_axes == [a for a in range(3) if a not in layer.broadcasted_axes]


def test_unknown_sizes_give_none():
    sequence = InputLayer((None, 3, 4))
    folded = BroadcastLayer(sequence, (0, 1))
    assert folded.output_shape == (None, 4)
    assert BroadcastLayer(InputLayer((2, None, 4)), (0, 2)).output_shape == (8, None)
    dense = DenseLayer(folded, 5)
    assert UnbroadcastLayer(dense, folded).output_shape == (None, 3, 5)
    assert UpcastLayer(InputLayer((None, 6)), folded).output_shape == (None, 6)
    assert UpcastLayer(InputLayer((2, 6)), folded).output_shape == (6, 6)
    assert UpcastLayer(InputLayer((2, 6)), BroadcastLayer(sequence, 0)).output_shape == (2, 6)


def test_unbroadcast_replaces_the_kept_axes_only():
    folded = BroadcastLayer(InputLayer((2, 3, 4)), (0, 2))
    assert UnbroadcastLayer(DenseLayer(folded, 7), folded).output_shape == (2, 7, 4)


def test_await_layer_orders_without_changing_anything():
    first, second = InputLayer((None, 2)), InputLayer((None, 5))
    waiting = AwaitLayer(first, second)
    assert waiting.output_shape == (None, 2) and waiting.input_layers == [first, second]
    assert not hasattr(agentnet.utils.layers, "AwaitLayer")


# --- numerics ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def broadcast_graph():
    """One compiled function with every fold/unfold/upcast variant on x [b, 3, 4], c [b, 6]."""
    sequence, context = InputLayer((None, 3, 4)), InputLayer((None, 6))
    by_tick = BroadcastLayer(sequence, (0, 1))
    by_unit = BroadcastLayer(sequence, (0, -1))
    by_time_only = BroadcastLayer(sequence, 1, force_broadcastable_batch=False)
    dense_tick = DenseLayer(by_tick, 5, nonlinearity=None)
    dense_unit = DenseLayer(by_unit, 2, nonlinearity=None)
    with_context = DenseLayer(ConcatLayer([by_tick, UpcastLayer(context, by_tick)]), 5,
                              nonlinearity=T.tanh)
    layers = {
        "fold_tick": by_tick, "fold_unit": by_unit, "fold_time_only": by_time_only,
        "per_tick": UnbroadcastLayer(dense_tick, by_tick),
        "per_unit": UnbroadcastLayer(dense_unit, by_unit),
        "round_trip": UnbroadcastLayer(by_time_only, by_time_only),
        "upcast_tick": UpcastLayer(context, by_tick),
        "upcast_unit": UpcastLayer(context, by_unit),
        "with_context": UnbroadcastLayer(with_context, by_tick),
    }
    x, c = T.tensor3("x"), T.matrix("c")
    outputs = get_output(list(layers.values()), {sequence: x, context: c})
    function = theano.function([x, c], outputs)

    def evaluate(x_value, c_value):
        return dict(zip(layers, function(x_value, c_value)))
    weights = {name: (layer.W.get_value(), layer.b.get_value())
               for name, layer in [("tick", dense_tick), ("unit", dense_unit),
                                   ("context", with_context)]}
    return evaluate, weights


@pytest.mark.numerics
@pytest.mark.parametrize("batch", [1, 2, 5])
def test_folds_match_reference(broadcast_graph, batch):
    evaluate, _ = broadcast_graph
    x = np.random.RandomState(batch).randn(batch, 3, 4).astype(floatX)
    c = np.random.RandomState(batch + 1).randn(batch, 6).astype(floatX)
    out = evaluate(x, c)
    np.testing.assert_array_equal(out["fold_tick"], fold_reference(x, (0, 1)))
    np.testing.assert_array_equal(out["fold_unit"], fold_reference(x, (0, 2)))
    np.testing.assert_array_equal(out["fold_time_only"], fold_reference(x, (1,)))
    np.testing.assert_array_equal(out["round_trip"], x)
    np.testing.assert_array_equal(out["upcast_tick"],
                                  np.stack([c[i // 3] for i in range(3 * batch)]))
    np.testing.assert_array_equal(out["upcast_unit"],
                                  np.stack([c[i // 4] for i in range(4 * batch)]))


@pytest.mark.numerics
def test_dense_per_tick_equals_dense_on_the_folded_batch(broadcast_graph):
    evaluate, weights = broadcast_graph
    x = np.random.RandomState(0).randn(2, 3, 4).astype(floatX)
    c = np.random.RandomState(1).randn(2, 6).astype(floatX)
    out = evaluate(x, c)
    W, b = weights["tick"]
    expected = np.stack([np.stack([x[i, t] @ W + b for t in range(3)]) for i in range(2)])
    np.testing.assert_allclose(out["per_tick"], expected, rtol=1e-5, atol=1e-6)
    W, b = weights["unit"]
    # dense over the time axis, independently for every (session, unit)
    expected = np.zeros((2, 2, 4))
    for i, k in itertools.product(range(2), range(4)):
        expected[i, :, k] = x[i, :, k] @ W + b
    np.testing.assert_allclose(out["per_unit"], expected, rtol=1e-5, atol=1e-6)


@pytest.mark.numerics
def test_upcast_context_lines_up_with_each_tick(broadcast_graph):
    evaluate, weights = broadcast_graph
    x = np.random.RandomState(2).randn(2, 3, 4).astype(floatX)
    c = np.random.RandomState(3).randn(2, 6).astype(floatX)
    W, b = weights["context"]
    expected = np.stack([np.stack([np.tanh(np.concatenate([x[i, t], c[i]]) @ W + b)
                                   for t in range(3)]) for i in range(2)])
    np.testing.assert_allclose(evaluate(x, c)["with_context"], expected, rtol=1e-5, atol=1e-6)


# --- errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("axes, error, message", [
    ([], ValueError, "at least one axis"),
    ((0, 3), ValueError, r"axes of the 3-d input \(-3 .. 2\), got \(0, 3\)"),
    ((0, -4), ValueError, "axes of the 3-d input"),
    ((0, -3), ValueError, "names an axis twice"),
    ((0, 1.0), TypeError, "must hold ints"),
    ((0, True), TypeError, "must hold ints"),
    ((1, 2), ValueError, "must include the batch axis 0"),
], ids=["empty", "too-large", "too-negative", "duplicate", "float", "bool", "no-batch"])
def test_broadcast_rejects_bad_axes(axes, error, message):
    with pytest.raises(error, match=message):
        BroadcastLayer(InputLayer((None, 3, 4)), axes)


def test_companion_layers_reject_bad_arguments():
    sequence = InputLayer((None, 3, 4))
    folded = BroadcastLayer(sequence, (0, 1))
    with pytest.raises(ValueError,
                       match=r"`incoming` must have ndim 2 .* got shape \(None, 3, 4\)"):
        UnbroadcastLayer(sequence, folded)
    with pytest.raises(TypeError, match="`broadcast_layer` must be a BroadcastLayer"):
        UnbroadcastLayer(folded, sequence)
    with pytest.raises(TypeError, match="`broadcast_layer` must be a BroadcastLayer"):
        UpcastLayer(sequence, sequence)
    with pytest.raises(TypeError, match="`incoming` must be a lasagne layer"):
        UpcastLayer(T.matrix(), folded)
    with pytest.raises(TypeError, match="`incoming` must be a lasagne layer"):
        BroadcastLayer(np.zeros((2, 3)), 0)
    time_only = BroadcastLayer(sequence, 1, force_broadcastable_batch=False)
    with pytest.raises(ValueError, match="folds the batch axis 0"):
        UpcastLayer(InputLayer((None, 6)), time_only)


def test_unevaluated_broadcast_layer_is_reported():
    folded = BroadcastLayer(InputLayer((None, 3, 4)), (0, 1), name="fold")
    unfolded = UnbroadcastLayer(folded, folded)
    upcast = UpcastLayer(InputLayer((None, 6)), folded)
    # Feeding the AwaitLayer directly skips the broadcast layer.
    with pytest.raises(ValueError, match="BroadcastLayer 'fold' has not been computed"):
        get_output(unfolded, {unfolded.input_layer: T.matrix()})
    with pytest.raises(ValueError, match="UpcastLayer: its BroadcastLayer 'fold'"):
        get_output(upcast, {upcast.input_layer: T.matrix()})
