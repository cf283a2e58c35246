"""Attention layers: spec-11 scenarios, numpy references of the weights, and input checks."""
import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import (DenseLayer, DimshuffleLayer, EmbeddingLayer, InputLayer,
                            ReshapeLayer, get_all_layers, get_output)

from agentnet.agent import Recurrence
from agentnet.memory import AttentionLayer, DotAttentionLayer, GRUCell
from agentnet.memory.attention import multihead_attention, self_attention

floatX = theano.config.floatX


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _values(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype(floatX)


@pytest.mark.numerics
@pytest.mark.parametrize("masked", [False, True], ids=["no-mask", "mask"])
def test_additive_attention_matches_numpy(masked):
    values, query = InputLayer((None, 6, 4)), InputLayer((None, 3))
    mask = InputLayer((None, 6)) if masked else None
    layer = AttentionLayer(values, query, num_units=5, mask_input=mask)
    v, q = _values(2, 6, 4), _values(2, 3, seed=1)
    m = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1]], dtype=floatX)
    inputs = {values: theano.shared(v), query: theano.shared(q)}
    if masked:
        inputs[mask] = theano.shared(m)
    attn, probs = [x.eval() for x in get_output([layer["attn"], layer["probs"]], inputs)]
    hidden = np.tanh(v @ layer.W_enc.get_value() + (q @ layer.W_dec.get_value())[:, None])
    logits = (hidden @ layer.W_out.get_value())[:, :, 0]
    if masked:
        logits = logits - (1 - m) * 1000
    expected = softmax(logits)
    np.testing.assert_allclose(probs, expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(probs.sum(-1), 1, rtol=1e-5)
    np.testing.assert_allclose(attn, (expected[:, :, None] * v).sum(1), rtol=1e-4, atol=1e-5)
    if masked:
        assert probs[0, 3:].max() < 1e-6


@pytest.mark.numerics
def test_dot_attention_scaled_and_hard():
    values, query = InputLayer((None, 5, 4)), InputLayer((None, 4))
    layer = DotAttentionLayer(values, query, scale=True)
    v, q = _values(3, 5, 4), _values(3, 4, seed=2)
    inputs = {values: theano.shared(v), query: theano.shared(q)}
    probs = get_output(layer["probs"], inputs).eval()
    logits = (q[:, None] * v).sum(-1) / 2.0
    np.testing.assert_allclose(probs, softmax(logits), rtol=1e-4, atol=1e-6)
    hard_attn, hard_probs = [x.eval() for x in get_output([layer["attn"], layer["probs"]], inputs,
                                                          hard_attention=True)]
    best = logits.argmax(-1)
    np.testing.assert_array_equal(hard_probs, np.eye(5)[best])
    np.testing.assert_allclose(hard_attn, v[np.arange(3), best], rtol=1e-5)


@pytest.mark.numerics
def test_dot_attention_with_mask_matches_numpy():
    values, query, mask = InputLayer((None, 5, 4)), InputLayer((None, 4)), InputLayer((None, 5))
    layer = DotAttentionLayer(values, query, mask_input=mask)
    v, q = _values(2, 5, 4, seed=4), _values(2, 4, seed=5)
    m = np.array([[1, 1, 0, 0, 0], [0, 1, 1, 1, 1]], dtype=floatX)
    inputs = {values: theano.shared(v), query: theano.shared(q), mask: theano.shared(m)}
    attn, probs = [x.eval() for x in get_output([layer["attn"], layer["probs"]], inputs)]
    expected = softmax((q[:, None] * v).sum(-1) - (1 - m) * 1000)
    np.testing.assert_allclose(probs, expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(probs.sum(-1), 1, rtol=1e-5)
    assert probs[m == 0].max() < 1e-6
    np.testing.assert_allclose(attn, (expected[:, :, None] * v).sum(1), rtol=1e-4, atol=1e-5)


@pytest.mark.numerics
def test_multihead_split_and_merge():
    values, query = InputLayer((None, 5, 4)), InputLayer((None, 3))
    heads = multihead_attention(values, query, num_heads=2, key_size=3, value_size=2,
                                use_dense_layer=True)
    assert heads["attn"].output_shape == (None, 4) and heads["probs"].output_shape == (None, 2, 5)
    v, q = _values(3, 5, 4), _values(3, 3, seed=3)
    inputs = {values: theano.shared(v), query: theano.shared(q)}
    attn, probs = [x.eval() for x in get_output([heads["attn"], heads["probs"]], inputs)]
    assert attn.shape == (3, 4) and probs.shape == (3, 2, 5)
    np.testing.assert_allclose(probs.sum(-1), 1, rtol=1e-5)
    # every head's output is a convex combination of that head's projected values
    projection = [layer for layer in _all_layers(heads["attn"])
                  if layer.name == "multihead_attn_value_heads"][0]
    projected = (v @ projection.W.get_value() + projection.b.get_value()).reshape(3, 5, 2, 2)
    for h in range(2):
        expected = (probs[:, h, :, None] * projected[:, :, :, h]).sum(1)
        np.testing.assert_allclose(attn.reshape(3, 2, 2)[:, :, h], expected, rtol=1e-4, atol=1e-5)


def _all_layers(layer):
    from lasagne.layers import get_all_layers
    return get_all_layers(layer)


def test_attention_in_recurrence_with_hard_flag():
    """Spec 11 scenario 1 (and 3 with DotAttentionLayer)."""
    for build in (lambda enc, h: AttentionLayer(enc, h, num_units=16),
                  lambda enc, h: DotAttentionLayer(enc, h, use_dense_layer=True)):
        encoder = InputLayer((None, None, 12))
        prev_gru = InputLayer((None, 15))
        attention = build(encoder, prev_gru)
        probs_layer = attention["probs"]
        gru = GRUCell(prev_gru, attention["attn"], name="gru")
        outer = InputLayer((None, None, 12))
        rec = Recurrence(input_nonsequences={encoder: outer}, state_variables={gru: prev_gru},
                         tracked_outputs=[probs_layer], n_steps=10, unroll_scan=False)
        soft = theano.function([outer.input_var], get_output([rec[gru], rec[probs_layer]]),
                               allow_input_downcast=True)
        hard = theano.function([outer.input_var], get_output(
            rec[probs_layer], recurrence_flags={"hard_attention": True}),
            allow_input_downcast=True)
        states, probs = soft(_values(5, 25, 12))
        assert states.shape == (5, 10, 15) and probs.shape == (5, 10, 25)
        hard_probs = hard(_values(5, 25, 12))
        assert hard_probs.shape == (5, 10, 25) and set(np.unique(hard_probs)) == {0, 1}


def test_self_attention_shapes():
    tokens = InputLayer((10, 20), input_var=T.constant(np.zeros((10, 20), dtype="int32")))
    embedded = EmbeddingLayer(tokens, 100, 32)
    first = self_attention(embedded, key_size=48, value_size=50)
    second = self_attention(first, key_size=64, value_size=100)
    assert get_output(second).eval().shape == (10, 20, 100)
    multi = self_attention(embedded, key_size=48, value_size=50, attn_class=multihead_attention,
                           num_heads=5)
    multi = self_attention(multi, key_size=64, value_size=100, attn_class=multihead_attention,
                           num_heads=5)
    assert get_output(multi).eval().shape == (10, 20, 500)


def test_multihead_attention_in_recurrence_with_hard_flag():
    """Spec 11 scenario 5: three heads over learned keys inside a scan."""
    encoder = InputLayer((None, None, 12))
    prev_gru = InputLayer((None, 15))
    keys = DenseLayer(encoder, 30, num_leading_axes=2, nonlinearity=None)
    heads = multihead_attention(encoder, prev_gru, key_sequence=keys, num_heads=3,
                                use_dense_layer=True)
    gru = GRUCell(prev_gru, heads["attn"], name="gru")
    outer = InputLayer((None, None, 12))
    rec = Recurrence(input_nonsequences={encoder: outer}, state_variables={gru: prev_gru},
                     tracked_outputs=[heads["probs"], heads["attn"]], n_steps=10,
                     unroll_scan=False)
    outputs = [rec[gru], rec[heads["attn"]], rec[heads["probs"]]]
    hard = get_output(rec[heads["probs"]], recurrence_flags={"hard_attention": True})
    f = theano.function([outer.input_var], get_output(outputs) + [hard],
                        allow_input_downcast=True)
    states, attn, probs, hard_probs = f(_values(5, 25, 12))
    assert states.shape == (5, 10, 15) and attn.shape == (5, 10, 36)
    assert probs.shape == hard_probs.shape == (5, 10, 3, 25)
    np.testing.assert_allclose(probs.sum(-1), 1, rtol=1e-4)
    assert set(np.unique(hard_probs)) == {0, 1}
    np.testing.assert_array_equal(hard_probs.sum(-1), 1)


def test_attention_over_an_image():
    """Spec 11 scenario 2: a 24x24 image as a 576-step sequence of 3 channels."""
    image = InputLayer((None, 3, 24, 24))
    sequence = ReshapeLayer(DimshuffleLayer(image, (0, 2, 3, 1)), ([0], -1, 3))
    prev_gru = InputLayer((None, 15))
    attention = AttentionLayer(sequence, prev_gru, num_units=16)
    gru = GRUCell(prev_gru, attention["attn"])
    probs_image = ReshapeLayer(attention["probs"], ([0], 24, 24))
    outer = InputLayer((None, 3, 24, 24))
    rec = Recurrence(input_nonsequences={image: outer}, state_variables={gru: prev_gru},
                     tracked_outputs=[probs_image], n_steps=10, unroll_scan=False)
    f = theano.function([outer.input_var], get_output([rec[gru], rec[probs_image]]),
                        allow_input_downcast=True)
    states, probs = f(_values(5, 3, 24, 24))
    assert states.shape == (5, 10, 15) and probs.shape == (5, 10, 24, 24)


@pytest.mark.parametrize("build, message", [
    (lambda: AttentionLayer(InputLayer((None, 5, 4)), InputLayer((None, 3)), 8,
                            key_sequence=InputLayer((None, 6, 4))),
     "same sequence length"),
    (lambda: AttentionLayer(InputLayer((None, 5, 4)), InputLayer((None, 3)), 8,
                            mask_input=InputLayer((None, 5, 1))),
     r"`mask_input` must have ndim 2 \[batch, seq\]"),
    (lambda: AttentionLayer(InputLayer((None, 5, 4)), InputLayer((None, 2, 3)), 8),
     r"`query` must have ndim 2"),
    (lambda: AttentionLayer(InputLayer((None, 5)), InputLayer((None, 3)), 8),
     r"`input_sequence` must have ndim 3"),
    (lambda: DotAttentionLayer(InputLayer((None, 5, 4)), InputLayer((None, 4)),
                               mask_input=InputLayer((None, 5, 1))),
     r"`mask_input` must have ndim 2 \[batch, seq\]"),
    (lambda: DotAttentionLayer(InputLayer((None, 5, 4)), InputLayer((None, 4)),
                               mask_input=InputLayer((None, 6))),
     r"`mask_input` \(None, 6\) must have the same sequence length"),
    (lambda: multihead_attention(InputLayer((None, 5, 4)), InputLayer((None, 3)), num_heads=0),
     "`num_heads` must be an int >= 1, got 0"),
    (lambda: multihead_attention(InputLayer((None, 5, 4)), InputLayer((None, 3)), num_heads=2,
                                 key_size=0),
     r"`key_size` must be an int >= 1 \(units per head\), got 0"),
    (lambda: multihead_attention(InputLayer((None, 5, 4)), InputLayer((None, 3)), num_heads=2,
                                 mask_input=InputLayer((None, 4))),
     r"`mask_input` \(None, 4\) must have the same sequence length"),
    (lambda: self_attention(InputLayer((None, 5))), r"`incoming` must have ndim 3"),
], ids=["seq-length", "mask-shape", "query-ndim", "values-ndim", "dot-mask-ndim",
        "dot-mask-length", "heads", "key-size", "multihead-mask",
        "self-attention"])
def test_bad_input(build, message):
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize("kwargs, message", [
    ({"num_heads": 2.5}, r"`num_heads` must be an int >= 1, got 2.5 \(float\)"),
    ({"num_heads": 2, "value_size": 1.5},
     r"`value_size` must be an int >= 1 \(units per head\), got 1.5 \(float\)"),
], ids=["heads-float", "value-size-float"])
def test_non_integer_sizes_raise_type_error(kwargs, message):
    with pytest.raises(TypeError, match=message):
        multihead_attention(InputLayer((None, 5, 4)), InputLayer((None, 3)), **kwargs)


def test_dot_attention_names_both_widths_when_it_projects_the_query():
    with pytest.warns(UserWarning, match=r"`query` has width 3 but `key_sequence` has width 4 "
                                         r"\(a dot product needs query \[batch, 4\]\)"):
        layer = DotAttentionLayer(InputLayer((None, 5, 4)), InputLayer((None, 3)), name="dot")
    assert any(incoming.name == "dot_dense" for incoming in layer.input_layers)


def test_heads_need_not_divide_the_key_size():
    """``key_size`` is per head: 3 heads of 4 units project to 12 units."""
    values, query = InputLayer((None, 5, 4)), InputLayer((None, 3))
    heads = multihead_attention(values, query, num_heads=3, key_size=4, value_size=2)
    assert heads["attn"].output_shape == (None, 6)
    assert heads["probs"].output_shape == (None, 3, 5)
    projection = [layer for layer in get_all_layers(heads["attn"])
                  if layer.name == "multihead_attn_query_heads"]
    assert projection[0].W.get_value().shape == (3, 12)
