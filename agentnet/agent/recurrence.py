"""``Recurrence``: unroll any one-tick Lasagne graph over time."""
from collections import OrderedDict

import theano
import theano.tensor as T
from lasagne.layers import Layer, get_all_layers, get_output
from lasagne.utils import unique

from ..utils.format import check_list, unpack_list
from ..utils.layers.dict import DictLayer
from ..utils.layers.helpers import get_layer_dtype
from ..utils.logging import warn
from ..utils._validation import suggest_keywords
from . import _recurrence_checks as checks

__all__ = ["Recurrence"]


def _time_major(sequence):
    """[batch, time, ...] -> [time, batch, ...]."""
    return sequence.dimshuffle([1, 0] + list(range(2, sequence.ndim)))


def _batch_major(sequence):
    """[time, batch, ...] -> [batch, time, ...] (no-op for vectors)."""
    return _time_major(sequence) if sequence.ndim > 1 else sequence


def _unbroadcast_all(value):
    """Make every axis non-broadcastable, so that a batch or unit axis of 1 keeps its type."""
    return T.unbroadcast(value, *range(value.ndim))


def _unroll(step, sequences, outputs_info, nonsequences, n_steps):
    """A Python loop with ``theano.scan``'s calling convention; returns time-major outputs."""
    values, history = list(outputs_info), []
    for t in range(n_steps):
        values = check_list(step(*([s[t] for s in sequences] + values + list(nonsequences))))
        history.append(values)
    return [T.stack([tick[i] for tick in history]) for i in range(len(outputs_info))]


def _delayed(sequence, initial):
    """Shift [batch, time, ...] one tick into the past: element t is the value entering t."""
    return T.concatenate([T.shape_padaxis(initial, 1), sequence[:, :-1]], axis=1)


def _keep_where_masked(mask_t, new_values, old_values):
    r"""Per batch row: new value where ``mask_t`` is non-zero, previous value elsewhere.

    .. math:: v_t = m_t \, v_t^{new} + (1 - m_t) \, v_{t-1}
    """
    kept = []
    for new, old in zip(new_values, old_values):
        row_mask = mask_t.dimshuffle([0] + ["x"] * (new.ndim - 1))
        kept.append(T.switch(row_mask, new, old))
    return kept


