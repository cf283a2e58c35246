"""Memory cells, gates, augmentations and attention: bad arguments are refused at construction,
with an error naming the argument (issue 14)."""
from types import SimpleNamespace

import numpy as np
import pytest
import theano
from lasagne import init
from lasagne.layers import Gate, InputLayer, get_output

from agentnet.memory import (AttentionLayer, CounterLayer, DotAttentionLayer, GateLayer, GRUCell,
                             GRUMemoryLayer, LSTMCell, RNNCell, StackAugmentation, SwitchLayer,
                             WindowAugmentation)
from agentnet.memory.attention import self_attention

N_IN, N_UNITS = 3, 5


def x():
    return InputLayer((None, N_IN), name="x")


def h():
    return InputLayer((None, N_UNITS), name="h")


def sequence():
    return InputLayer((None, 6, N_IN), name="sequence")


TYPE_ERRORS = [
    (lambda: RNNCell(np.zeros((2, N_UNITS)), x()), r"`prev_state` must be a lasagne layer"),
    (lambda: RNNCell(h(), [x(), np.zeros(N_IN)]),
     r"`input_or_inputs\[1\]` must be a lasagne layer, got ndarray"),
    (lambda: RNNCell(h(), x(), num_units=5.0), r"`num_units` must be an int >= 1, got 5.0"),
    (lambda: RNNCell(h(), x(), grad_clipping="5"), r"`grad_clipping` must be a real number"),
    (lambda: LSTMCell(h(), "hid", x()), r"`prev_out` must be a lasagne layer, got str"),
    (lambda: GRUCell(h(), x(), dropout="0.5"), r"`dropout` must be a real number in \[0, 1\)"),
    (lambda: GateLayer([x(), np.ones(3)], [2]), r"`gate_controllers\[1\]` must be a lasagne"),
    (lambda: GateLayer(x(), [2, "3"]),
     r"`channels\[1\]` must be an int >= 1 \(units\) or a layer"),
    (lambda: GRUMemoryLayer(2.5, x(), h()), r"`num_units` must be an int >= 1, got 2.5"),
    (lambda: GRUMemoryLayer(N_UNITS, x(), h(), resetgate=None),
     r"`resetgate` must be a lasagne.layers.Gate \(W_in, W_hid, b, nonlinearity\), got NoneType"),
    (lambda: CounterLayer(InputLayer((None,)), k=2.5),
     r"`k` must be an int >= 1 \(the period\) or None, got 2.5 \(float\)"),
    (lambda: CounterLayer(np.zeros(3)), r"`prev_counter` must be a lasagne layer"),
    (lambda: SwitchLayer(x(), np.zeros((2, N_IN)), x()), r"`than_branch` must be a lasagne layer"),
    (lambda: WindowAugmentation(x(), np.zeros((2, 4, N_IN))),
     r"`prev_state_input` must be a lasagne layer"),
    (lambda: StackAugmentation(x(), InputLayer((None, 4, N_IN)), "controls"),
     r"`controls_layer` must be a lasagne layer, got str"),
    (lambda: AttentionLayer(np.zeros((2, 6, N_IN)), h(), 4),
     r"`input_sequence` must be a lasagne layer"),
    (lambda: DotAttentionLayer(sequence(), x(), mask_input=np.ones((2, 6))),
     r"`mask_input` must be a lasagne layer"),
    (lambda: self_attention(sequence(), key_size=2.5), r"`key_size` must be an int >= 1"),
    (lambda: LSTMCell(np.zeros((2, N_UNITS)), h(), x()), r"`prev_cell` must be a lasagne layer"),
    (lambda: GRUCell(h(), x(), num_units="5"), r"`num_units` must be an int >= 1, got '5'"),
    (lambda: GRUMemoryLayer(N_UNITS, [[0.0] * N_IN], h()),
     r"`observation_input` must be a lasagne layer, got list"),
    (lambda: SwitchLayer("always", x(), x()), r"`condition` must be a lasagne layer, got str"),
    (lambda: AttentionLayer(sequence(), h(), "8"), r"`num_units` must be an int >= 1, got '8'"),
    (lambda: RNNCell(h(), x(), nonlinearity="tanh"),
     r"`nonlinearity` must be callable, got 'tanh'"),
    (lambda: LSTMCell(h(), h(), x(), cell_nonlinearity=0.5),
     r"`cell_nonlinearity` must be callable, got 0.5"),
    (lambda: LSTMCell(h(), h(), x(), peepholes="yes"), r"`peepholes` must be True or False"),
    (lambda: GateLayer(x(), [2, 3], gate_nonlinearities=[None, "relu"]),
     r"`gate_nonlinearities\[1\]` must be callable, got 'relu'"),
    (lambda: GRUMemoryLayer(N_UNITS, x(), h(), hidden_update=Gate(nonlinearity="tanh")),
     r"`hidden_update.nonlinearity` must be callable"),
    (lambda: AttentionLayer(sequence(), h(), 4, probs_nonlinearity="softmax"),
     r"`probs_nonlinearity` must be callable, got 'softmax'"),
    (lambda: DotAttentionLayer(sequence(), x(), scale="False"), r"`scale` must be True or False"),
    (lambda: self_attention(sequence(), attn_class="dot"), r"`attn_class` must be callable"),
]
TYPE_IDS = ["rnn-state-array", "rnn-input-array", "rnn-float-units", "rnn-string-clipping",
            "lstm-out-string", "gru-string-dropout", "gate-controller", "gate-channel",
            "grumemory-float-units", "grumemory-gate", "counter-float-k", "counter-array",
            "switch-branch", "window-state", "stack-controls", "attention-values",
            "dot-attention-mask", "self-attention-key-size", "lstm-cell-array",
            "gru-string-units", "grumemory-observation-list", "switch-condition-string",
            "attention-string-units", "rnn-nonlinearity", "lstm-cell-nonlinearity",
            "lstm-peepholes", "gate-nonlinearity", "grumemory-gate-nonlinearity",
            "attention-probs", "dot-attention-scale", "self-attention-class"]


