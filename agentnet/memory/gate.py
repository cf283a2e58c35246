"""``GateLayer``: several affine gates computed from the same controllers in one product."""
from collections import OrderedDict

import theano
import theano.tensor as T
from lasagne import init, nonlinearities
from lasagne.layers import Layer, flatten

from ..utils.format import check_list
from ..utils.layers.dict import DictLayer
from ..utils.layers.helpers import get_layer_dtype
from ..utils.logging import warn
from ..utils._validation import require_callable, require_int, require_layer

__all__ = ["GateLayer"]


def _per_channel(values, n_channels, argument):
    """A single value for every channel, or a list of length 1 or ``n_channels``."""
    values = values if isinstance(values, (list, tuple)) else [values]
    if len(values) not in (1, n_channels):
        raise ValueError("`%s` must be one value or a list of 1 or %i (one per channel), got %i"
                         % (argument, n_channels, len(values)))
    return list(values) * n_channels if len(values) == 1 else list(values)


def _as_2d(layer, role):
    if len(layer.output_shape) > 2:
        warn("GateLayer: %s %r has shape %s and is flattened to 2 dimensions."
             % (role, layer.name, layer.output_shape), verbosity_level=2)
        return flatten(layer, outdim=2, name=layer.name or "")
    return layer


def _checked_controllers(gate_controllers):
    controllers = check_list(gate_controllers)
    for i, controller in enumerate(controllers):
        require_layer(controller, "gate_controllers[%i]" % i)
    return [_as_2d(c, "controller") for c in controllers]


def _checked_channels(channels):
    """Each channel is a layer or a number of units (an int >= 1)."""
    channels = check_list(channels)
    for i, channel in enumerate(channels):
        if not isinstance(channel, Layer):
            require_int(channel, "channels[%i]" % i, meaning=" (units) or a layer")
    return channels


def _checked_nonlinearities(gate_nonlinearities, n_channels):
    """One callable per channel; None is the identity."""
    functions = _per_channel(gate_nonlinearities, n_channels, "gate_nonlinearities")
    return [require_callable(f, "gate_nonlinearities[%i]" % j) if f is not None
            else nonlinearities.identity for j, f in enumerate(functions)]


def _units(channel):
    return channel.output_shape[1] if isinstance(channel, Layer) else channel


