"""Named errors for what Lasagne layers are built on: a layer or a shape, nothing else.

Lasagne reads ``incoming.output_shape`` straight away, so a numpy array or a
Theano tensor passed where a layer belongs fails with ``AttributeError:
'numpy.ndarray' object has no attribute 'output_shape'``. :func:`install`
wraps ``Layer.__init__`` and ``MergeLayer.__init__`` so that the same call
raises a ``TypeError`` naming the argument (``incoming`` or
``incomings[i]``), what it must be and what was given. Valid arguments reach
Lasagne's constructors unchanged.
"""
import functools

__all__ = ["check_incoming", "install"]

_MARK = "_agentnet_checks_incoming"


def _is_layer_or_shape(value, layer_class):
    return isinstance(value, (layer_class, tuple, list))


def check_incoming(value, argument, layer_class):
    """Raise ``TypeError`` unless ``value`` is a ``layer_class`` instance or a shape tuple."""
    if not _is_layer_or_shape(value, layer_class):
        raise TypeError("`%s` must be a lasagne layer or a shape tuple, got %s"
                        % (argument, type(value).__name__))


def _checked_init(init, check):
    @functools.wraps(init)
    def wrapper(self, incoming, *args, **kwargs):
        check(incoming)
        return init(self, incoming, *args, **kwargs)
    setattr(wrapper, _MARK, True)
    return wrapper


def install(layers_module):
    """Wrap ``layers_module.Layer`` / ``MergeLayer`` constructors once (idempotent).

    A module without those classes (a stand-in in tests) is left alone.
    """
    layer = getattr(layers_module, "Layer", None)
    merge_layer = getattr(layers_module, "MergeLayer", None)
    if layer is None or merge_layer is None:
        return
    if not getattr(layer.__init__, _MARK, False):
        layer.__init__ = _checked_init(
            layer.__init__, lambda incoming: check_incoming(incoming, "incoming", layer))
    if not getattr(merge_layer.__init__, _MARK, False):
        merge_layer.__init__ = _checked_init(
            merge_layer.__init__, lambda incomings: _check_incomings(incomings, layer))


def _check_incomings(incomings, layer_class):
    if not isinstance(incomings, (list, tuple)):
        raise TypeError("`incomings` must be a list of lasagne layers or shape tuples, got %s"
                        % type(incomings).__name__)
    for index, value in enumerate(incomings):
        check_incoming(value, "incomings[%i]" % index, layer_class)
