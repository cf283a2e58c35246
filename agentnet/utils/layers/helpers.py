"""Small layer helpers: elementwise merges, gradient clipping, dtype lookup."""
import theano
import theano.tensor as T
from lasagne.layers import ElemwiseMergeLayer, NonlinearityLayer, get_all_layers

from .._validation import require_layer, require_real

__all__ = ["mul", "add", "clip_grads", "get_layer_dtype", "get_automatic_updates"]


def _check_layers(layers):
    if not layers:
        raise ValueError("`layers` must hold at least one layer, got none")
    for i, layer in enumerate(layers):
        require_layer(layer, "layers[%i]" % i)


def _merge_name(layers):
    return "sum(%s)" % ",".join(layer.name or "layer%i" % i for i, layer in enumerate(layers))


def mul(*layers, **kwargs):
    """Elementwise product of layers (default name ``"sum(<names>)"``, as the original)."""
    _check_layers(layers)
    kwargs.setdefault("name", _merge_name(layers))
    return ElemwiseMergeLayer(layers, T.mul, **kwargs)


def add(*layers, **kwargs):
    """Elementwise sum of layers (default name ``"sum(<names>)"``)."""
    _check_layers(layers)
    kwargs.setdefault("name", _merge_name(layers))
    return ElemwiseMergeLayer(layers, T.add, **kwargs)


def clip_grads(layer, clipping_bound):
    """Identity layer whose backward pass clips gradients to ``[-|b|, |b|]``.

    Raises
    ------
    TypeError, ValueError
        If ``layer`` is not a layer or ``clipping_bound`` not a finite number.
    """
    require_layer(layer, "layer")
    bound = abs(require_real(clipping_bound, "clipping_bound"))
    return NonlinearityLayer(layer, lambda x: theano.gradient.grad_clip(x, -bound, bound),
                             name=(layer.name or "clipping_layer") + ".grad_clip")


def get_layer_dtype(layer, default=None):
    """``layer.output_dtype`` if the layer declares one, else ``default`` or floatX."""
    return getattr(layer, "output_dtype", None) or default or theano.config.floatX


def get_automatic_updates(layer_or_layers, treat_as_input=None, **kwargs):
    """Collect ``get_automatic_updates()`` of every layer below ``layer_or_layers``.

    Returns
    -------
    theano.OrderedUpdates
        Random-state updates of ``theano.scan`` loops (e.g. a Recurrence with
        ``unroll_scan=False`` containing a stochastic resolver), to be passed
        to ``theano.function(..., updates=...)``.
    """
    updates = theano.OrderedUpdates()
    for layer in get_all_layers(layer_or_layers, treat_as_input):
        if hasattr(layer, "get_automatic_updates"):
            updates += layer.get_automatic_updates(**kwargs)
    return updates
