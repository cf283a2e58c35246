r"""Target networks: a delayed or slowly averaged copy of some layers (Mnih et al. 2015).

Hard update: :math:`\theta^- \leftarrow \theta`. Soft update (Lillicrap et al.
2016): :math:`\theta^- \leftarrow (1 - \tau)\,\theta^- + \tau\,\theta`.
"""
from collections import OrderedDict

import theano
import theano.tensor as T

from ..utils.clone import clone_network
from ..utils.format import check_list
from ..utils._validation import require_bool, require_layer, require_probability

__all__ = ["TargetNetwork", "clone_network", "pair_parameters", "hard_updates", "soft_updates"]


def _describe(layer):
    return "%s %r" % (type(layer).__name__, layer.name)


def _pair_layer_params(target_layer, source_layer):
    # get_params, not .params: a ReapplyLayer or a Recurrence holds the weights of the graph
    # it evaluates inside
    target_params, source_params = target_layer.get_params(), source_layer.get_params()
    if len(target_params) != len(source_params):
        raise ValueError("target layer %s has %i parameters but source layer %s has %i"
                         % (_describe(target_layer), len(target_params), _describe(source_layer),
                            len(source_params)))
    pairs = []
    for target, source in zip(target_params, source_params):
        target_shape, source_shape = target.get_value().shape, source.get_value().shape
        if target_shape != source_shape:
            raise ValueError("parameter %s of %s has shape %s but %s of %s has shape %s"
                             % (target.name, _describe(target_layer), target_shape,
                                source.name, _describe(source_layer), source_shape))
        if target is not source:
            pairs.append((target, source))
    return pairs


def _incoming(layer):
    if hasattr(layer, "input_layers"):
        return list(layer.input_layers)
    return [layer.input_layer] if getattr(layer, "input_layer", None) is not None else []


def pair_parameters(target_layers, source_layers, stop_at=()):
    """Pair the parameters of a copied network with the original's, layer by layer.

    Both graphs are walked together from their outputs down: each copied
    layer is paired with the original layer in the same position, which must
    have the same type and the same number and shapes of parameters. The walk
    stops at layers the two graphs share and at ``stop_at`` (replacement
    layers of the copy).

    Returns
    -------
    OrderedDict {target parameter: source parameter}

    Raises
    ------
    ValueError
        Naming the first pair of layers or parameters that do not match.
    """
    targets, sources = check_list(target_layers), check_list(source_layers)
    if len(targets) != len(sources):
        raise ValueError("target network has %i outputs but source network has %i"
                         % (len(targets), len(sources)))
    pairs, visited = OrderedDict(), set()
    stack = list(zip(targets, sources))
    while stack:
        target, source = stack.pop(0)
        if target is source or target in stop_at or id(target) in visited:
            continue
        visited.add(id(target))
        if type(target) is not type(source) or len(_incoming(target)) != len(_incoming(source)):
            raise ValueError("target layer %s does not match source layer %s"
                             % (_describe(target), _describe(source)))
        pairs.update(_pair_layer_params(target, source))
        stack.extend(zip(_incoming(target), _incoming(source)))
    return pairs


def hard_updates(param_pairs):
    r"""Update dict :math:`\theta^- \leftarrow \theta` for ``{target: source}`` pairs."""
    return OrderedDict((target, source) for target, source in param_pairs.items())


def soft_updates(param_pairs, tau):
    r"""Update dict :math:`\theta^- \leftarrow (1 - \tau)\theta^- + \tau\theta`.

    Parameters
    ----------
    param_pairs : OrderedDict {target parameter: source parameter}
    tau : float in [0, 1] or Theano scalar

    Raises
    ------
    TypeError, ValueError
        If a numeric ``tau`` is not a finite number in [0, 1].
    """
    if not isinstance(tau, theano.Variable):
        tau = require_probability(tau, "tau")
    return OrderedDict((target, T.cast((1 - tau) * target + tau * source, target.dtype))
                       for target, source in param_pairs.items())


