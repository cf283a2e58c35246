"""Recurrence: numpy loops, scan vs unroll, masks, delays, nesting, and the spec-11 scenarios."""
from collections import OrderedDict

import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import (DenseLayer, DropoutLayer, ElemwiseSumLayer, ExpressionLayer,
                            InputLayer, NonlinearityLayer, get_all_params, get_output)
from lasagne.nonlinearities import linear, softmax, tanh

from agentnet.agent import Recurrence
from agentnet.memory import CounterLayer, GRUCell, LSTMCell, RNNCell

floatX = theano.config.floatX
B, T_, N_IN, N_HID = 3, 7, 4, 5


def _rnn_graph():
    """h' = tanh(x W_x + h W_h + b), from plain Lasagne layers."""
    x = InputLayer((None, N_IN), name="x")
    h_prev = InputLayer((None, N_HID), name="h_prev")
    total = ElemwiseSumLayer([DenseLayer(x, N_HID, nonlinearity=None, b=None),
                              DenseLayer(h_prev, N_HID, nonlinearity=None)])
    h = NonlinearityLayer(total, tanh, name="h")
    readout = DenseLayer(h, 2, nonlinearity=None, name="readout")
    return x, h_prev, h, readout


def _numpy_rnn(inputs, w_x, w_h, b, h0=None):
    h = np.zeros((inputs.shape[0], w_h.shape[0])) if h0 is None else h0
    states = []
    for t in range(inputs.shape[1]):
        h = np.tanh(inputs[:, t] @ w_x + h @ w_h + b)
        states.append(h)
    return np.stack(states, axis=1)


def _weights(h):
    dense_x, dense_h = h.input_layer.input_layers
    return dense_x.W.get_value(), dense_h.W.get_value(), dense_h.b.get_value()


@pytest.fixture(scope="module")
def rnn_functions():
    """Compiled scan and unrolled versions of the same RNN, with gradients."""
    x, h_prev, h, readout = _rnn_graph()
    sequence = InputLayer((None, T_, N_IN), name="sequence")
    functions = {}
    for unroll in (True, False):
        rec = Recurrence(input_sequences={x: sequence}, state_variables={h: h_prev},
                         tracked_outputs=[readout], unroll_scan=unroll)
        states, outputs = get_output([rec[h], rec[readout]])
        params = get_all_params(rec)
        grads = theano.grad(outputs.sum() + (states ** 2).sum(), params)
        functions[unroll] = theano.function([sequence.input_var], [states, outputs] + grads,
                                            allow_input_downcast=True)
    return functions, h, readout


@pytest.mark.numerics
@pytest.mark.parametrize("unroll", [True, False], ids=["unrolled", "scan"])
def test_rnn_equals_numpy_loop(rnn_functions, unroll):
    functions, h, readout = rnn_functions
    inputs = np.random.RandomState(0).randn(B, T_, N_IN)
    states, outputs = functions[unroll](inputs)[:2]
    expected = _numpy_rnn(inputs, *_weights(h))
    np.testing.assert_allclose(states, expected, rtol=1e-4, atol=1e-5)
    readout_expected = expected @ readout.W.get_value() + readout.b.get_value()
    np.testing.assert_allclose(outputs, readout_expected, rtol=1e-4, atol=1e-5)


@pytest.mark.numerics
def test_unrolled_equals_scan_for_outputs_and_gradients(rnn_functions):
    functions, _, _ = rnn_functions
    inputs = np.random.RandomState(1).randn(B, T_, N_IN)
    for unrolled, scanned in zip(functions[True](inputs), functions[False](inputs)):
        np.testing.assert_allclose(unrolled, scanned, rtol=1e-4, atol=1e-5)


@pytest.mark.numerics
@pytest.mark.parametrize("init_form, unroll", [("list", False), ("dict", True)],
                         ids=["list-scan", "dict-unrolled"])
