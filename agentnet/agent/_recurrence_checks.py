"""Normalisation and validation of :class:`Recurrence` arguments.

Everything here runs in the constructor, before any Theano graph is built, so
that a wrongly wired one-tick graph fails with a message naming the argument.
"""
from collections import OrderedDict

import theano
from lasagne.layers import InputLayer, Layer, get_all_layers

from ..utils.format import check_list
from ..utils.logging import warn
from ..utils._validation import require_bool, require_int_or_symbolic, shape_str

__all__ = ["as_layer_dict", "normalize_state_init", "check_state_pairs", "check_sequence_ndims",
           "check_sequences", "check_graph", "infer_n_steps", "infer_batch_size", "layer_label",
           "check_sizes", "check_flags", "check_delayed_states"]


def layer_label(layer):
    """Short description of a layer for error messages."""
    name = getattr(layer, "name", None)
    return "%s%s" % (type(layer).__name__, " %r" % name if name else "")


def as_layer_dict(mapping, argument, allow_none=True):
    """Check that ``mapping`` is a dict of layer keys and return an OrderedDict."""
    if mapping is None and allow_none:
        return OrderedDict()
    if not isinstance(mapping, dict):
        raise TypeError("`%s` must be a dict {one-tick layer: layer}, got %s"
                        % (argument, type(mapping).__name__))
    if not isinstance(mapping, OrderedDict) and len(mapping) > 1:
        warn("`%s` is a plain dict; its order defines the output order. Use an OrderedDict "
             "for an order that does not depend on how the dict was built." % argument,
             verbosity_level=2)
    for key, value in mapping.items():
        for role, item in (("key", key), ("value", value)):
            if not isinstance(item, Layer):
                raise TypeError("every %s of `%s` must be a lasagne layer, got %s (%r)"
                                % (role, argument, type(item).__name__, item))
    return OrderedDict(mapping)


def normalize_state_init(state_init, state_variables):
    """Turn ``'zeros'``, a dict or a list aligned with the states into an OrderedDict."""
    if isinstance(state_init, str):
        if state_init != "zeros":
            raise ValueError("`state_init` must be 'zeros', a dict or a list, got %r" % state_init)
        return OrderedDict()
    if isinstance(state_init, (list, tuple)):
        if len(state_init) != len(state_variables):
            raise ValueError("`state_init` as a list must have one entry per state (%i), got %i"
                             % (len(state_variables), len(state_init)))
        pairs = [(s, i) for s, i in zip(state_variables, state_init) if i is not None]
        state_init = OrderedDict(pairs)
    state_init = as_layer_dict(state_init, "state_init")
    for state in state_init:
        if state not in state_variables:
            raise ValueError("`state_init` key %s is not a key of `state_variables`"
                             % layer_label(state))
    return state_init


def check_state_pairs(state_variables):
    """Previous-state layers must be distinct InputLayers (shapes: :func:`check_graph`)."""
    seen = set()
    for new_state, prev_state in state_variables.items():
        if not isinstance(prev_state, InputLayer):
            raise TypeError("the previous value of state %s must be a lasagne InputLayer, got %s"
                            % (layer_label(new_state), layer_label(prev_state)))
        if prev_state in seen:
            raise ValueError("%s is the previous-state layer of several states"
                             % layer_label(prev_state))
        seen.add(prev_state)


def _require_same_shape(inner_shape, outer_shape, what):
    if tuple(inner_shape) != tuple(outer_shape):
        raise ValueError("%s: shapes differ, %s vs %s"
                         % (what, shape_str(inner_shape), shape_str(outer_shape)))


def check_sequence_ndims(input_sequences):
    """Every outer sequence has a time axis: shape [batch, time, ...]."""
    for outer in input_sequences.values():
        if len(outer.output_shape) < 2:
            raise ValueError("input_sequences: outer layer %s must have shape [batch, time, ...], "
                             "got %s" % (layer_label(outer), shape_str(outer.output_shape)))


def check_sequences(input_sequences, n_steps):
    """One tick of each outer sequence matches its inner layer; it is ``n_steps`` long or more."""
    for inner, outer in input_sequences.items():
        shape = outer.output_shape
        _require_same_shape(inner.output_shape, shape[:1] + shape[2:],
                            "input_sequences: %s vs one tick of %s"
                            % (layer_label(inner), layer_label(outer)))
        if shape[1] is not None and isinstance(n_steps, int) and shape[1] < n_steps:
            raise ValueError("input_sequences: %s has %i ticks but n_steps=%i"
                             % (layer_label(outer), shape[1], n_steps))
        if shape[1] is None and n_steps is not None:
            warn("The time length of %s is unknown; it must be at least n_steps at run time."
                 % layer_label(outer), verbosity_level=2)