class TargetNetwork(object):
    """A copy of ``original_network_outputs`` whose weights follow the original on demand.

    Parameters
    ----------
    original_network_outputs : layer, list of layers or dict of layers
    bottom_layers : layer, list of layers or dict {layer: replacement}
        Layers shared with the original (not copied), as in
        :func:`~agentnet.utils.clone.clone_network`.
    share_inputs : bool
        Read from the same InputLayers as the original.
    name : str or None
        Prefix of the copied layers' and parameters' names (None: names kept).

    Raises
    ------
    TypeError
        If an output is not a layer, ``share_inputs`` not a bool or ``name``
        not a string.
    ValueError
        If the copy shares every parameter with the original.

    Attributes
    ----------
    output_layers
        The copy, in the container type of ``original_network_outputs``.
    param_dict : OrderedDict {copy parameter: original parameter}

    Examples
    --------
    >>> target = TargetNetwork(qvalues_layer)      # doctest: +SKIP
    >>> target.load_weights()       # hard copy    # doctest: +SKIP
    >>> target.load_weights(0.01)   # soft update  # doctest: +SKIP
    """

    def __init__(self, original_network_outputs, bottom_layers=(), share_inputs=True,
                 name="target_net."):
        _check_layers(original_network_outputs, "original_network_outputs")
        share_inputs = require_bool(share_inputs, "share_inputs")
        if name is not None and not isinstance(name, str):
            raise TypeError("`name` must be a str (the prefix of copied names) or None, got %r"
                            % (name,))
        self.original_network_outputs = original_network_outputs
        self.bottom_layers = bottom_layers
        self.name = name
        self.output_layers = clone_network(original_network_outputs, bottom_layers,
                                           share_inputs=share_inputs, name_prefix=name)
        replacements = list(bottom_layers.values()) if isinstance(bottom_layers, dict) else []
        self.param_dict = pair_parameters(_layers_of(self.output_layers),
                                          _layers_of(original_network_outputs), replacements)
        if not self.param_dict:
            raise ValueError("the target network shares every parameter with the original; "
                             "use clone_network for a plain copy")
        self.alpha = T.scalar("target_network.alpha", dtype=theano.config.floatX)
        self.param_updates_with_alpha = soft_updates(self.param_dict, self.alpha)
        self._hard_function = None
        self._soft_function = None

    @property
    def load_weights_hard(self):
        """Compiled function copying the original's weights (compiled on first use)."""
        if self._hard_function is None:
            self._hard_function = theano.function([], [], updates=hard_updates(self.param_dict))
        return self._hard_function

    @property
    def load_weights_moving_average(self):
        """Compiled ``f(alpha)`` applying the soft update (compiled on first use)."""
        if self._soft_function is None:
            self._soft_function = theano.function([self.alpha], [],
                                                  updates=self.param_updates_with_alpha,
                                                  allow_input_downcast=True)
        return self._soft_function

    def load_weights(self, moving_average_alpha=1):
        r"""Move the copy towards the original: hard copy for 1, else a soft update.

        Parameters
        ----------
        moving_average_alpha : float in [0, 1]
            :math:`\tau` of :math:`\theta^- \leftarrow (1-\tau)\theta^- + \tau\theta`.

        Raises
        ------
        TypeError, ValueError
            If ``moving_average_alpha`` is not a finite number in [0, 1].
        """
        moving_average_alpha = require_probability(moving_average_alpha, "moving_average_alpha")
        if moving_average_alpha == 1:
            self.load_weights_hard()
        else:
            self.load_weights_moving_average(moving_average_alpha)


def _check_layers(network, argument):
    """Every layer of a layer, list/tuple of layers or dict of layers is a lasagne layer."""
    if not isinstance(network, (list, tuple, dict)):
        return require_layer(network, argument)
    items = network.items() if isinstance(network, dict) else enumerate(network)
    for key, layer in items:
        require_layer(layer, "%s[%r]" % (argument, key))
    return network


def _layers_of(network):
    """The layers of a layer, list/tuple of layers, or dict of layers."""
    if isinstance(network, dict):
        return list(network.values())
    return check_list(network)