@pytest.mark.parametrize("build, match", TYPE_ERRORS, ids=TYPE_IDS)
def test_wrong_type_is_a_named_type_error(build, match):
    with pytest.raises(TypeError, match=match):
        build()


VALUE_ERRORS = [
    (lambda: GRUCell(h(), x(), dropout=1.5),
     r"`dropout` must be a finite real number in \[0, 1\), got 1.5"),
    (lambda: LSTMCell(h(), h(), x(), dropout=1.0),
     r"`dropout` must be a finite real number in \[0, 1\), got 1.0"),
    (lambda: GRUCell(h(), x(), dropout=-0.1), r"`dropout` must be a finite real number"),
    (lambda: LSTMCell(h(), h(), x(), grad_clipping=float("nan")),
     r"`grad_clipping` must be a finite real number"),
    (lambda: RNNCell(h(), x(), num_units=0), r"`num_units` must be an int >= 1, got 0"),
    (lambda: GateLayer(x(), [0]), r"`channels\[0\]` must be an int >= 1 \(units\) or a layer"),
    (lambda: GRUMemoryLayer(N_UNITS, x(), h(), grad_clipping=-1),
     r"`grad_clipping` must be a finite real number in \[0, inf\), got -1"),
    (lambda: GRUMemoryLayer(0, x(), h()), r"`num_units` must be an int >= 1, got 0"),
    (lambda: AttentionLayer(sequence(), h(), 0), r"`num_units` must be an int >= 1, got 0"),
]
VALUE_IDS = ["gru-dropout-1.5", "lstm-dropout-1", "gru-dropout-negative", "lstm-clipping-nan",
             "rnn-zero-units", "gate-zero-channel", "grumemory-negative-clipping",
             "grumemory-zero-units", "attention-zero-units"]


@pytest.mark.parametrize("build, match", VALUE_ERRORS, ids=VALUE_IDS)
def test_out_of_range_is_a_named_value_error(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_valid_boundaries_are_accepted():
    """dropout 0 and just below 1, a negative cell clipping bound (used as |c|), k = 1."""
    GRUCell(h(), x(), dropout=0.0)
    LSTMCell(h(), h(), x(), dropout=0.999, grad_clipping=-5)
    GRUMemoryLayer(N_UNITS, x(), h(), grad_clipping=0, resetgate=Gate(W_cell=None))
    assert CounterLayer(InputLayer((None,)), k=np.int64(1)).k == 1
    # flags given as 0/1, as scripts for the original do; a None nonlinearity is the identity
    LSTMCell(h(), h(), x(), peepholes=0, output_nonlinearity=None)
    DotAttentionLayer(sequence(), x(), scale=1, use_dense_layer=1)


def test_gru_memory_layer_reads_any_gate_like_object():
    """Spec 05, GRUMemoryLayer: "Initial values come from the Gate objects' W_in, W_hid, b;
    nonlinearities from their nonlinearity" -- only those attributes are required."""
    gate_like = SimpleNamespace(W_in=init.Constant(0.5), W_hid=init.Constant(0.0),
                                b=init.Constant(0.0), nonlinearity=None)
    layer = GRUMemoryLayer(N_UNITS, x(), h(), updategate=gate_like)
    np.testing.assert_array_equal(layer.gate_params["updategate"][0].get_value(), 0.5)


def _grad_clip_ops(layer):
    output = get_output(layer)
    return [node for node in theano.gof.graph.io_toposort(theano.gof.graph.inputs([output]),
                                                           [output])
            if "GradClip" in type(node.op).__name__]


@pytest.mark.parametrize("build", [
    lambda: RNNCell(h(), x(), grad_clipping=False),
    lambda: GRUCell(h(), x(), grad_clipping=False),
    lambda: LSTMCell(h(), h(), x(), grad_clipping=False)[1],
    lambda: GRUMemoryLayer(N_UNITS, x(), h(), grad_clipping=False),
], ids=["rnn", "gru", "lstm", "grumemory"])
def test_grad_clipping_false_means_no_clipping_as_in_the_original(build):
    """Spec 05: clipping applies "with grad_clipping non-zero" (GRUMemoryLayer: "when
    non-zero"); False, the default of Lasagne's own recurrent layers, is zero: no clipping."""
    assert _grad_clip_ops(build()) == []
