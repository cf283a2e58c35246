r"""Recurrent cells for one tick: vanilla RNN, GRU and LSTM.

Each function builds the one-tick sub-graph that turns the previous state and
the inputs into the next state. Register its result(s) as agent states /
recurrence ``state_variables`` to make it recurrent.
"""
from lasagne import init, nonlinearities
from lasagne.layers import DenseLayer, DropoutLayer, ElemwiseSumLayer, NonlinearityLayer

from ..utils.format import check_list
from ..utils.layers.helpers import add, clip_grads, mul
from ..utils.lasagne_backports import ScaleLayer
from ..utils._validation import (require_bool, require_callable, require_int, require_layer,
                                 require_layer_ndim,
                                 require_real, shape_str)
from .gate import GateLayer

__all__ = ["RNNCell", "GRUCell", "LSTMCell"]


def _check_state(prev_state, num_units, argument):
    """The previous state is a layer [batch, units]; returns ``num_units`` (inferred if None)."""
    require_layer_ndim(prev_state, 2, argument, "[batch, units]")
    if num_units is not None:
        require_int(num_units, "num_units")
    shape = prev_state.output_shape
    if num_units is not None and num_units != shape[1]:
        raise ValueError("`num_units`=%s differs from the %i units of `%s` %s"
                         % (num_units, shape[1], argument, shape_str(shape)))
    return shape[1]


def _check_inputs(input_or_inputs):
    """``input_or_inputs`` as a list of layers."""
    inputs = check_list(input_or_inputs)
    for i, layer in enumerate(inputs):
        require_layer(layer, "input_or_inputs[%i]" % i)
    return inputs


def _check_scalars(dropout, grad_clipping):
    """Dropout is a probability below 1 (1 would divide by zero); clipping any real (its abs),
    or False for none, the default of Lasagne's own recurrent layers."""
    require_real(dropout, "dropout", 0, 1, high_open=True)
    if grad_clipping is not False:
        require_real(grad_clipping, "grad_clipping")


def _check_nonlinearities(**functions):
    """Each nonlinearity is callable or None (the identity, as in ``NonlinearityLayer``)."""
    for argument, function in functions.items():
        if function is not None:
            require_callable(function, argument)


def _maybe_clipped(layers, grad_clipping):
    return [clip_grads(layer, grad_clipping) for layer in layers] if grad_clipping else layers


def RNNCell(prev_state, input_or_inputs=(), nonlinearity=nonlinearities.tanh, num_units=None,
            name=None, grad_clipping=0, Whid=init.Uniform(), Winp=init.Uniform(),
            b=init.Constant()):
    r"""Vanilla recurrent cell :math:`h' = f(h W_{hid} + b + \sum_i x_i W_i)`.

    Parameters
    ----------
    prev_state : layer [batch, units]
    input_or_inputs : layer or list of layers
        :math:`x_i` (wider inputs are flattened by ``DenseLayer``).
    nonlinearity : callable
    num_units : int >= 1 or None
        Must equal ``prev_state``'s units.
    name : str or None
    grad_clipping : float or False
        Clip gradients through the state and inputs to ``[-|c|, |c|]``; 0 or
        False = off.
    Whid, Winp, b : initializers
        ``Winp``: one for all inputs or a list with one per input.

    Returns
    -------
    layer [batch, units]
        Parameters ``<name>.hid_to_hid.W``, ``<name>.hid_to_hid.b``,
        ``<name>.input<i>_to_hid.W``.

    Raises
    ------
    TypeError
        If ``prev_state`` or an input is not a layer, ``nonlinearity`` is not
        callable (or None), ``num_units`` not an int or ``grad_clipping`` not a
        number.
    ValueError
        If ``prev_state`` is not 2-D or ``num_units`` disagrees with it.
    """
    num_units = _check_state(prev_state, num_units, "prev_state")
    inputs = _check_inputs(input_or_inputs)
    _check_scalars(0, grad_clipping)
    _check_nonlinearities(nonlinearity=nonlinearity)
    input_inits = Winp if isinstance(Winp, (list, tuple)) else [Winp] * len(inputs)
    if len(input_inits) != len(inputs):
        raise ValueError("`Winp` must be one initializer or one per input (%i), got %i"
                         % (len(inputs), len(input_inits)))
    prefix = name or ""
    prev_state, *inputs = _maybe_clipped([prev_state] + inputs, grad_clipping)
    terms = [DenseLayer(prev_state, num_units, W=Whid, b=b, nonlinearity=None,
                        name=prefix + ".hid_to_hid")]
    terms += [DenseLayer(x, num_units, W=w, b=None, nonlinearity=None,
                         name="%s.input%i_to_hid" % (prefix, i))
              for i, (x, w) in enumerate(zip(inputs, input_inits))]
    total = add(*terms, name=prefix + ".sum")
    return NonlinearityLayer(total, nonlinearity, name=prefix + ".new_state")


