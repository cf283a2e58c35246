"""Turning user-given initial values and recorded sequences into layers for an agent."""
from collections import OrderedDict

import theano
from lasagne.layers import InputLayer, Layer

from ..utils.format import check_list
from ..utils._validation import shape_str
from ._recurrence_checks import layer_label

__all__ = ["check_layer", "check_init_pairs"]


def check_layer(inner_graph_layer, value, sequence_length=-1, prefix="agent.linker_layer.",
                argument="value"):
    """Return ``value`` as a layer that can stand in for ``inner_graph_layer``.

    Parameters
    ----------
    inner_graph_layer : Layer
        The one-tick layer (``[batch, shape...]``) the value belongs to.
    value : Layer or Theano tensor
        A layer must have the same non-batch shape (with a time axis after
        the batch when ``sequence_length != -1``); a tensor must have the
        right ndim and is wrapped in an ``InputLayer``.
    sequence_length : int
        -1 for a single tick, else the number of ticks of a sequence.
    prefix : str
        Name prefix of the created ``InputLayer``.
    argument : str
        The user's argument the value comes from, for error messages.

    Raises
    ------
    TypeError
        When ``value`` is neither a layer nor a Theano tensor (e.g. a numpy
        array: wrap it in ``theano.shared`` or feed it through an InputLayer).
    ValueError
        For a wrong shape or ndim.
    """
    unit_shape = tuple(inner_graph_layer.output_shape[1:])
    time_axis = () if sequence_length == -1 else (sequence_length,)
    expected_shape = (None,) + time_axis + unit_shape
    if isinstance(value, Layer):
        given = tuple(value.output_shape[1 + len(time_axis):])
        if given != unit_shape:
            raise ValueError("`%s`: the value for %s must have shape %s, got %s"
                             % (argument, layer_label(inner_graph_layer),
                                shape_str(expected_shape), shape_str(value.output_shape)))
        return value
    if not isinstance(value, theano.Variable):
        raise TypeError("`%s`: the value for %s must be a lasagne layer or a Theano tensor %s, "
                        "got %s" % (argument, layer_label(inner_graph_layer),
                                    shape_str(expected_shape), type(value).__name__))
    if value.ndim != len(expected_shape):
        raise ValueError("`%s`: the value for %s must be a layer or a tensor of ndim %i %s, got "
                         "ndim %i" % (argument, layer_label(inner_graph_layer),
                                      len(expected_shape), shape_str(expected_shape), value.ndim))
    return InputLayer(expected_shape, input_var=value,
                      name=prefix + (inner_graph_layer.name or ""))


def check_init_pairs(layers, initial_values, argument="initial values"):
    """Normalise ``'zeros'``, a dict or an aligned list into ``OrderedDict {layer: value}``.

    ``None`` entries of a list are skipped (those layers start at zeros). A
    single layer or tensor is a list of one (``check_list``, as the original).
    """
    layers = list(layers)
    if isinstance(initial_values, str):
        if initial_values != "zeros":
            raise ValueError("`%s` must be 'zeros', a dict or a list, got %r"
                             % (argument, initial_values))
        return OrderedDict()
    if isinstance(initial_values, dict):
        for key in initial_values:
            if key not in layers:
                raise ValueError("`%s` key %s is not one of the layers it initialises"
                                 % (argument, layer_label(key)))
        return OrderedDict((k, v) for k, v in initial_values.items() if v is not None)
    initial_values = check_list(initial_values)
    if len(initial_values) != len(layers):
        raise ValueError("`%s` must have %i entries, got %i"
                         % (argument, len(layers), len(initial_values)))
    return OrderedDict((k, v) for k, v in zip(layers, initial_values) if v is not None)
