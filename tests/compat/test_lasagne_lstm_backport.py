"""Lasagne's LSTMLayer as patched by the backports vs a numpy loop of Lasagne master's maths."""
import numpy as np
import pytest
import theano
import theano.tensor as T
import lasagne
from lasagne.layers import InputLayer, LSTMLayer, get_output

from agentnet_compat import backports as bp

floatX = theano.config.floatX
B, T_, N_IN, N_UNITS = 3, 6, 4, 5
GATES = ("ingate", "forgetgate", "cell", "outgate")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def numpy_lstm(x, p, mask=None, peepholes=True, backwards=False):
    """Lasagne master's LSTM, one tick at a time: the out-gate peephole is inside the sigmoid."""
    def pre(gate, x_t, hid):
        return x_t @ p["W_in_to_" + gate] + hid @ p["W_hid_to_" + gate] + p["b_" + gate]

    def peep(gate, cell):
        return cell * p["W_cell_to_" + gate] if peepholes else 0
    cell = np.repeat(p["cell_init"], x.shape[0], axis=0)
    hid = np.repeat(p["hid_init"], x.shape[0], axis=0)
    out = np.zeros((x.shape[0], x.shape[1], N_UNITS))
    ticks = range(x.shape[1])
    for t in (reversed(ticks) if backwards else ticks):
        i = sigmoid(pre("ingate", x[:, t], hid) + peep("ingate", cell))
        f = sigmoid(pre("forgetgate", x[:, t], hid) + peep("forgetgate", cell))
        new_cell = f * cell + i * np.tanh(pre("cell", x[:, t], hid))
        o = sigmoid(pre("outgate", x[:, t], hid) + peep("outgate", new_cell))
        new_hid = o * np.tanh(new_cell)
        keep = 1 if mask is None else mask[:, t:t + 1]
        cell = keep * new_cell + (1 - keep) * cell
        hid = keep * new_hid + (1 - keep) * hid
        out[:, t] = hid
    return out


def _layer_and_function(**kwargs):
    sequence = InputLayer((None, T_, N_IN))
    mask = InputLayer((None, T_)) if kwargs.pop("masked", False) else None
    layer = LSTMLayer(sequence, N_UNITS, mask_input=mask, **kwargs)
    rng = np.random.RandomState(7)
    for param in layer.get_params():
        # peepholes of size ~2 make the out-gate placement change the output by far more than
        # round-off
        scale = 2.0 if param.name.startswith("W_cell_to") else 0.5
        param.set_value((scale * rng.randn(*param.get_value().shape)).astype(floatX))
    inputs = [sequence.input_var] + ([mask.input_var] if mask is not None else [])
    return layer, theano.function(inputs, get_output(layer), allow_input_downcast=True)


def test_install_patches_lasagne_01_lstm_in_place():
    assert lasagne.__version__ == "0.1"
    assert lasagne.layers.LSTMLayer is lasagne.layers.recurrent.LSTMLayer
    assert LSTMLayer.get_output_for is bp.lstm_get_output_for


@pytest.mark.numerics
@pytest.mark.parametrize("kwargs", [
    {},
    {"masked": True, "backwards": True},
    {"peepholes": False, "precompute_input": False, "unroll_scan": True},
    {"precompute_input": False, "grad_clipping": 1.0},
], ids=["default", "mask-backwards", "no-peepholes-unrolled", "not-precomputed-clipped"])
def test_patched_lstm_layer_matches_numpy_master_lstm(kwargs):
    masked, peepholes = kwargs.get("masked", False), kwargs.get("peepholes", True)
    layer, f = _layer_and_function(**kwargs)
    rng = np.random.RandomState(3)
    x = rng.randn(B, T_, N_IN)
    mask = (rng.rand(B, T_) > 0.3).astype(floatX)
    got = f(x, mask) if masked else f(x)
    params = {p.name: p.get_value().astype(np.float64) for p in layer.get_params()}
    want = numpy_lstm(x, params, mask if masked else None, peepholes, kwargs.get("backwards"))
    tolerance = {} if floatX == "float64" else {"rtol": 1e-4, "atol": 1e-5}
    np.testing.assert_allclose(got, want, **tolerance)


def test_lstm_step_puts_the_out_gate_peephole_inside_the_sigmoid():
    """One tick of the module-level step, without scan, against numpy with large peepholes."""
    layer = LSTMLayer(InputLayer((None, T_, N_IN)), N_UNITS)
    rng = np.random.RandomState(5)
    z, w_hid = rng.randn(B, 4 * N_UNITS), rng.randn(N_UNITS, 4 * N_UNITS)
    cell, hid = rng.randn(B, N_UNITS), rng.randn(B, N_UNITS)
    peep = {gate: 5 * rng.randn(N_UNITS) for gate in ("ingate", "forgetgate", "outgate")}
    weights = dict({"W_cell_to_" + gate: value for gate, value in peep.items()}, W_hid=w_hid)
    symbolic = bp.lstm_step(layer, T.constant(z), T.constant(cell), T.constant(hid),
                            {name: T.constant(value) for name, value in weights.items()})
    got_cell, got_hid = [value.eval() for value in symbolic]
    z_in, z_forget, z_cell, z_out = np.split(z + hid @ w_hid, 4, axis=1)
    want_cell = (sigmoid(z_forget + peep["forgetgate"] * cell) * cell
                 + sigmoid(z_in + peep["ingate"] * cell) * np.tanh(z_cell))
    out_gate = sigmoid(z_out + peep["outgate"] * want_cell)
    np.testing.assert_allclose(got_cell, want_cell, rtol=1e-10)
    np.testing.assert_allclose(got_hid, out_gate * np.tanh(want_cell), rtol=1e-10)
