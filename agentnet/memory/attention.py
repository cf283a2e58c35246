r"""Attention layers for one-tick graphs: additive, dot-product, multi-head and self attention.

Every attention layer reads a sequence of values ``[batch, seq, value_units]``
(and keys, by default the values) and a query ``[batch, query_units]``, and
outputs ``'attn'`` (the weighted sum of values) and ``'probs'`` (the weights).
"""
from collections import OrderedDict

import numpy as np
import theano
import theano.tensor as T
from lasagne import init
from lasagne.layers import DenseLayer, SliceLayer, flatten, reshape

from ..utils.layers.broadcast import BroadcastLayer, UnbroadcastLayer, UpcastLayer
from ..utils.layers.dict import DictLayer
from ..utils.logging import warn
from ..utils._validation import (require_bool, require_callable, require_int, require_layer,
                                 require_layer_ndim, shape_str)

__all__ = ["AttentionLayer", "DotAttentionLayer", "multihead_attention", "self_attention"]

#: Logit penalty of masked positions: softmax weight about exp(-1000) = 0.
MASK_PENALTY = 1000


def _require_ndim(layer, ndim, argument, layout):
    """``layer`` (unless None) is a layer with ``ndim`` axes."""
    if layer is not None:
        require_layer_ndim(layer, ndim, argument, layout)


def _check_attention_inputs(values, query, keys, mask):
    require_layer(values, "input_sequence")
    require_layer(query, "query")
    _require_ndim(values, 3, "input_sequence", "[batch, seq, value_units]")
    _require_ndim(query, 2, "query", "[batch, query_units]")
    _require_ndim(keys, 3, "key_sequence", "[batch, seq, key_units]")
    _require_ndim(mask, 2, "mask_input", "[batch, seq]")
    seq_lengths = {values.output_shape[1], keys.output_shape[1]} - {None}
    if mask is not None:
        seq_lengths |= {mask.output_shape[1]} - {None}
    if len(seq_lengths) > 1:
        raise ValueError("`input_sequence` %s, `key_sequence` %s and `mask_input` %s must have "
                         "the same sequence length (axis 1)"
                         % (shape_str(values.output_shape), shape_str(keys.output_shape),
                            shape_str(mask.output_shape) if mask is not None else "None"))


class _AttentionBase(DictLayer):
    """Shared part: incomings, output shapes, masking, soft and hard read-out."""

    def __init__(self, input_sequence, query, key_sequence, mask_input, probs_nonlinearity,
                 **kwargs):
        key_sequence = key_sequence if key_sequence is not None else input_sequence
        _check_attention_inputs(input_sequence, query, key_sequence, mask_input)
        incomings = [input_sequence, key_sequence, query]
        incomings += [mask_input] if mask_input is not None else []
        batch, seq_len = key_sequence.output_shape[:2]
        shapes = OrderedDict([("attn", (batch, input_sequence.output_shape[2])),
                              ("probs", (batch, seq_len))])
        super(_AttentionBase, self).__init__(incomings, shapes, **kwargs)
        self.probs_nonlinearity = require_callable(probs_nonlinearity, "probs_nonlinearity")
        self.has_mask = mask_input is not None

    def get_logits(self, keys, query):
        """Attention logits ``[batch, seq]``; defined by each attention type."""
        raise NotImplementedError

    def get_output_for(self, inputs, hard_attention=False, **kwargs):
        values, keys, query = inputs[:3]
        logits = self.get_logits(keys, query)
        if self.has_mask:
            logits = logits - (1 - inputs[3]) * MASK_PENALTY
        if hard_attention:
            return self._hard_read(values, logits)
        probs = self.probs_nonlinearity(logits)
        return OrderedDict([("attn", T.sum(probs[:, :, None] * values, axis=1)),
                            ("probs", probs)])

    @staticmethod
    def _hard_read(values, logits):
        """Attend to the single best position: its value and a one-hot weight vector."""
        best = T.argmax(logits, axis=-1)
        attn = values[T.arange(values.shape[0]), best]
        probs = T.extra_ops.to_one_hot(best, logits.shape[1], dtype=theano.config.floatX)
        return OrderedDict([("attn", attn), ("probs", probs)])


