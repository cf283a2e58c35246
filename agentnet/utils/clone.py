"""Structural copies of Lasagne networks."""
import copy

import theano
from lasagne.layers import InputLayer, Layer, get_all_layers, get_all_params

from .format import check_list
from .layers.reapply import reapply as _reapply
from .logging import deprecated, warn

__all__ = ["clone_network", "reapply"]


def _layers_in(network):
    return list(network.values()) if isinstance(network, dict) else check_list(network)


def _shared_memo(bottom_layers):
    """deepcopy memo {id(original): object to use instead} for the layers kept as they are."""
    if bottom_layers is None:
        return {}
    if isinstance(bottom_layers, dict):
        return {id(old): new for old, new in bottom_layers.items()}
    return {id(layer): layer for layer in check_list(bottom_layers)}


def _share(memo, objects, what):
    for obj in objects:
        if id(obj) in memo and memo[id(obj)] is not obj:
            warn("clone_network: %s %r was shared or replaced manually; keeping that choice."
                 % (what, getattr(obj, "name", obj)))
            continue
        memo[id(obj)] = obj


def clone_network(original_network, bottom_layers=None, share_params=False, share_inputs=True,
                  name_prefix=None):
    """Copy a network's structure, sharing what ``bottom_layers`` and the flags say.

    Parameters
    ----------
    original_network : layer, list/tuple of layers or dict of layers
        The result has the same container type.
    bottom_layers : None, layer, list of layers or dict {layer: replacement}
        Layers kept as they are (nothing below them is copied), or replaced
        by other layers.
    share_params : bool
        Share parameters with the original instead of copying their values
        (warns: prefer :func:`agentnet.utils.layers.reapply`).
    share_inputs : bool
        Keep the original's InputLayers.
    name_prefix : str or None
        Prefix for the names of copied layers and parameters.

    Returns
    -------
    The copy; copied parameters start equal to the original's and then evolve
    independently.
    """
    memo = _shared_memo(bottom_layers)
    original_layers = get_all_layers(_layers_in(original_network))
    if share_params:
        warn("clone_network(share_params=True) may be unreliable; use "
             "agentnet.utils.layers.reapply to apply the same weights to other inputs.")
        _share(memo, get_all_params(_layers_in(original_network)), "parameter")
    if share_inputs:
        _share(memo, [l for l in original_layers if isinstance(l, InputLayer)], "input layer")
    clone = copy.deepcopy(original_network, memo)
    if name_prefix is not None:
        _rename_copies(clone, original_layers, name_prefix)
    return clone


def _rename_copies(clone, original_layers, prefix):
    originals = set(map(id, original_layers))
    original_params = set(map(id, get_all_params(original_layers)))
    for layer in get_all_layers(_layers_in(clone)):
        if id(layer) in originals:
            continue
        layer.name = prefix + (layer.name or "")
        for param in layer.params:
            if id(param) not in original_params:
                param.name = prefix + (param.name or "")


@deprecated("agentnet.utils.layers.reapply", removed_after="1.0")
def reapply(*args, **kwargs):
    """Moved to :func:`agentnet.utils.layers.reapply`."""
    return _reapply(*args, **kwargs)
