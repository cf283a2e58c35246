"""Memory cells against numpy: one tick, seven ticks in a Recurrence, and Lasagne's own layers."""
import numpy as np
import pytest
import theano
from lasagne.layers import GRULayer, InputLayer, LSTMLayer, get_all_params, get_output

from agentnet.agent import Recurrence
from agentnet.memory import GateLayer, GRUCell, GRUMemoryLayer, LSTMCell, RNNCell

B, T_, N_IN, N_UNITS = 3, 7, 4, 5
floatX = theano.config.floatX


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _named_values(layer):
    return {p.name: p.get_value() for p in get_all_params(layer)}


def numpy_rnn(x, h, p, name="rnn"):
    return np.tanh(h @ p[name + ".hid_to_hid.W"] + p[name + ".hid_to_hid.b"]
                   + x @ p[name + ".input0_to_hid.W"])


def numpy_gru(x, h, p, name="gru", state="hid", inp="in"):
    def gate(g):
        return (x @ p["%s.W_%s_to_%s" % (name, inp, g)] + p["%s.b_to_%s" % (name, g)],
                h @ p["%s.W_%s_to_%s" % (name, state, g)])
    x_r, h_r = gate("resetgate")
    x_u, h_u = gate("updategate")
    x_c, h_c = gate("hidden_update")
    r, u = sigmoid(x_r + h_r), sigmoid(x_u + h_u)
    c = np.tanh(x_c + r * h_c)
    return (1 - u) * h + u * c


def numpy_lstm(x, cell, hid, p, name="lstm", out="hid", inp="in", peepholes=True):
    def pre(g):
        return (hid @ p["%s.W_%s_to_%s" % (name, out, g)] + x @ p["%s.W_%s_to_%s" % (name, inp, g)]
                + p["%s.b_to_%s" % (name, g)])

    def peep(g):
        return p["%s.W_cell_to_%s_peephole.scales" % (name, g)] if peepholes else 0
    i = sigmoid(pre("ingate") + peep("ingate") * cell)
    f = sigmoid(pre("forgetgate") + peep("forgetgate") * cell)
    new_cell = f * cell + i * np.tanh(pre("cell"))
    o = sigmoid(pre("outgate") + peep("outgate") * new_cell)
    return new_cell, o * np.tanh(new_cell)


def _inputs():
    x = InputLayer((None, N_IN), name="in")
    hid = InputLayer((None, N_UNITS), name="hid")
    cell = InputLayer((None, N_UNITS), name="cell")
    return x, hid, cell


def _random(*shape):
    return np.random.RandomState(sum(shape)).randn(*shape).astype(floatX)


@pytest.mark.numerics
def test_gate_layer_one_tick_and_parameter_names():
    x, hid, _ = _inputs()
    channel = InputLayer((None, 2), name="chan")
    gates = GateLayer([x, hid], [3, channel], channel_names=[None, "mult"], name="g")
    assert gates.keys() == ["ggate0", "gmult"]
    assert [p.name for p in gates.get_params()] == [
        "g.b_gate0", "g.W_in_gate0", "g.W_hid_gate0", "g.b_mult", "g.W_in_mult", "g.W_hid_mult"]
    values = {x: _random(B, N_IN), hid: _random(B, N_UNITS), channel: _random(B, 2)}
    got = [v.eval() for v in get_output(list(gates.values()),
                                        {k: theano.shared(v) for k, v in values.items()})]
    p = _named_values(gates["gmult"])
    for name, units, multiplier, output in (("gate0", 3, 1, got[0]),
                                            ("mult", 2, values[channel], got[1])):
        pre = (p["g.b_" + name] + values[x] @ p["g.W_in_" + name]
               + values[hid] @ p["g.W_hid_" + name])
        np.testing.assert_allclose(output, sigmoid(pre) * multiplier, rtol=1e-4, atol=1e-5)


def _one_tick(layer, values):
    return get_output(layer, {k: theano.shared(v) for k, v in values.items()}).eval()


@pytest.mark.numerics
def test_cells_one_tick_match_numpy():
    x, hid, cell = _inputs()
    values = {x: _random(B, N_IN), hid: _random(B, N_UNITS), cell: _random(B, N_UNITS)}
    rnn = RNNCell(hid, x, name="rnn")
    np.testing.assert_allclose(_one_tick(rnn, values),
                               numpy_rnn(values[x], values[hid], _named_values(rnn)), rtol=1e-4,
                               atol=1e-5)
    gru = GRUCell(hid, x, name="gru")
    np.testing.assert_allclose(_one_tick(gru, values),
                               numpy_gru(values[x], values[hid], _named_values(gru)), rtol=1e-4,
                               atol=1e-5)
    for peepholes in (True, False):
        new_cell, new_hid = LSTMCell(cell, hid, x, peepholes=peepholes, name="lstm")
        expected = numpy_lstm(values[x], values[cell], values[hid], _named_values(new_hid),
                              peepholes=peepholes)
        for layer, want in zip((new_cell, new_hid), expected):
            np.testing.assert_allclose(_one_tick(layer, values), want, rtol=1e-4, atol=1e-5)