class GateLayer(DictLayer):
    r"""Affine gates :math:`g_j = f_j(b_j + \sum_i c_i W_{ij})` sharing their controllers.

    A channel given as an int :math:`n` is a gate of :math:`n` units returned
    as is; a channel given as a layer :math:`L` is a gate of
    ``L.output_shape[1]`` units multiplied elementwise by :math:`L`'s output:
    :math:`g_j \odot L`. All gates are computed in one stacked matrix product
    per controller.

    Parameters
    ----------
    gate_controllers : layer or list of layers [batch, units_i]
        :math:`c_i`; wider inputs are flattened.
    channels : int, layer or list of them
    gate_nonlinearities : callable, None or list of them
        :math:`f_j`, one for all or one per channel; None = identity.
    bias_init : initializer, None or list of them
        One for all or one per channel; None = no bias parameter.
    weight_init : initializer or list
        One for all, or one entry per channel, each one initializer or a list
        with one per controller.
    channel_names : list of str or None
        Missing names become the channel layer's name or ``"gate<j>"``.
    **kwargs
        Lasagne layer keywords (``name``).

    Raises
    ------
    TypeError
        If a controller is not a layer, a channel neither a layer nor an int,
        or a nonlinearity neither callable nor None.
    ValueError
        If an int channel is below 1 or a per-channel list has the wrong length.

    Notes
    -----
    Outputs are keyed ``name + channel_name``. Parameters, per channel:
    ``b_<channel>`` then ``W_<controller name or ctrl<i>>_<channel>``.
    """

    def __init__(self, gate_controllers, channels, gate_nonlinearities=nonlinearities.sigmoid,
                 bias_init=init.Constant(), weight_init=init.Normal(), channel_names=None,
                 **kwargs):
        self.gate_controllers = _checked_controllers(gate_controllers)
        self.channels = _checked_channels(channels)
        n_channels = len(self.channels)
        self.gate_nonlinearities = _checked_nonlinearities(gate_nonlinearities, n_channels)
        self.channel_names = self._names(channel_names)
        self.channel_layers = [_as_2d(c, "channel") for c in self.channels if isinstance(c, Layer)]
        name = kwargs.get("name") or ""
        shapes, dtypes = self._outputs(name)
        super(GateLayer, self).__init__(self.channel_layers + self.gate_controllers, shapes,
                                        dtypes, **kwargs)
        self._add_params(_per_channel(bias_init, n_channels, "bias_init"),
                         _per_channel(weight_init, n_channels, "weight_init"))

    def _names(self, channel_names):
        if channel_names is None:
            channel_names = [None] * len(self.channels)
        if len(channel_names) != len(self.channels):
            raise ValueError("`channel_names` must have one name per channel (%i), got %i"
                             % (len(self.channels), len(channel_names)))
        return [given or (channel.name if isinstance(channel, Layer) and channel.name
                          else "gate%i" % j)
                for j, (given, channel) in enumerate(zip(channel_names, self.channels))]

    def _outputs(self, name):
        batch_sizes = [c.output_shape[0] for c in self.channels
                       if isinstance(c, Layer) and c.output_shape[0] is not None]
        batch = batch_sizes[0] if batch_sizes else None
        shapes, dtypes = OrderedDict(), OrderedDict()
        for channel, channel_name in zip(self.channels, self.channel_names):
            key = name + channel_name
            shapes[key] = channel.output_shape if isinstance(channel, Layer) else (batch, channel)
            dtypes[key] = get_layer_dtype(channel) if isinstance(channel, Layer) \
                else theano.config.floatX
        return shapes, dtypes

    def _add_params(self, bias_inits, weight_inits):
        self.biases, self.weights = [], []
        controller_names = [c.name or "ctrl%i" % i for i, c in enumerate(self.gate_controllers)]
        for channel, channel_name, bias, weights in zip(self.channels, self.channel_names,
                                                        bias_inits, weight_inits):
            units = _units(channel)
            self.biases.append(None if bias is None else
                               self.add_param(bias, (units,), name="b_" + channel_name,
                                              regularizable=False))
            per_controller = _per_channel(weights, len(self.gate_controllers), "weight_init")
            self.weights.append([
                self.add_param(w, (c.output_shape[1], units),
                               name="W_%s_%s" % (c_name, channel_name))
                for c, c_name, w in zip(self.gate_controllers, controller_names, per_controller)])

    def get_output_for(self, inputs, **kwargs):
        n_layer_channels = len(self.channel_layers)
        if len(inputs) != n_layer_channels + len(self.gate_controllers):
            raise ValueError("GateLayer expected %i inputs, got %i"
                             % (n_layer_channels + len(self.gate_controllers), len(inputs)))
        channel_values = iter(inputs[:n_layer_channels])
        preactivations = self._split(self._stacked_preactivation(inputs[n_layer_channels:]))
        outputs = OrderedDict()
        for key, channel, f, pre in zip(self.output_keys, self.channels,
                                        self.gate_nonlinearities, preactivations):
            gate = f(pre)
            outputs[key] = gate * next(channel_values) if isinstance(channel, Layer) else gate
        return outputs

    def _stacked_preactivation(self, controllers):
        """:math:`b + \\sum_i c_i W_i` for all channels at once, ``[batch, sum of units]``."""
        bias = T.concatenate([b if b is not None else T.zeros((_units(c),))
                              for b, c in zip(self.biases, self.channels)])
        total = bias[None, :]
        for i, controller in enumerate(controllers):
            stacked_weight = T.concatenate([weights[i] for weights in self.weights], axis=1)
            total = total + T.dot(controller, stacked_weight)
        return total

    def _split(self, stacked):
        blocks, start = [], 0
        for channel in self.channels:
            blocks.append(stacked[:, start:start + _units(channel)])
            start += _units(channel)
        return blocks
