"""Structural copies of Lasagne networks.

:func:`clone_network` copies a network with :func:`copy.deepcopy`. What is
*not* copied is steered through the deepcopy ``memo`` (``id(original) ->
object to use instead``): every object put there is used as is, and nothing
reachable only through it is copied.
"""
import copy

from lasagne.layers import InputLayer, Layer, get_all_layers, get_all_params

from .format import check_list
from .layers.reapply import reapply as _reapply
from .logging import deprecated, warn

__all__ = ["clone_network", "reapply"]


def _layers_in(network):
    """The layers of a layer, a list/tuple of layers or a dict of layers."""
    if isinstance(network, Layer):
        return [network]
    layers = list(network.values()) if isinstance(network, dict) else network
    if not isinstance(layers, (list, tuple)) \
            or not all(isinstance(layer, Layer) for layer in layers):
        raise TypeError("`original_network` must be a layer, a list/tuple of layers or a dict "
                        "whose values are layers, got %s" % type(network).__name__)
    return list(layers)


def _seeded_memo(bottom_layers):
    """deepcopy memo {id(original): object to use instead} for the objects kept or replaced."""
    if bottom_layers is None:
        return {}
    if isinstance(bottom_layers, dict):
        return {id(old): new for old, new in bottom_layers.items()}
    return {id(kept): kept for kept in check_list(bottom_layers)}


def _share(memo, objects, what):
    """Put ``objects`` in the memo as themselves, unless the user already chose for them."""
    for obj in objects:
        if id(obj) in memo:
            warn("clone_network: %s %r was shared or replaced manually (bottom_layers); keeping "
                 "that choice." % (what, getattr(obj, "name", None) or obj))
            continue
        memo[id(obj)] = obj


def clone_network(original_network, bottom_layers=None, share_params=False, share_inputs=True,
                  name_prefix=None):
    """Copy a network's structure, sharing what ``bottom_layers`` and the flags say.

    Everything reachable from the copied layers is deep-copied: parameters
    (new shared variables holding copies of the current values, so the copy
    starts equal to the original and then evolves independently), helper
    shared variables such as a resolver's epsilon, random streams.

    Parameters
    ----------
    original_network : layer, list/tuple of layers or dict {key: layer}
        The result has the same container type.
    bottom_layers : None, layer, list/tuple or dict {existing: replacement}
        A layer or list: objects kept as they are (usually layers; nothing
        below them is copied). A dict: wherever the original reaches
        ``existing``, the copy uses ``replacement`` (not copied).
    share_params : bool
        Share every parameter with the original instead of copying it (warns:
        :func:`agentnet.utils.layers.reapply` is the reliable tool to apply
        the same weights to other inputs).
    share_inputs : bool
        Keep the original's ``InputLayer`` objects (default), so the copy
        reads the same inputs.
    name_prefix : str or None
        If given, every copied layer and parameter is renamed
        ``name_prefix + (old name or "")``; kept and replacement objects keep
        their names.

    Returns
    -------
    layer, list/tuple or dict
        The copy of ``original_network``.

    Raises
    ------
    TypeError
        If ``original_network`` is not a layer or a container of layers, or
        ``name_prefix`` is not a string.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer
    >>> inp = InputLayer((None, 3))
    >>> head = DenseLayer(DenseLayer(inp, 4, name="hidden"), 2, name="q")
    >>> copied = clone_network(head, name_prefix="old.")
    >>> copied.name, copied.W.name, copied.input_layer.input_layer is inp
    ('old.q', 'old.q.W', True)
    """
    original_layers = get_all_layers(_layers_in(original_network))
    if name_prefix is not None and not isinstance(name_prefix, str):
        raise TypeError("`name_prefix` must be a str or None, got %s" % type(name_prefix).__name__)
    memo = _seeded_memo(bottom_layers)
    if share_params:
        warn("clone_network(share_params=True) may be unreliable; use "
             "agentnet.utils.layers.reapply to apply the same weights to other inputs.")
        _share(memo, get_all_params(original_layers), "parameter")
    if share_inputs:
        inputs = [layer for layer in original_layers if isinstance(layer, InputLayer)]
        _share(memo, inputs, "input layer")
    seeded = set(memo)
    clone = copy.deepcopy(original_network, memo)
    if name_prefix is not None:
        copies = {id(new) for key, new in memo.items() if key not in seeded and key != id(memo)}
        _rename_copies(_layers_in(clone), copies, name_prefix)
    return clone


def _rename_copies(clone_layers, copies, prefix):
    """Prefix the names of the layers and parameters that deepcopy created."""
    for layer in get_all_layers(clone_layers):
        if id(layer) in copies:
            layer.name = prefix + (layer.name or "")
    for param in get_all_params(clone_layers):
        if id(param) in copies:
            param.name = prefix + (param.name or "")


@deprecated("agentnet.utils.layers.reapply", removed_after="1.0")
def reapply(*args, **kwargs):
    """Moved to :func:`agentnet.utils.layers.reapply` (deprecated alias)."""
    return _reapply(*args, **kwargs)