def test_state_init_and_delayed_states(init_form, unroll):
    """Element 0 is the initial value, element t the value produced at tick t - 1."""
    x, h_prev, h, _ = _rnn_graph()
    sequence = InputLayer((None, T_, N_IN))
    init = InputLayer((None, N_HID))
    state_init = [init] if init_form == "list" else {h: init}
    rec = Recurrence(input_sequences={x: sequence}, state_variables={h: h_prev},
                     state_init=state_init, delayed_states=[h], unroll_scan=unroll)
    assert rec[h].output_shape == (None, T_, N_HID)
    f = theano.function([sequence.input_var, init.input_var], get_output(rec[h]),
                        allow_input_downcast=True)
    rng = np.random.RandomState(2)
    inputs, h0 = rng.randn(B, T_, N_IN), rng.randn(B, N_HID)
    got = f(inputs, h0)
    produced = _numpy_rnn(inputs, *_weights(h), h0=h0)
    np.testing.assert_allclose(got[:, 0], h0, rtol=1e-5)
    np.testing.assert_allclose(got[:, 1:], produced[:, :-1], rtol=1e-4, atol=1e-5)


@pytest.mark.numerics
@pytest.mark.parametrize("outer_unroll", [True, False], ids=["outer-unrolled", "outer-scan"])
def test_nested_recurrence_equals_numpy(outer_unroll):
    """An inner recurrence adding x to itself twice, inside an outer RNN fed 2 * x."""
    x, h_prev, h, _ = _rnn_graph()
    inner_x = InputLayer((None, N_IN))
    inner_acc_prev = InputLayer((None, N_IN))
    inner_acc = ElemwiseSumLayer([inner_acc_prev, inner_x], name="inner_acc")
    inner = Recurrence(input_nonsequences={inner_x: x},
                       state_variables={inner_acc: inner_acc_prev}, n_steps=2, name="inner")
    # the outer step feeds the last inner accumulator (2 * x) to the RNN instead of x
    doubled = ExpressionLayer(inner[inner_acc], lambda seq: seq[:, -1], output_shape=(None, N_IN))
    total = ElemwiseSumLayer([DenseLayer(doubled, N_HID, nonlinearity=None, b=None),
                              DenseLayer(h_prev, N_HID, nonlinearity=None)])
    h2 = NonlinearityLayer(total, tanh)
    sequence = InputLayer((None, T_, N_IN))
    outer = Recurrence(input_sequences={x: sequence}, state_variables={h2: h_prev},
                       unroll_scan=outer_unroll)
    f = theano.function([sequence.input_var], get_output(outer[h2]), allow_input_downcast=True)
    inputs = np.random.RandomState(3).randn(B, T_, N_IN)
    w_x = total.input_layers[0].W.get_value()
    w_h, b = total.input_layers[1].W.get_value(), total.input_layers[1].b.get_value()
    np.testing.assert_allclose(f(inputs), _numpy_rnn(2 * inputs, w_x, w_h, b), rtol=1e-4,
                               atol=1e-5)


def _numpy_masked_rnn(inputs, mask, w_x, w_h, b, w_out, b_out):
    """Where mask[:, t] == 0 the state and the readout keep their previous values."""
    h = np.zeros((inputs.shape[0], w_h.shape[0]))
    out = np.zeros((inputs.shape[0], w_out.shape[1]))
    states, outputs = [], []
    for t in range(inputs.shape[1]):
        new_h = np.tanh(inputs[:, t] @ w_x + h @ w_h + b)
        keep = mask[:, t:t + 1] != 0
        h = np.where(keep, new_h, h)
        out = np.where(keep, new_h @ w_out + b_out, out)
        states.append(h)
        outputs.append(out)
    return np.stack(states, axis=1), np.stack(outputs, axis=1)


