"""``GRUMemoryLayer``: a GRU step as a single layer, configured like Lasagne's ``GRULayer``."""
import theano
import theano.tensor as T
from lasagne import nonlinearities
from lasagne.layers import Gate, MergeLayer, flatten

from ..utils._validation import (require_callable, require_int, require_layer, require_real,
                                 shape_str)

__all__ = ["GRUMemoryLayer"]

_GATES = ("updategate", "resetgate", "hidden_update")


def _check_arguments(num_units, observation_input, prev_state_input, gates, grad_clipping):
    require_int(num_units, "num_units")
    require_layer(observation_input, "observation_input")
    require_layer(prev_state_input, "prev_state_input")
    for name, gate in gates.items():
        # duck-typed, as Lasagne's own recurrent layers read only these attributes
        if not all(hasattr(gate, a) for a in ("W_in", "W_hid", "b", "nonlinearity")):
            raise TypeError("`%s` must be a lasagne.layers.Gate (W_in, W_hid, b, nonlinearity), "
                            "got %s" % (name, type(gate).__name__))
        if gate.nonlinearity is not None:
            require_callable(gate.nonlinearity, name + ".nonlinearity")
    if grad_clipping is not False:
        require_real(grad_clipping, "grad_clipping", low=0)


def _clip(x, bound):
    return theano.gradient.grad_clip(x, -bound, bound) if bound else x


class GRUMemoryLayer(MergeLayer):
    r"""One GRU tick, with the maths of :func:`~agentnet.memory.GRUCell`.

    .. math::
        u &= \sigma(x W_{xu} + h W_{hu} + b_u), \quad
        r = \sigma(x W_{xr} + h W_{hr} + b_r) \\
        c &= \tanh(x W_{xc} + b_c + r \odot (h W_{hc})), \quad
        h' = (1 - u) \odot h + u \odot c

    Parameters
    ----------
    num_units : int
    observation_input : layer [batch, ...]
        Flattened to 2-D when wider.
    prev_state_input : layer [batch, num_units]
    resetgate, updategate, hidden_update : lasagne.layers.Gate
        Initializers (``W_in``, ``W_hid``, ``b``) and nonlinearities.
    grad_clipping : float >= 0 or False
        Clip gradients of the input and hidden contributions and of the
        candidate pre-activation (default 5, unlike the cells); 0 or False
        (Lasagne's own default) = off.

    Raises
    ------
    TypeError
        If an input is not a layer, a gate not a ``Gate`` or a number of the
        wrong type.
    ValueError
        If ``num_units`` < 1, ``grad_clipping`` < 0, or ``prev_state_input``
        is not ``[batch, num_units]``.
    """

    def __init__(self, num_units, observation_input, prev_state_input,
                 resetgate=Gate(W_cell=None), updategate=Gate(W_cell=None),
                 hidden_update=Gate(W_cell=None, nonlinearity=nonlinearities.tanh),
                 grad_clipping=5., **kwargs):
        gates = {"resetgate": resetgate, "updategate": updategate, "hidden_update": hidden_update}
        _check_arguments(num_units, observation_input, prev_state_input, gates, grad_clipping)
        shape = prev_state_input.output_shape
        if len(shape) != 2 or shape[1] != num_units:
            raise ValueError("`prev_state_input` must have shape [batch, %i], got %s"
                             % (num_units, shape_str(shape)))
        if len(observation_input.output_shape) != 2:
            observation_input = flatten(observation_input, outdim=2)
        kwargs.setdefault("name", "YetAnotherGRUMemoryLayer")
        super(GRUMemoryLayer, self).__init__([prev_state_input, observation_input], **kwargs)
        self.num_units, self.grad_clipping = num_units, grad_clipping
        n_inputs = observation_input.output_shape[1]
        self.gate_params = {name: self._add_gate(gates[name], name, n_inputs) for name in _GATES}
        self.nonlinearities = {name: gates[name].nonlinearity or nonlinearities.identity
                               for name in _GATES}

    def _add_gate(self, gate, name, n_inputs):
        return (self.add_param(gate.W_in, (n_inputs, self.num_units), name="W_in_to_" + name),
                self.add_param(gate.W_hid, (self.num_units, self.num_units),
                               name="W_hid_to_" + name),
                self.add_param(gate.b, (self.num_units,), name="b_" + name, regularizable=False))

    def get_output_shape_for(self, input_shapes):
        return input_shapes[0]

    def get_output_for(self, inputs, **kwargs):
        prev_state, observation = inputs
        contributions = {}
        for name in _GATES:
            w_in, w_hid, b = self.gate_params[name]
            contributions[name] = (_clip(T.dot(observation, w_in) + b, self.grad_clipping),
                                   _clip(T.dot(prev_state, w_hid), self.grad_clipping))
        f = self.nonlinearities
        update = f["updategate"](sum(contributions["updategate"]))
        reset = f["resetgate"](sum(contributions["resetgate"]))
        input_part, hidden_part = contributions["hidden_update"]
        candidate = f["hidden_update"](_clip(input_part + reset * hidden_part, self.grad_clipping))
        return (1 - update) * prev_state + update * candidate