def _gru_gate_inits(weight_init):
    if isinstance(weight_init, (list, tuple)):
        if len(weight_init) != 2:
            raise ValueError("`weight_init` must be one initializer or a list of two (hidden, "
                             "input), got %i" % len(weight_init))
        return weight_init
    return weight_init, weight_init


def GRUCell(prev_state, input_or_inputs=(), num_units=None, weight_init=init.Normal(),
            bias_init=init.Constant(), forgetgate_nonlinearity=nonlinearities.sigmoid,
            updategate_nonlinearity=nonlinearities.sigmoid,
            hidden_update_nonlinearity=nonlinearities.tanh, dropout=0,
            name="YetAnotherGRULayer", grad_clipping=0):
    r"""Gated recurrent unit (Cho et al. 2014), the maths of Lasagne's ``GRULayer``.

    .. math::
        r &= \sigma_r(x W_{xr} + b_r + h W_{hr}) \\
        u &= \sigma_u(x W_{xu} + b_u + h W_{hu}) \\
        c &= \tanh(x W_{xc} + b_c + r \odot (h W_{hc})) \\
        h' &= (1 - u) \odot h + u \odot c

    (:math:`r` is called the forget gate here, Lasagne's reset gate.)

    Parameters
    ----------
    prev_state : layer [batch, units]
    input_or_inputs : layer or list of layers
    num_units : int or None
    weight_init : initializer or list of two
        For the hidden->gates and input->gates weights.
    bias_init : initializer
    forgetgate_nonlinearity, updategate_nonlinearity, hidden_update_nonlinearity : callables
    dropout : float in [0, 1)
        Dropout probability on the candidate :math:`c`; 0 = none.
    name : str
    grad_clipping : float or False
        As for :func:`RNNCell`.

    Returns
    -------
    layer [batch, units]
        Parameters ``<name>.W_<state name>_to_resetgate``, ...,
        ``<name>.b_to_resetgate``, ``<name>.W_<input name>_to_resetgate``...

    Raises
    ------
    TypeError
        If a state or input is not a layer, a nonlinearity not callable (or
        None), or a number of the wrong type.
    ValueError
        If a state is not 2-D, ``num_units`` disagrees with it, or a number is
        out of range (``dropout`` in [0, 1), ``num_units`` >= 1).
    """
    num_units = _check_state(prev_state, num_units, "prev_state")
    inputs = _check_inputs(input_or_inputs)
    _check_scalars(dropout, grad_clipping)
    _check_nonlinearities(forgetgate_nonlinearity=forgetgate_nonlinearity,
                          updategate_nonlinearity=updategate_nonlinearity,
                          hidden_update_nonlinearity=hidden_update_nonlinearity)
    hidden_init, input_init = _gru_gate_inits(weight_init)
    prefix = name or ""
    channel_names = ["to_resetgate", "to_updategate", "to_hidden_update"]
    hidden_gates = GateLayer(prev_state, [num_units] * 3, gate_nonlinearities=None,
                             bias_init=None, weight_init=hidden_init,
                             channel_names=channel_names, name=prefix)
    input_gates = GateLayer(inputs, [num_units] * 3, gate_nonlinearities=None,
                            bias_init=bias_init, weight_init=input_init,
                            channel_names=channel_names, name=prefix)
    hid_r, hid_u, hid_c = _maybe_clipped(list(hidden_gates.values()), grad_clipping)
    in_r, in_u, in_c = _maybe_clipped(list(input_gates.values()), grad_clipping)
    forget = NonlinearityLayer(add(in_r, hid_r), forgetgate_nonlinearity,
                               name=prefix + ".forgetgate")
    update = NonlinearityLayer(add(in_u, hid_u), updategate_nonlinearity,
                               name=prefix + ".updategate")
    keep = NonlinearityLayer(update, lambda u: 1 - u, name=prefix + ".[1 - updategate]")
    candidate_pre = _maybe_clipped([add(in_c, mul(forget, hid_c))], grad_clipping)[0]
    candidate = NonlinearityLayer(candidate_pre, hidden_update_nonlinearity,
                                  name=prefix + ".hid_update")
    if dropout:
        candidate = DropoutLayer(candidate, p=dropout)
    return ElemwiseSumLayer([mul(keep, prev_state), mul(update, candidate)], name=name)


def _peephole(cell, peephole_init, gate, prefix):
    return ScaleLayer(cell, peephole_init, shared_axes=[0],
                      name="%s.W_cell_to_%s_peephole" % (prefix, gate))


def _peephole_inits(peepholes_W_init):
    inits = peepholes_W_init if isinstance(peepholes_W_init, (list, tuple)) \
        else [peepholes_W_init] * 3
    if len(inits) != 3:
        raise ValueError("`peepholes_W_init` must be one initializer or a list of 3 (in, "
                         "forget, out gates), got %i" % len(inits))
    return inits