@pytest.mark.numerics
def test_gru_memory_layer_and_grad_clipping_keep_forward_values():
    x, hid, _ = _inputs()
    values = {x: _random(B, N_IN), hid: _random(B, N_UNITS)}
    layer = GRUMemoryLayer(N_UNITS, x, hid, name="grum")
    p = _named_values(layer)
    renamed = {}
    for g in ("resetgate", "updategate", "hidden_update"):
        renamed["grum.W_in_to_%s" % g] = p["grum.W_in_to_" + g]
        renamed["grum.W_hid_to_%s" % g] = p["grum.W_hid_to_" + g]
        renamed["grum.b_to_%s" % g] = p["grum.b_" + g]
    expected = numpy_gru(values[x], values[hid], renamed, name="grum", state="hid", inp="in")
    np.testing.assert_allclose(_one_tick(layer, values), expected, rtol=1e-4, atol=1e-5)
    clipped = GRUCell(hid, x, name="gruc", grad_clipping=1.0)
    np.testing.assert_allclose(_one_tick(clipped, values),
                               numpy_gru(values[x], values[hid], _named_values(clipped),
                                         name="gruc"), rtol=1e-4, atol=1e-5)


@pytest.fixture(scope="module")
def unrolled_cells():
    """RNN, GRU and LSTM cells in one scan over a 7-tick sequence."""
    x, hid, cell = _inputs()
    rnn_prev, gru_prev = InputLayer((None, N_UNITS)), InputLayer((None, N_UNITS), name="gru_hid")
    rnn = RNNCell(rnn_prev, x, name="rnn")
    gru = GRUCell(gru_prev, x, name="gru")
    new_cell, new_hid = LSTMCell(cell, hid, x, name="lstm")
    sequence = InputLayer((None, T_, N_IN))
    rec = Recurrence(input_sequences={x: sequence},
                     state_variables={rnn: rnn_prev, gru: gru_prev, new_cell: cell, new_hid: hid},
                     unroll_scan=False)
    f = theano.function([sequence.input_var], get_output([rec[rnn], rec[gru], rec[new_cell],
                                                           rec[new_hid]]))
    return f, rnn, gru, new_hid


@pytest.mark.numerics
def test_cells_over_seven_ticks_match_numpy_loop(unrolled_cells):
    f, rnn, gru, lstm_hid = unrolled_cells
    inputs = _random(B, T_, N_IN)
    got_rnn, got_gru, got_cell, got_hid = f(inputs)
    h_rnn = h_gru = cell = hid = np.zeros((B, N_UNITS))
    for t in range(T_):
        h_rnn = numpy_rnn(inputs[:, t], h_rnn, _named_values(rnn))
        h_gru = numpy_gru(inputs[:, t], h_gru, _named_values(gru), state="gru_hid")
        cell, hid = numpy_lstm(inputs[:, t], cell, hid, _named_values(lstm_hid))
        for got, want in ((got_rnn, h_rnn), (got_gru, h_gru), (got_cell, cell), (got_hid, hid)):
            np.testing.assert_allclose(got[:, t], want, rtol=1e-4, atol=1e-4)


@pytest.mark.numerics
@pytest.mark.parametrize("kind", ["gru", "lstm"])
def test_cells_equal_lasagne_layers_with_the_same_weights(kind):
    """Spec 11 canonicity: sorted parameter names and shapes match; outputs are equal."""
    x, hid, cell = _inputs()
    sequence = InputLayer((None, None, N_IN))
    if kind == "gru":
        ours = GRUCell(hid, x, name="gru")
        states, target = {ours: hid}, ours
        theirs = GRULayer(sequence, N_UNITS, name="gru")
    else:
        new_cell, target = LSTMCell(cell, hid, x, name="lstm")
        states = {new_cell: cell, target: hid}
        theirs = LSTMLayer(sequence, N_UNITS, name="lstm")
    rec = Recurrence(input_sequences={x: sequence}, state_variables=states, unroll_scan=False)
    our_params = sorted(get_all_params(rec, trainable=True), key=lambda p: p.name)
    their_params = sorted([p for p in get_all_params(theirs, trainable=True)
                           if not p.name.endswith("_init")], key=lambda p: p.name)
    assert len(our_params) == len(their_params)
    for ours_p, theirs_p in zip(our_params, their_params):
        assert ours_p.get_value().shape == theirs_p.get_value().shape, (ours_p.name, theirs_p.name)
        theirs_p.set_value(ours_p.get_value())
    f = theano.function([sequence.input_var], [get_output(rec[target]), get_output(theirs)])
    got, want = f(_random(B, 9, N_IN))
    # np.allclose's defaults: Lasagne 0.1's LSTMLayer added the output-gate peephole after the
    # gate's sigmoid (Lasagne issue #448); the backport installed by agentnet gives Lasagne
    # master's o = sigmoid(z_o + w_co * c'), so both compute the same maths. float32 round-off
    # of the two summation orders (stacked vs per-controller products) needs a wider margin.
    tolerance = {} if floatX == "float64" else {"rtol": 1e-4, "atol": 1e-6}
    assert np.allclose(got, want, **tolerance), np.abs(got - want).max()


@pytest.mark.parametrize("build, message", [
    (lambda x, h, c: RNNCell(InputLayer((None, 2, 3)), x), "`prev_state` must have ndim 2"),
    (lambda x, h, c: GRUCell(h, x, num_units=7), "`num_units`=7 differs"),
    (lambda x, h, c: LSTMCell(c, InputLayer((None, 3)), x),
     "differs from the 3 units of `prev_out`"),
    (lambda x, h, c: GateLayer(x, [2, 3], gate_nonlinearities=[None] * 3), "one per channel"),
    (lambda x, h, c: GateLayer(x, [2, 3], channel_names=["a"]), "`channel_names` must have"),
    (lambda x, h, c: LSTMCell(c, h, x, peepholes_W_init=[None, None]), "list of 3"),
    (lambda x, h, c: GRUMemoryLayer(4, x, h), r"must have shape \[batch, 4\]"),
], ids=["rnn-ndim", "gru-units", "lstm-out", "gate-nonlinearities", "gate-names", "peepholes",
        "grumemory"])
def test_bad_input(build, message):
    with pytest.raises(ValueError, match=message):
        build(*_inputs())