class Recurrence(DictLayer):
    r"""A layer that unrolls a one-tick graph for several ticks.

    The one-tick graph is an ordinary Lasagne graph for shapes ``[batch, ...]``.
    Previous values of recurrent states enter it through ``InputLayer``\ s;
    ``state_variables`` says which layer computes the next value of each. At
    every tick :math:`t` the recurrence evaluates

    .. math::
        (s_t, o_t) = f(s_{t-1}, x_t, c), \qquad s_{-1} = s_{init}

    where :math:`s` are the states, :math:`x_t` the slices of
    ``input_sequences``, :math:`c` the ``input_nonsequences`` and :math:`o_t`
    the ``tracked_outputs``. ``rec[layer]`` gives the ``[batch, time, ...]``
    sequence of a state or tracked output as a normal Lasagne layer.

    Parameters
    ----------
    input_nonsequences : dict {one-tick layer: outer layer}
        The outer layer's value is fed to the one-tick layer at every tick.
    input_sequences : dict {one-tick layer: outer layer}
        The outer layer has shape ``[batch, time, rest...]``; at tick ``t`` the
        one-tick layer (shape ``[batch, rest...]``) receives ``outer[:, t]``. Any
        layer may be listed: its computation (and everything below it) is
        then replaced by the fed value.
    tracked_outputs : layer or list of layers
        One-tick layers recorded at every tick, besides the states.
    state_variables : dict {new state layer: previous state InputLayer}
        Its order defines the order of states everywhere.
    state_init : 'zeros', dict {new state layer: outer layer} or list
        Initial values; states without one start at zeros.
    unroll_scan : bool
        ``True``: a Python loop (one graph copy per tick, needs an int
        ``n_steps``). ``False``: ``theano.scan``; randomness inside the step
        then produces updates, see :meth:`get_automatic_updates`.
    n_steps : int >= 1, symbolic int scalar or None
        Number of ticks; inferred from the sequences' time length if None.
    batch_size : int >= 1, symbolic int scalar or None
        Needed only when no input tells the batch size.
    mask_input : layer or None
        ``[batch, time]``; where 0, every state and tracked output keeps its
        previous value (zeros for tracked outputs at tick 0).
    delayed_states : iterable of state layers
        Their sequences are shifted one tick into the past: element ``t`` is
        the value entering tick ``t`` (element 0 is the initial value).
    verify_graph : bool
        Check that the graph is closed and shapes agree.
    force_cast_types : bool
        Cast new values to their previous dtype instead of raising.
    name : str

    Raises
    ------
    TypeError, ValueError
        At construction, for a wrongly wired graph (see the messages).

    Examples
    --------
    >>> import lasagne, theano.tensor as T
    >>> from lasagne.layers import InputLayer, DenseLayer, ElemwiseSumLayer
    >>> x = InputLayer((None, 3)); h_prev = InputLayer((None, 4))
    >>> h = ElemwiseSumLayer([DenseLayer(x, 4), DenseLayer(h_prev, 4)])
    >>> seq = InputLayer((None, 7, 3))
    >>> rec = Recurrence(input_sequences={x: seq}, state_variables={h: h_prev})
    >>> rec[h].output_shape
    (None, 7, 4)
    """

    @suggest_keywords
    def __init__(self, input_nonsequences=None, input_sequences=None, tracked_outputs=(),
                 state_variables=None, state_init="zeros", unroll_scan=True, n_steps=None,
                 batch_size=None, mask_input=None, delayed_states=(), verify_graph=True,
                 force_cast_types=False, name="YetAnotherRecurrence"):
        if mask_input is not None and not isinstance(mask_input, Layer):
            raise TypeError("`mask_input` must be None or a lasagne layer [batch, time], got %s"
                            % type(mask_input).__name__)
        n_steps, batch_size = checks.check_sizes(n_steps, batch_size)
        unroll_scan, verify_graph, force_cast_types = checks.check_flags(
            unroll_scan=unroll_scan, verify_graph=verify_graph, force_cast_types=force_cast_types)
        self.unroll_scan = unroll_scan
        self.force_cast_types = force_cast_types
        self.mask_input = mask_input
        self.updates = theano.OrderedUpdates()
        self._updates_received = True
        self.input_nonsequences = checks.as_layer_dict(input_nonsequences, "input_nonsequences")
        self.input_sequences = checks.as_layer_dict(input_sequences, "input_sequences")
        self.state_variables = checks.as_layer_dict(state_variables, "state_variables")
        checks.check_state_pairs(self.state_variables)
        self.tracked_outputs = checks.check_tracked_outputs(tracked_outputs)
        checks.check_sequence_ndims(self.input_sequences)
        if verify_graph:
            checks.check_sequences(self.input_sequences, n_steps)
        self.n_steps = checks.infer_n_steps(n_steps, self.input_sequences, unroll_scan)
        self.state_init = checks.normalize_state_init(state_init, self.state_variables)
        self.delayed_states = checks.check_delayed_states(delayed_states, self.state_variables)
        incomings = self._incoming_layers()
        inner_inputs = (list(self.state_init) + list(self.input_nonsequences)
                        + list(self.input_sequences) + list(self.state_variables.values()))
        self.batch_size = checks.infer_batch_size(batch_size, incomings + inner_inputs)
        if not incomings and self.batch_size is None:
            raise ValueError("Recurrence has no outer input to take the batch size from; "
                             "pass `batch_size`")
        self.all_outputs = list(self.state_variables) + self.tracked_outputs
        self.all_inputs = (list(self.state_variables.values()) + list(self.state_init.values())
                           + list(self.input_nonsequences) + list(self.input_sequences))
        shapes, dtypes = self._output_shapes_and_dtypes()
        super(Recurrence, self).__init__(incomings, shapes, dtypes, name=name)
        if verify_graph:
            checks.check_graph(self)

    def _incoming_layers(self):
        mask = [self.mask_input] if self.mask_input is not None else []
        return (mask + list(self.state_init.values()) + list(self.input_nonsequences.values())
                + list(self.input_sequences.values()))

    def _output_shapes_and_dtypes(self):
        time = self.n_steps if isinstance(self.n_steps, int) else None
        shapes, dtypes = OrderedDict(), OrderedDict()
        for layer in self.all_outputs:
            shape = tuple(layer.output_shape)
            shapes[layer] = shape[:1] + (time,) + shape[1:]
            dtypes[layer] = get_layer_dtype(layer)
        return shapes, dtypes

    def get_sequence_layers(self):
        """Element layers of the states and of the tracked outputs.

        Returns
        -------
        state_layers : OrderedDict {state layer: element layer}
            In state order.
        output_layers : tuple of element layers
            In tracked-output order.
        """
        states = OrderedDict((state, self[state]) for state in self.state_variables)
        return states, tuple(self[layer] for layer in self.tracked_outputs)

    def get_params(self, **tags):
        """This layer's parameters and those of the one-tick graph (not of substituted layers).

        Parameters
        ----------
        **tags
            Lasagne parameter tags, e.g. ``trainable=True``.

        Returns
        -------
        list of theano shared variables
            Each once: this layer's own, then those of the one-tick layers
            below the states and tracked outputs, stopping at the layers fed
            from outside (previous states, sequences, non-sequences).
        """
        inner_layers = get_all_layers(self.all_outputs, treat_as_input=self.all_inputs)
        params = list(super(Recurrence, self).get_params(**tags))
        for layer in inner_layers:
            if layer not in self.all_inputs:
                params += layer.get_params(**tags)
        return unique(params)

    def get_one_step(self, prev_states=None, current_inputs=None, **get_output_kwargs):
        """Apply the one-tick graph symbolically once.

        Parameters
        ----------
        prev_states : dict {state layer: value} or list aligned with the states
        current_inputs : dict {inner input layer: value} or list aligned with
            ``list(input_nonsequences) + list(input_sequences)``
        **get_output_kwargs
            Flags for :func:`lasagne.layers.get_output`.

        Returns
        -------
        new_states, new_outputs : lists of tensors
            In state order and tracked-output order.
        """
        inner_inputs = list(self.input_nonsequences) + list(self.input_sequences)
        prev_states = self._as_aligned(prev_states, list(self.state_variables), "prev_states")
        current_inputs = self._as_aligned(current_inputs, inner_inputs, "current_inputs")
        input_map = OrderedDict(zip(self.state_variables.values(), prev_states))
        input_map.update(zip(inner_inputs, current_inputs))
        values = get_output(self.all_outputs, inputs=input_map, **get_output_kwargs)
        return unpack_list(values, [len(self.state_variables), len(self.tracked_outputs)])

    @staticmethod
    def _as_aligned(values, keys, argument):
        if values is None:
            values = []
        if isinstance(values, dict):
            values = [values[key] for key in keys]
        values = check_list(values)
        if len(values) != len(keys):
            raise ValueError("`%s` must have %i entries, got %i"
                             % (argument, len(keys), len(values)))
        return values

    def get_output_for(self, inputs, accumulate_updates="warn", recurrence_flags=None, **kwargs):
        """Build the loop; returns OrderedDict {state or tracked layer: [batch, time, ...]}.

        Parameters
        ----------
        inputs : list of tensors
            In the order of the incoming layers (mask first if any).
        accumulate_updates : True, False or "warn"
            What to do with scan updates of an earlier call: keep them
            (``True``), drop them (``False``) or keep them and warn if they
            were never collected (``"warn"``).
        recurrence_flags : dict or None
            Keyword flags passed to ``get_output`` of the one-tick graph at
            every tick (e.g. ``{"deterministic": True}``). Other ``kwargs``
            are *not* passed inside.

        Returns
        -------
        sequences : OrderedDict {state or tracked layer: tensor [batch, time, ...]}
            The states in ``state_variables`` order, then the tracked
            outputs; element ``[:, t]`` is the value after tick ``t``
            (for ``delayed_states``, the value entering tick ``t``).
        """
        inputs = list(inputs)
        mask = inputs.pop(0) if self.mask_input is not None else None
        init_values, nonsequences, sequences = unpack_list(
            inputs,
            [len(self.state_init), len(self.input_nonsequences), len(self.input_sequences)])
        flags = dict(recurrence_flags or {})
        batch_size = self._symbolic_batch_size(inputs)
        initial_states = self._initial_states(init_values, batch_size)
        fillers = self._output_fillers(initial_states, nonsequences, sequences, flags,
                                       batch_size)
        step = _Step(self, flags, masked=mask is not None, n_sequences=len(sequences))
        scan_sequences = (([mask.T] if mask is not None else [])
                          + [_time_major(s) for s in sequences])
        results = self._loop(step, scan_sequences, initial_states + fillers, nonsequences,
                             accumulate_updates)
        results = [_batch_major(r) for r in results]
        state_sequences = self._apply_delays(results[:len(initial_states)], initial_states)
        return OrderedDict(zip(self.all_outputs, state_sequences + results[len(initial_states):]))

    def _symbolic_batch_size(self, inputs):
        if self.batch_size is not None:
            return self.batch_size
        if inputs:
            return inputs[0].shape[0]
        raise ValueError("cannot infer the batch size of %s; pass `batch_size`" % self.name)

    def _initial_states(self, init_values, batch_size):
        given = dict(zip(self.state_init, init_values))
        initial = []
        for state in self.state_variables:
            value = given[state] if state in given else self._zeros_for(state, batch_size)
            initial.append(_unbroadcast_all(value))
        return initial

    @staticmethod
    def _zeros_for(state, batch_size):
        unit_shape = tuple(state.output_shape[1:])
        if any(dim is None for dim in unit_shape):
            raise ValueError("state %s has an unknown dimension in %s; give it an explicit "
                             "state_init" % (checks.layer_label(state), unit_shape))
        return T.zeros((batch_size,) + unit_shape, dtype=get_layer_dtype(state))

    def _output_fillers(self, initial_states, nonsequences, sequences, flags, batch_size):
        """Zeros shaped like each tracked output: the 'previous output' at tick 0.

        The step is applied once symbolically to learn each output's dtype.
        Where the output shape is known the zeros do not depend on that copy,
        so it stays out of the compiled graph (and draws no random numbers);
        only outputs with unknown non-batch sizes take ``zeros_like`` of it.
        """
        if not self.tracked_outputs:
            return []
        first_slices = [sequence[:, 0] for sequence in sequences]
        _, outputs = self.get_one_step(initial_states, nonsequences + first_slices, **flags)
        fillers = []
        for layer, output in zip(self.tracked_outputs, outputs):
            unit_shape = tuple(layer.output_shape[1:])
            if None in unit_shape or len(unit_shape) + 1 != output.ndim:
                filler = T.zeros_like(output)
            else:
                filler = T.zeros((batch_size,) + unit_shape, dtype=output.dtype)
            fillers.append(_unbroadcast_all(filler))
        return fillers

    def _loop(self, step, sequences, outputs_info, nonsequences, accumulate_updates):
        if self.unroll_scan:
            if accumulate_updates is False:
                self.updates = theano.OrderedUpdates()
            return _unroll(step, sequences, outputs_info, nonsequences, self.n_steps)
        results, updates = theano.scan(step, sequences=sequences, outputs_info=outputs_info,
                                       non_sequences=nonsequences, n_steps=self.n_steps,
                                       name=self.name)
        self._store_updates(updates, accumulate_updates)
        return check_list(results)

    def _store_updates(self, updates, accumulate_updates):
        if accumulate_updates is False:
            self.updates = theano.OrderedUpdates()
        elif accumulate_updates == "warn" and self.updates and not self._updates_received:
            warn("%s was built again before its scan updates were collected. Get several outputs "
                 "in one get_output call, pass accumulate_updates=True to keep both, or False to "
                 "drop the old ones." % self.name)
        for variable, update in updates.items():
            self.updates[variable] = update
        if self.updates:
            self._updates_received = False
            warn("%s uses randomness inside theano.scan: pass %s.get_automatic_updates() to "
                 "theano.function(updates=...)." % (self.name, self.name), verbosity_level=2)

    def _apply_delays(self, state_sequences, initial_states):
        delayed = []
        for state, sequence, initial in zip(self.state_variables, state_sequences, initial_states):
            delayed.append(_delayed(sequence, initial) if state in self.delayed_states
                           else sequence)
        return delayed

    def get_automatic_updates(self, recurrent=True):
        """Random-state updates of ``theano.scan`` to pass to ``theano.function``.

        Parameters
        ----------
        recurrent : bool
            Also collect the updates of recurrences in the outer graph below.

        Returns
        -------
        theano.OrderedUpdates

        Raises
        ------
        ValueError
            If this is a ``theano.scan`` recurrence whose one-tick graph holds
            a recurrence with updates of its own (unroll the inner levels, or
            keep them free of randomness).
        """
        updates = theano.OrderedUpdates()
        for variable, update in self.updates.items():
            updates[variable] = update
        if recurrent:
            for layer in get_all_layers(self):
                if layer is not self and hasattr(layer, "get_automatic_updates"):
                    for variable, update in layer.get_automatic_updates(recurrent=False).items():
                        updates[variable] = update
        self._check_inner_updates()
        self._updates_received = True
        return updates

    def _check_inner_updates(self):
        if self.unroll_scan:
            return
        for layer in get_all_layers(self.all_outputs, treat_as_input=self.all_inputs):
            inner_updates = getattr(layer, "updates", None)
            if hasattr(layer, "get_automatic_updates") and inner_updates:
                raise ValueError(
                    "%s (theano.scan) contains %s, which has automatic updates of its own; a "
                    "scan cannot carry the updates of a lower-level scan. Unroll the lower "
                    "levels or keep them free of randomness."
                    % (self.name, checks.layer_label(layer)))


