"""Lasagne master's ``LSTMLayer`` output gate for Lasagne 0.1's layer (Lasagne #448)."""
from collections import OrderedDict

import theano
import theano.tensor as T
from lasagne.utils import unroll_scan

__all__ = ["lstm_step", "lstm_get_output_for"]


_GATE_ORDER = ("ingate", "forgetgate", "cell", "outgate")


def lstm_step(layer, input_t, cell_prev, hid_prev, weights):
    r"""One tick of an LSTM layer, with the output gate of Lasagne master.

    .. math::
        z &= x_t W_x + b + h_{t-1} W_h = [z_i, z_f, z_c, z_o] \\
        i &= \sigma_i(z_i + w_{ci} \odot c_{t-1}), \quad
        f = \sigma_f(z_f + w_{cf} \odot c_{t-1}) \\
        c_t &= f \odot c_{t-1} + i \odot \sigma_c(z_c) \\
        o &= \sigma_o(z_o + w_{co} \odot c_t), \quad
        h_t = o \odot \sigma_h(c_t)

    The output gate's peephole term is inside :math:`\sigma_o` (Lasagne 0.1
    adds it to :math:`\sigma_o(z_o)`). The peephole terms are left out
    without ``layer.peepholes``.

    Parameters
    ----------
    layer : lasagne.layers.LSTMLayer
        Supplies ``num_units``, ``peepholes``, ``grad_clipping`` and the
        nonlinearities.
    input_t : tensor [batch, n_inputs], or [batch, 4 * num_units] when ``weights``
        has no ``"W_in"`` (input already multiplied and biased)
    cell_prev, hid_prev : tensors [batch, num_units]
    weights : dict
        ``"W_hid"`` [num_units, 4 * num_units]; ``"W_in"`` and ``"b"`` unless
        precomputed; ``"W_cell_to_<gate>"`` [num_units] with peepholes.

    Returns
    -------
    list [c_t, h_t], two tensors [batch, num_units]
    """
    if "W_in" in weights:
        input_t = T.dot(input_t, weights["W_in"]) + weights["b"]
    preactivations = input_t + T.dot(hid_prev, weights["W_hid"])
    if layer.grad_clipping:
        preactivations = theano.gradient.grad_clip(preactivations, -layer.grad_clipping,
                                                   layer.grad_clipping)
    n = layer.num_units
    z_in, z_forget, z_cell, z_out = [preactivations[:, k * n:(k + 1) * n] for k in range(4)]
    if layer.peepholes:
        z_in = z_in + cell_prev * weights["W_cell_to_ingate"]
        z_forget = z_forget + cell_prev * weights["W_cell_to_forgetgate"]
    cell = layer.nonlinearity_forgetgate(z_forget) * cell_prev \
        + layer.nonlinearity_ingate(z_in) * layer.nonlinearity_cell(z_cell)
    if layer.peepholes:
        z_out = z_out + cell * weights["W_cell_to_outgate"]
    return [cell, layer.nonlinearity_outgate(z_out) * layer.nonlinearity(cell)]


def _masked_step(layer, input_t, mask_t, cell_prev, hid_prev, weights):
    """:func:`lstm_step` where ``mask_t`` [batch, 1] is 1; the previous state where it is 0."""
    cell, hid = lstm_step(layer, input_t, cell_prev, hid_prev, weights)
    return [T.switch(mask_t, cell, cell_prev), T.switch(mask_t, hid, hid_prev)]


def _stacked_weights(layer):
    """The weights a tick reads, gates stacked in Lasagne's order (and peepholes)."""
    def stacked(prefix, axis):
        return T.concatenate([getattr(layer, prefix + gate) for gate in _GATE_ORDER], axis=axis)
    weights = OrderedDict([("W_hid", stacked("W_hid_to_", 1)), ("W_in", stacked("W_in_to_", 1)),
                           ("b", stacked("b_", 0))])
    if layer.peepholes:
        weights.update((name, getattr(layer, name)) for name in
                       ("W_cell_to_ingate", "W_cell_to_forgetgate", "W_cell_to_outgate"))
    return weights


def _initial_state(layer, value, batch_size):
    """[batch, units]: a (1, units) parameter repeated, a given 2-D tensor as it is."""
    return T.repeat(value, batch_size, axis=0) if value in layer.params else value


def _lstm_loop(layer, sequences, initial, weights):
    """Ticks over time-major ``sequences``; returns [cells, hids], each [time, batch, units]."""
    names, step = list(weights), _masked_step if len(sequences) == 2 else lstm_step

    def tick(*args):
        n = len(sequences) + 2
        return step(layer, *args[:n], weights=OrderedDict(zip(names, args[n:])))
    if layer.unroll_scan:
        return unroll_scan(tick, sequences, initial, list(weights.values()),
                           layer.input_shapes[0][1], go_backwards=layer.backwards)
    return theano.scan(tick, sequences=sequences, outputs_info=initial,
                       non_sequences=list(weights.values()), go_backwards=layer.backwards,
                       truncate_gradient=layer.gradient_steps, strict=True)[0]


def lstm_get_output_for(self, inputs, **kwargs):
    r"""``LSTMLayer.get_output_for`` with the output gate of Lasagne master.

    Installed on Lasagne 0.1's ``LSTMLayer`` (constructor, parameters and
    names unchanged). Each tick is :func:`lstm_step`: the output gate's
    peephole is inside the nonlinearity,
    :math:`o_t = \sigma_o(x_t W_{xo} + h_{t-1} W_{ho} + w_{co} \odot c_t + b_o)`,
    as in the layer's own documented equations, where Lasagne 0.1 computes
    :math:`\sigma_o(x_t W_{xo} + h_{t-1} W_{ho} + b_o) + w_{co} \odot c_t`,
    which can leave :math:`(0, 1)`. ``grad_clipping=0`` means no clipping,
    as on master.

    Parameters
    ----------
    inputs : list
        The sequence ``[batch, time, ...]`` (axes after 2 are flattened)
        and, when the layer has a mask, the mask ``[batch, time]`` of 0/1:
        where it is 0 the state is carried over unchanged.

    Returns
    -------
    tensor [batch, time, num_units]
        The hidden states :math:`h_t` (in input order also when
        ``backwards``).

    References
    ----------
    Lasagne issue #448 and pull request #449 (October 2015).
    """
    sequence = inputs[0].flatten(3) if inputs[0].ndim > 3 else inputs[0]
    sequence = sequence.dimshuffle(1, 0, 2)
    weights = _stacked_weights(self)
    if self.precompute_input:
        sequence = T.dot(sequence, weights.pop("W_in")) + weights.pop("b")
    sequences = [sequence] + [mask.dimshuffle(1, 0, "x") for mask in inputs[1:2]]
    batch_size = sequence.shape[1]
    initial = [_initial_state(self, self.cell_init, batch_size),
               _initial_state(self, self.hid_init, batch_size)]
    hid = _lstm_loop(self, sequences, initial, weights)[1].dimshuffle(1, 0, 2)
    return hid[:, ::-1] if self.backwards else hid