class AttentionLayer(_AttentionBase):
    r"""Additive attention (Bahdanau et al. 2015).

    .. math::
        h_i = f(k_i W_{enc} + q W_{dec}), \quad
        e_i = h_i W_{out}, \quad
        p = \mathrm{softmax}(e), \quad
        attn = \sum_i p_i v_i

    Masked positions get :math:`e_i - 1000`. With ``hard_attention=True``
    (a ``get_output`` flag, or ``recurrence_flags`` inside a recurrence) the
    layer returns the value at :math:`\arg\max_i e_i` and one-hot weights.

    Parameters
    ----------
    input_sequence : layer [batch, seq, value_units]
        Values.
    query : layer [batch, query_units]
    num_units : int >= 1
        Hidden units :math:`h`.
    mask_input : layer [batch, seq] or None
        1 for positions to attend to, 0 for padding.
    key_sequence : layer [batch, seq, key_units] or None
        Keys; default: the values.
    nonlinearity : callable
        :math:`f`.
    probs_nonlinearity : callable
        Turns logits ``[batch, seq]`` into weights.
    W_enc, W_dec, W_out : initializers
        Parameters ``enc_to_hid`` (key_units, num_units), ``dec_to_hid``
        (query_units, num_units), ``hid_to_logit`` (num_units, 1).

    References
    ----------
    Bahdanau, Cho & Bengio (2015), Neural machine translation by jointly
    learning to align and translate.
    """

    def __init__(self, input_sequence, query, num_units, mask_input=None, key_sequence=None,
                 nonlinearity=T.tanh, probs_nonlinearity=T.nnet.softmax, W_enc=init.Normal(),
                 W_dec=init.Normal(), W_out=init.Normal(), **kwargs):
        require_int(num_units, "num_units")
        super(AttentionLayer, self).__init__(input_sequence, query, key_sequence, mask_input,
                                             probs_nonlinearity, **kwargs)
        key_units = self.input_shapes[1][2]
        self.nonlinearity = require_callable(nonlinearity, "nonlinearity")
        self.W_enc = self.add_param(W_enc, (key_units, num_units), name="enc_to_hid")
        self.W_dec = self.add_param(W_dec, (query.output_shape[1], num_units), name="dec_to_hid")
        self.W_out = self.add_param(W_out, (num_units, 1), name="hid_to_logit")

    def get_logits(self, keys, query):
        hidden = self.nonlinearity(T.dot(keys, self.W_enc) + T.dot(query, self.W_dec)[:, None, :])
        return T.dot(hidden, self.W_out)[:, :, 0]


class DotAttentionLayer(_AttentionBase):
    r"""Multiplicative attention: :math:`e_i = \langle q, k_i \rangle`, optionally scaled by
    :math:`1/\sqrt{d_k}` (Vaswani et al. 2017).

    Parameters
    ----------
    input_sequence : layer [batch, seq, value_units]
    query : layer [batch, query_units]
    key_sequence : layer [batch, seq, key_units] or None
    mask_input : layer [batch, seq] or None
    scale : bool
        Multiply logits by :math:`d_k^{-1/2}`.
    use_dense_layer : bool
        Project the query to ``key_units`` with a linear ``DenseLayer`` first.
        Turned on (with a warning) when the query and key widths differ.
    probs_nonlinearity : callable

    References
    ----------
    Luong, Pham & Manning (2015), Effective approaches to attention-based
    neural machine translation.
    """

    def __init__(self, input_sequence, query, key_sequence=None, mask_input=None, scale=False,
                 use_dense_layer=False, probs_nonlinearity=T.nnet.softmax, **kwargs):
        keys = key_sequence if key_sequence is not None else input_sequence
        scale, use_dense_layer = require_bool(scale, "scale"), require_bool(use_dense_layer,
                                                                              "use_dense_layer")
        _require_ndim(keys, 3, "key_sequence", "[batch, seq, key_units]")
        _require_ndim(query, 2, "query", "[batch, query_units]")
        self.key_size = keys.output_shape[2]
        if query.output_shape[1] != self.key_size and not use_dense_layer:
            warn("DotAttentionLayer: `query` has width %s but `key_sequence` has width %s "
                 "(a dot product needs query [batch, %s]); projecting the query with a "
                 "DenseLayer (use_dense_layer=True)."
                 % (query.output_shape[1], self.key_size, self.key_size))
            use_dense_layer = True
        if use_dense_layer:
            query = DenseLayer(query, self.key_size, nonlinearity=None,
                               name=kwargs.get("name", "dotattn") + "_dense")
        self.scale = scale
        super(DotAttentionLayer, self).__init__(input_sequence, query, key_sequence, mask_input,
                                                probs_nonlinearity, **kwargs)

    def get_logits(self, keys, query):
        logits = T.sum(query[:, None, :] * keys, axis=-1)
        if self.scale:
            logits = logits * np.float32(self.key_size ** -0.5)
        return logits


def _check_head_sizes(key_size, value_size):
    for argument, size in (("key_size", key_size), ("value_size", value_size)):
        if size is not None:
            require_int(size, argument, meaning=" (units per head)")