def LSTMCell(prev_cell, prev_out, input_or_inputs=(), num_units=None, peepholes=True,
             weight_init=init.Normal(), bias_init=init.Constant(),
             peepholes_W_init=init.Normal(), forgetgate_nonlinearity=nonlinearities.sigmoid,
             inputgate_nonlinearity=nonlinearities.sigmoid,
             outputgate_nonlinearity=nonlinearities.sigmoid,
             cell_nonlinearity=nonlinearities.tanh, output_nonlinearity=nonlinearities.tanh,
             dropout=0., name=None, grad_clipping=0.):
    r"""Long short-term memory cell (Hochreiter & Schmidhuber 1997) with peepholes
    (Gers & Schmidhuber 2000), the maths of Lasagne's ``LSTMLayer``.

    .. math::
        i &= \sigma(x W_{xi} + h W_{hi} + b_i + w_{ci} \odot c) \\
        f &= \sigma(x W_{xf} + h W_{hf} + b_f + w_{cf} \odot c) \\
        c' &= f \odot c + i \odot \tanh(x W_{xc} + h W_{hc} + b_c) \\
        o &= \sigma(x W_{xo} + h W_{ho} + b_o + w_{co} \odot c') \\
        h' &= o \odot \tanh(c')

    The output gate's peephole looks at the *new* cell :math:`c'`.

    Parameters
    ----------
    prev_cell : layer [batch, units]
    prev_out : layer [batch, units]
    input_or_inputs : layer or list of layers
    num_units : int or None
    peepholes : bool
    weight_init, bias_init : initializers, as for :class:`GateLayer`
    peepholes_W_init : initializer or list of 3 (in, forget, out)
    forgetgate_nonlinearity, inputgate_nonlinearity, outputgate_nonlinearity : callables
    cell_nonlinearity, output_nonlinearity : callables
    dropout : float in [0, 1)
        Dropout probability on the candidate cell value; 0 = none.
    name : str or None
    grad_clipping : float or False
        As for :func:`RNNCell`.

    Returns
    -------
    (new_cell, new_output) : two layers [batch, units]
        Register both as states.

    Raises
    ------
    TypeError
        If a state or input is not a layer, a nonlinearity not callable (or
        None), ``peepholes`` not a bool, or a number of the wrong type.
    ValueError
        If a state is not 2-D, ``num_units`` disagrees with it, or a number is
        out of range (``dropout`` in [0, 1), ``num_units`` >= 1).
    """
    num_units = _check_state(prev_cell, num_units, "prev_cell")
    _check_state(prev_out, num_units, "prev_out")
    _check_scalars(dropout, grad_clipping)
    _check_nonlinearities(forgetgate_nonlinearity=forgetgate_nonlinearity,
                          inputgate_nonlinearity=inputgate_nonlinearity,
                          outputgate_nonlinearity=outputgate_nonlinearity,
                          cell_nonlinearity=cell_nonlinearity,
                          output_nonlinearity=output_nonlinearity)
    peepholes = require_bool(peepholes, "peepholes")
    prefix = name or ""
    gates = GateLayer([prev_out] + _check_inputs(input_or_inputs), [num_units] * 4,
                      gate_nonlinearities=None, bias_init=bias_init, weight_init=weight_init,
                      channel_names=["to_ingate", "to_forgetgate", "to_cell", "to_outgate"],
                      name=prefix)
    in_pre, forget_pre, cell_pre, out_pre = _maybe_clipped(list(gates.values()), grad_clipping)
    if peepholes:
        in_init, forget_init, out_init = _peephole_inits(peepholes_W_init)
        in_pre = add(in_pre, _peephole(prev_cell, in_init, "ingate", prefix))
        forget_pre = add(forget_pre, _peephole(prev_cell, forget_init, "forgetgate", prefix))
    in_gate = NonlinearityLayer(in_pre, inputgate_nonlinearity, name=prefix + ".inputgate")
    forget_gate = NonlinearityLayer(forget_pre, forgetgate_nonlinearity,
                                    name=prefix + ".forgetgate")
    candidate = NonlinearityLayer(cell_pre, cell_nonlinearity, name=prefix + ".cell_nonlinearity")
    if dropout:
        candidate = DropoutLayer(candidate, p=dropout)
    new_cell = add(mul(candidate, in_gate), mul(prev_cell, forget_gate))
    if peepholes:
        out_pre = add(out_pre, _peephole(new_cell, out_init, "outgate", prefix))
    out_gate = NonlinearityLayer(out_pre, outputgate_nonlinearity, name=prefix + ".outgate")
    squashed = NonlinearityLayer(new_cell, output_nonlinearity,
                                 name=prefix + ".outgate_nonlinearity")
    return new_cell, mul(out_gate, squashed, name=prefix + ".outgate")