@pytest.mark.numerics
@pytest.mark.parametrize("unroll", [True, False], ids=["unrolled", "scan"])
def test_masked_rnn_equals_numpy_loop(unroll):
    x, h_prev, h, readout = _rnn_graph()
    sequence, mask = InputLayer((None, T_, N_IN)), InputLayer((None, T_))
    rec = Recurrence(input_sequences={x: sequence}, state_variables={h: h_prev},
                     tracked_outputs=[readout], mask_input=mask, unroll_scan=unroll)
    f = theano.function([sequence.input_var, mask.input_var],
                        get_output([rec[h], rec[readout]]), allow_input_downcast=True)
    rng = np.random.RandomState(4)
    inputs, mask_value = rng.randn(B, T_, N_IN), rng.randint(0, 2, size=(B, T_))
    mask_value[0, 0] = 0  # a row that starts masked keeps the zero initial values
    states, outputs = f(inputs, mask_value)
    expected = _numpy_masked_rnn(inputs, mask_value, *_weights(h), readout.W.get_value(),
                                 readout.b.get_value())
    np.testing.assert_allclose(states, expected[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(outputs, expected[1], rtol=1e-4, atol=1e-5)


@pytest.mark.numerics
def test_mask_freezes_states_and_outputs():
    """Spec 11 mask scenario: differences along time are exactly 0 where the mask is 0."""
    rng = np.random.RandomState(1337)
    inp, prev = InputLayer((None, 2)), InputLayer((None, 3))
    rnn = RNNCell(prev, inp, nonlinearity=linear, b=np.full(3, 100, dtype=floatX), name="rnn")
    # Small fixed weights: with states in the hundreds, default-size weights can saturate the
    # softmax to an exact one-hot in float32, and then unmasked steps would show no change.
    out = DenseLayer(rnn, 10, nonlinearity=softmax,
                     W=(rng.randn(3, 10) * 1e-3).astype(floatX))
    sequence, mask = InputLayer((None, None, 2)), InputLayer((None, None))
    rec = Recurrence(input_sequences={inp: sequence}, state_variables={rnn: prev},
                     tracked_outputs=[out], mask_input=mask, unroll_scan=False)
    f = theano.function([sequence.input_var, mask.input_var], get_output([rec[rnn], rec[out]]),
                        allow_input_downcast=True)
    mask_value = np.zeros((4, 5))
    mask_value[:2, :3] = 1
    mask_value[2:, 2:] = 1
    states, outputs = f(rng.randn(4, 5, 2), mask_value)
    assert states.shape == (4, 5, 3) and outputs.shape == (4, 5, 10)
    for values in (states, outputs):
        diffs = np.abs(np.diff(values, axis=1)).max(axis=-1)
        assert (diffs[:2, 2:] == 0).all() and (diffs[2:, 0] == 0).all()
        assert (diffs[:2, :2] > 0).all() and (diffs[2:, 1:] > 0).all()


def test_minimal_gru_recurrence_shapes():
    """Spec 11 scenario 1: GRU over an inferred-length sequence with an initial state."""
    inp, prev = InputLayer((None, 3)), InputLayer((None, 10))
    gru = GRUCell(prev, inp, name="rnn")
    sequence, init = InputLayer((None, None, 3)), InputLayer((None, 10))
    rec = Recurrence(input_sequences={inp: sequence}, state_variables={gru: prev},
                     state_init={gru: init}, unroll_scan=False)
    assert len(get_all_params(rec)) > 0
    f = theano.function([sequence.input_var, init.input_var], get_output(rec[gru]),
                        allow_input_downcast=True)
    assert f(np.zeros((5, 25, 3)), np.zeros((5, 10))).shape == (5, 25, 10)


def test_larger_recurrence_with_dropout_needs_updates():
    """Spec 11 scenario 2: RNN -> LSTM with dropout, three states, scan updates."""
    inp = InputLayer((None, 3))
    prev_rnn, prev_cell, prev_hid = (InputLayer((None, 10)), InputLayer((None, 20)),
                                     InputLayer((None, 20)))
    rnn = RNNCell(prev_rnn, inp, name="rnn")
    cell, hid = LSTMCell(prev_cell, prev_hid, rnn, name="lstm")
    hid_dropped = DropoutLayer(hid, p=0.5)
    sequence, cell_init = InputLayer((None, None, 3)), InputLayer((None, 20))
    rec = Recurrence(input_sequences={inp: sequence},
                     state_variables=OrderedDict([(rnn, prev_rnn), (cell, prev_cell),
                                                  (hid_dropped, prev_hid)]),
                     state_init={cell: cell_init}, unroll_scan=False)
    outputs = get_output([rec[rnn], rec[cell], rec[hid_dropped]])
    f = theano.function([sequence.input_var, cell_init.input_var], outputs,
                        updates=rec.get_automatic_updates(), allow_input_downcast=True)
    shapes = [o.shape for o in f(np.zeros((5, 25, 3)), np.zeros((5, 20)))]
    assert shapes == [(5, 25, 10), (5, 25, 20), (5, 25, 20)]


def test_substituted_intermediate_layer_drops_its_params():
    """Spec 11 scenario 3: feeding an intermediate layer removes what is below it."""
    inp = InputLayer((None, 3))
    intermediate = DenseLayer(inp, 5, name="intermediate")
    prev = InputLayer((None, 10))
    gru = GRUCell(prev, intermediate, name="rnn")
    raw = InputLayer((None, None, 3))
    rec_a = Recurrence(input_sequences={inp: raw}, state_variables={gru: prev}, unroll_scan=False)
    assert intermediate.b in get_all_params(rec_a)
    features = InputLayer((None, None, 5))
    rec_b = Recurrence(input_sequences={intermediate: features}, state_variables={gru: prev},
                       unroll_scan=False)
    assert intermediate.b not in get_all_params(rec_b)
    f = theano.function([features.input_var], get_output(rec_b[gru]), allow_input_downcast=True)
    assert f(np.zeros((5, 25, 5))).shape == (5, 25, 10)


def test_get_sequence_layers_and_symbolic_n_steps():
    x, h_prev, h, readout = _rnn_graph()
    constant_x = InputLayer((None, N_IN))
    n_steps = T.iscalar("n_steps")
    rec = Recurrence(input_nonsequences={x: constant_x}, state_variables={h: h_prev},
                     tracked_outputs=readout, n_steps=n_steps, unroll_scan=False)
    states, outputs = rec.get_sequence_layers()
    assert list(states) == [h] and isinstance(outputs, tuple) and len(outputs) == 1
    assert rec.keys() == [h, readout]
    with pytest.raises(TypeError):
        iter(rec)
    f = theano.function([constant_x.input_var, n_steps], get_output(states[h]),
                        allow_input_downcast=True)
    assert f(np.zeros((2, N_IN)), 4).shape == (2, 4, N_HID)


def _dropout_accumulator():
    """acc' = acc + dropout(x): the running sum of x when dropout is off."""
    x, acc_prev = InputLayer((None, N_IN)), InputLayer((None, N_IN))
    acc = ElemwiseSumLayer([acc_prev, DropoutLayer(x, p=0.5)])
    sequence = InputLayer((None, T_, N_IN))
    rec = Recurrence(input_sequences={x: sequence}, state_variables={acc: acc_prev})
    return sequence, rec, acc


@pytest.mark.numerics
def test_only_recurrence_flags_reach_the_one_tick_graph():
    sequence, rec, acc = _dropout_accumulator()
    flagged = get_output(rec[acc], recurrence_flags={"deterministic": True})
    unflagged = get_output(rec[acc], deterministic=True)
    f = theano.function([sequence.input_var], [flagged, unflagged], allow_input_downcast=True)
    inputs = np.random.RandomState(5).rand(B, T_, N_IN) + 1
    with_flag, without_flag = f(inputs)
    np.testing.assert_allclose(with_flag, np.cumsum(inputs, axis=1), rtol=1e-5)
    assert not np.allclose(without_flag, np.cumsum(inputs, axis=1))


@pytest.mark.numerics
def test_force_cast_types_casts_new_states_to_the_previous_dtype():
    prev = InputLayer((None,), name="count_prev")
    half = ElemwiseSumLayer([CounterLayer(prev)] * 2, coeffs=0.5, name="half")
    half.output_dtype = "int32"  # 0.5 * (c + c) is float; cast back, it is the count c
    rec = Recurrence(state_variables={half: prev}, n_steps=3, batch_size=2,
                     force_cast_types=True)
    counts = theano.function([], get_output(rec[half]))()
    assert counts.dtype == np.int32
    np.testing.assert_array_equal(counts, [[1, 2, 3], [1, 2, 3]])