def _heads(layer, head_size, num_heads, name):
    """Project ``[batch, ..., units]`` to heads folded into the batch axis.

    Unit ``s * num_heads + h`` belongs to head ``h``; the result has row
    ``b * num_heads + h``.
    """
    ndim = len(layer.output_shape)
    projected = DenseLayer(layer, head_size * num_heads, nonlinearity=None,
                           num_leading_axes=ndim - 1, name=name)
    split = reshape(projected, tuple([[i] for i in range(ndim - 1)]) + (head_size, num_heads))
    return BroadcastLayer(split, broadcasted_axes=(0, ndim))


def multihead_attention(input_sequence, query, key_sequence=None, mask_input=None, num_heads=1,
                        key_size=None, value_size=None, attn_class=DotAttentionLayer,
                        name="multihead_attn", **kwargs):
    r"""Several attention heads over learned projections, run as one batch (Vaswani et al. 2017).

    Parameters
    ----------
    input_sequence : layer [batch, seq, value_units]
    query : layer [batch, query_units]
    key_sequence : layer [batch, seq, key_units] or None
    mask_input : layer [batch, seq] or None
    num_heads : int
    key_size, value_size : int or None
        Sizes of *each* head's key and value projections; default the key and
        value widths. The projections have ``key_size * num_heads`` and
        ``value_size * num_heads`` units, so any ``num_heads`` fits any
        ``key_size`` (unlike libraries that split one model width among the
        heads, which must then divide it).
    attn_class : attention layer class
    name : str
    **kwargs
        For ``attn_class`` (e.g. ``scale=True``).

    Returns
    -------
    dict
        ``'attn'`` [batch, value_size * num_heads] (unit ``v * num_heads + h``
        is head ``h``) and ``'probs'`` [batch, num_heads, seq].
    """
    require_int(num_heads, "num_heads")
    _check_head_sizes(key_size, value_size)
    require_callable(attn_class, "attn_class")
    keys = key_sequence if key_sequence is not None else input_sequence
    _check_attention_inputs(input_sequence, query, keys, mask_input)
    key_size = key_size or keys.output_shape[2]
    value_size = value_size or input_sequence.output_shape[2]
    query_heads = _heads(query, key_size, num_heads, name + "_query_heads")
    value_heads = _heads(input_sequence, value_size, num_heads, name + "_value_heads")
    key_heads = _heads(keys, key_size, num_heads, name + "_key_heads")
    mask_heads = UpcastLayer(mask_input, broadcast_layer=query_heads) \
        if mask_input is not None else None
    heads = attn_class(value_heads, query_heads, key_sequence=key_heads, mask_input=mask_heads,
                       name=name, **kwargs)
    attn = flatten(UnbroadcastLayer(heads["attn"], broadcast_layer=query_heads), outdim=2)
    probs = reshape(heads["probs"], (-1, num_heads, [1]))
    return {"attn": attn, "probs": probs}


def self_attention(incoming, key_size=None, value_size=None, mask_input=None, name="attn",
                   attn_class=DotAttentionLayer, **kwargs):
    """Every position of a sequence attends over the whole sequence.

    Parameters
    ----------
    incoming : layer [batch, time, units]
    key_size, value_size : int or None
        Default ``units``.
    mask_input : layer [batch, time] or None
    name : str
    attn_class : attention layer class or :func:`multihead_attention`
    **kwargs
        For ``attn_class`` (e.g. ``num_heads`` for multi-head).

    Returns
    -------
    layer [batch, time, value_size] (times ``num_heads`` for multi-head)
    """
    _require_ndim(incoming, 3, "incoming", "[batch, time, units]")
    _require_ndim(mask_input, 2, "mask_input", "[batch, time]")
    _check_head_sizes(key_size, value_size)
    require_callable(attn_class, "attn_class")
    units = incoming.output_shape[-1]
    key_size, value_size = key_size or units, value_size or units
    qkv = DenseLayer(incoming, 2 * key_size + value_size, nonlinearity=None, num_leading_axes=2,
                     name=name + ".qkv")
    queries = SliceLayer(qkv, slice(0, key_size), axis=-1)
    keys = SliceLayer(qkv, slice(key_size, 2 * key_size), axis=-1)
    values = SliceLayer(qkv, slice(2 * key_size, None), axis=-1)
    queries_flat = BroadcastLayer(queries, (0, 1))
    keys_rep = UpcastLayer(keys, broadcast_layer=queries_flat)
    values_rep = UpcastLayer(values, broadcast_layer=queries_flat)
    mask_rep = UpcastLayer(mask_input, broadcast_layer=queries_flat) \
        if mask_input is not None else None
    attention = attn_class(values_rep, queries_flat, key_sequence=keys_rep, mask_input=mask_rep,
                           name=name, **kwargs)
    return UnbroadcastLayer(attention["attn"], broadcast_layer=queries_flat)