def check_sizes(n_steps, batch_size):
    """``n_steps`` and ``batch_size``: None, an int >= 1 or a symbolic integer scalar."""
    if n_steps is not None:
        n_steps = require_int_or_symbolic(n_steps, "n_steps", meaning=" (ticks)")
    if batch_size is not None:
        batch_size = require_int_or_symbolic(batch_size, "batch_size")
    return n_steps, batch_size


def check_flags(**flags):
    """The values of boolean keyword arguments, in order, each checked with ``require_bool``."""
    return [require_bool(value, argument) for argument, value in flags.items()]


def check_delayed_states(delayed_states, state_variables):
    """``delayed_states`` lists keys of ``state_variables``; returns them as a list."""
    delayed_states = check_list(delayed_states)
    for state in delayed_states:
        if not isinstance(state, Layer):
            raise TypeError("`delayed_states` must contain lasagne layers (keys of "
                            "`state_variables`), got %s" % type(state).__name__)
        if state not in state_variables:
            raise ValueError("`delayed_states` contains %s, which is not a key of "
                             "`state_variables`" % layer_label(state))
    return delayed_states


def infer_n_steps(n_steps, input_sequences, unroll_scan):
    """Return ``n_steps``, taken from the sequences' time length when not given."""
    if isinstance(n_steps, theano.Variable) and unroll_scan:
        raise ValueError("a symbolic `n_steps` needs unroll_scan=False (unrolling needs an int)")
    n_steps = _first_known(n_steps, [(outer, outer.output_shape[1])
                                     for outer in input_sequences.values()],
                           "Sequence %s has %i ticks; n_steps=%i is used.")
    if n_steps is None and (unroll_scan or not input_sequences):
        raise ValueError("Recurrence needs `n_steps`: it cannot be inferred "
                         + ("without input_sequences" if not input_sequences else
                            "from sequences of unknown length when unroll_scan=True"))
    return n_steps


def infer_batch_size(batch_size, layers):
    """First known batch dimension among ``layers`` unless ``batch_size`` is given."""
    return _first_known(batch_size, [(layer, layer.output_shape[0]) for layer in layers],
                        "%s has batch size %i, the recurrence uses %i.")


def _first_known(given, sizes, mismatch):
    """``given``, else the first known size of ``[(layer, size or None)]``.

    A known size that differs from an int ``given`` (or from the first known
    one) is reported by ``warn(mismatch % (layer, size, used))``.
    """
    for layer, size in sizes:
        if size is None:
            continue
        if given is None:
            given = size
        elif isinstance(given, int) and size != given:
            warn(mismatch % (layer_label(layer), size, given))
    return given


def check_graph(recurrence):
    """Verify that shapes agree and the one-tick graph is closed (``verify_graph``)."""
    rec = recurrence
    for new_state, prev_state in rec.state_variables.items():
        _require_same_shape(new_state.output_shape, prev_state.output_shape,
                            "state %s vs its previous-state layer %s"
                            % (layer_label(new_state), layer_label(prev_state)))
    for state, init in rec.state_init.items():
        _require_same_shape(state.output_shape, init.output_shape,
                            "state_init: state %s vs %s" % (layer_label(state), layer_label(init)))
    for inner, outer in rec.input_nonsequences.items():
        _require_same_shape(inner.output_shape, outer.output_shape,
                            "input_nonsequences: %s vs %s"
                            % (layer_label(inner), layer_label(outer)))
    _check_closed(rec)


def _check_closed(rec):
    reachable = get_all_layers(rec.all_outputs)
    for inner in list(rec.input_sequences) + list(rec.input_nonsequences):
        if inner not in reachable:
            raise ValueError("%s is given as an input (sequence or nonsequence) but is not part "
                             "of the one-tick graph of the states and tracked outputs"
                             % layer_label(inner))
    for layer in get_all_layers(rec.all_outputs, treat_as_input=rec.all_inputs):
        if isinstance(layer, InputLayer) and layer not in rec.all_inputs:
            raise ValueError("%s is an input of the one-tick graph but is neither a previous "
                             "state, nor an input_sequences or input_nonsequences key"
                             % layer_label(layer))


def check_tracked_outputs(tracked_outputs):
    """Tracked outputs are layers; returns them as a list."""
    tracked_outputs = check_list(tracked_outputs)
    for layer in tracked_outputs:
        if not isinstance(layer, Layer):
            raise TypeError("`tracked_outputs` must contain lasagne layers, got %s (%r)"
                            % (type(layer).__name__, layer))
    return tracked_outputs