class _Step(object):
    """The scan step of a :class:`Recurrence`, in scan's argument order.

    Arguments: ``[mask_t] + sequence slices + previous states + previous
    tracked outputs + nonsequences``; returns new states then new outputs,
    each converted to the exact type of its previous value.
    """

    def __init__(self, recurrence, flags, masked, n_sequences):
        self.recurrence = recurrence
        self.flags = flags
        self.masked = masked
        self.n_sequences = n_sequences

    def __call__(self, *args):
        rec = self.recurrence
        args = list(args)
        mask_t = args.pop(0) if self.masked else None
        slices, prev_states, prev_outputs, nonsequences = unpack_list(
            args, [self.n_sequences, len(rec.state_variables), len(rec.tracked_outputs),
                   len(rec.input_nonsequences)])
        new_states, new_outputs = rec.get_one_step(prev_states, nonsequences + slices,
                                                   **self.flags)
        previous = prev_states + prev_outputs
        new_values = [self._convert(new, old, layer) for new, old, layer
                      in zip(new_states + new_outputs, previous, rec.all_outputs)]
        if mask_t is not None:
            new_values = _keep_where_masked(mask_t, new_values, previous)
            new_values = [self._convert(new, old, layer) for new, old, layer
                          in zip(new_values, previous, rec.all_outputs)]
        return new_values

    def _convert(self, new_value, previous_value, layer):
        if self.recurrence.force_cast_types:
            new_value = new_value.astype(previous_value.dtype)
        converted = None
        if new_value.ndim == previous_value.ndim:
            converted = previous_value.type.convert_variable(new_value)
        if converted is None:
            raise ValueError(
                "%s: the new value of %s has type %s but its previous value has type %s (dtype "
                "and ndim must match). Declare the layer's output_dtype, give a matching "
                "state_init, or pass force_cast_types=True."
                % (self.recurrence.name, checks.layer_label(layer), new_value.type,
                   previous_value.type))
        return converted
