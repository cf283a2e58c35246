r"""Compute a target network only on the ticks whose values an n-step reference reads.

:func:`agentnet.learning.generic.get_n_step_value_reference` reads the
state values :math:`V_t` at few ticks: with sessions of :math:`T` ticks and
``crop_last=True`` (what every objective passes), ``n_steps=None`` reads
:math:`V_{T-1}` only, ``n_steps=3`` on 5 ticks :math:`V_3` and :math:`V_4`.
Replaying a target network over every tick then spends most of its work on
values nobody reads: on the Atari DQN notebook's batches (4 sessions of 9
ticks, ``n_steps=None``) 32 of 36 forward passes. :func:`bootstrap_value_mask`
says which ticks are read; :func:`get_output_on_ticks` runs Lasagne layers on
those ticks only and puts zeros on the others, so the result can be passed
as ``qvalues_target`` with exactly the same loss::

    _, _, memories, _, qvalues = agent.get_sessions(replay, T, experience_replay=True)
    read = bootstrap_value_mask(T, n_steps=None, is_truncated=replay.is_truncated)
    target_qvalues = get_output_on_ticks(target.output_layers, {window: memories[window]}, read)
"""
import theano.tensor as T
from theano.ifelse import ifelse
from lasagne.layers import get_output

from ..utils._validation import require_int, require_layer
from ._arguments import require_mask
from .generic import _bootstrap_ticks

__all__ = ["bootstrap_value_mask", "loss_tick_mask", "get_output_on_ticks"]


def _shift_right(indicator):
    """``out[..., t] = indicator[..., t - 1]``, 0 at the first tick."""
    return T.concatenate([T.zeros_like(indicator[..., :1]), indicator[..., :-1]], axis=-1)


def bootstrap_value_mask(n_ticks, n_steps=None, crop_last=True, is_truncated=None):
    r"""Indicator of the ticks :math:`t` whose :math:`V_t` the n-step reference reads.

    The reference (see :func:`agentnet.learning.generic.get_n_step_value_reference`)
    continues with :math:`V'_t = V_{t+1}` at its bootstrap ticks, where
    :math:`(T - 1 - t + c) \bmod n = 0` (only :math:`t = T - 1 - c` for
    ``n_steps=None``; :math:`c = 1` if ``crop_last``), and at truncated ticks;
    with ``crop_last`` it also sets :math:`R_{T-1} = V_{T-1}`. So it reads

    .. math::
        m_t = [t - 1 \text{ bootstraps}] \lor [t - 1 \text{ truncated}]
              \lor [\text{crop\_last} \land t = T - 1].

    Values at ticks with :math:`m_t = 0` never change the reference (nor the
    loss): a target network need not compute them.

    Parameters
    ----------
    n_ticks : int or scalar tensor
        :math:`T`, the session length.
    n_steps : int or None
        As given to the objective (None: look ahead to the session's end).
    crop_last : bool
        As given to the reference (the objectives use True).
    is_truncated : tensor [batch, tick] of 0/1 or None
        The sessions' truncation flags, as given to the objective.

    Returns
    -------
    tensor [1, tick] (without ``is_truncated``) or [batch, tick] of int8
        :math:`m_t`.
    """
    if n_steps is not None:
        n_steps = require_int(n_steps, "n_steps")
    read = _shift_right(_bootstrap_ticks(n_ticks, n_steps, crop_last))
    if crop_last:
        read = T.or_(read, T.eq(T.arange(n_ticks), n_ticks - 1))
    read = read[None, :]
    if is_truncated is not None:
        require_mask(is_truncated, "is_truncated")
        read = T.or_(read, _shift_right(T.neq(is_truncated, 0)))
    return T.cast(read, "int8")


def loss_tick_mask(n_ticks, crop_last=True):
    r"""Indicator ``[1, tick]`` of the ticks whose loss an objective can make nonzero.

    With ``crop_last`` the objectives set the last tick's reference to its own
    prediction, so its loss is 0 whatever the network says there:
    :math:`l_t = [t < T - 1]`. When the reference reads a separate target
    network (``qvalues_target`` or ``state_values_target``), the online
    network is then needed on the other ticks only, e.g.
    ``get_output_on_ticks(qvalues, inputs, loss_tick_mask(T))``. Without a
    target network the online values are the bootstrap values too: evaluate
    them on every tick.

    Parameters
    ----------
    n_ticks : int or scalar tensor
        :math:`T`, the session length.
    crop_last : bool
        As given to the objective.

    Returns
    -------
    tensor [1, tick] of int8, broadcastable on its first axis
        :math:`l_t` (all ones without ``crop_last``).
    """
    ticks = T.arange(n_ticks)
    learned = T.lt(ticks, n_ticks - 1) if crop_last else T.ones_like(ticks)
    return T.cast(learned, "int8")[None, :]


def _flat_ticks(tensor):
    """``[batch, tick, ...]`` -> ``[batch * tick, ...]``."""
    return tensor.reshape((-1,) + tuple(tensor.shape[i] for i in range(2, tensor.ndim)),
                          ndim=tensor.ndim - 1)


def _scatter(values, positions, selected, batch_tick):
    """``values [k, ...]`` placed at flat ``positions`` of a zero ``[batch, tick, ...]``,
    then zeroed where the flat ``selected`` indicator is 0."""
    flat = T.zeros((batch_tick[0] * batch_tick[1],) + tuple(values.shape[1:]), dtype=values.dtype)
    flat = T.set_subtensor(flat[positions], values)
    flat = flat * selected.reshape((-1,) + (1,) * (values.ndim - 1)).astype(values.dtype)
    return flat.reshape(tuple(batch_tick) + tuple(values.shape[1:]), ndim=values.ndim + 1)


def _positions(selected):
    """Flat indices of the selected ticks; ``[0]`` when none is (Theano's gemm rejects an empty
    batch), whose value :func:`_scatter` then zeroes."""
    positions = selected.nonzero()[0]
    nothing_selected = T.unbroadcast(T.zeros((1,), dtype=positions.dtype), 0)
    return ifelse(T.gt(positions.shape[0], 0), positions, nothing_selected)


def get_output_on_ticks(layers, inputs, mask, **kwargs):
    r"""Lasagne layers evaluated only on the ticks where ``mask`` is 1; zeros elsewhere.

    With :math:`f` the layers' function and :math:`x^{(j)}_{b,t}` the inputs,

    .. math::
        y_{b,t} = m_{b,t}\, f\big(x^{(1)}_{b,t}, \dots\big),

    computed as one batch of the :math:`\sum m` selected ticks (gathered,
    evaluated, scattered back), so the cost scales with the selected ticks.

    Parameters
    ----------
    layers : layer or list of layers
        What to evaluate, e.g. a :class:`~agentnet.target_network.TargetNetwork`'s
        ``output_layers``.
    inputs : dict {layer: tensor [batch, tick, ...]}
        Per-tick values of the layers the evaluation starts from (as
        ``lasagne.layers.get_output``'s ``inputs``, with a tick axis), e.g.
        ``{window: agent_states[window]}`` from ``get_sessions``.
    mask : tensor [batch, tick], or [1, tick] broadcastable on its first axis
        1 where to evaluate (e.g. :func:`bootstrap_value_mask`), 0 elsewhere;
        a broadcastable ``[1, tick]`` mask (``T.row``, or what
        :func:`bootstrap_value_mask` returns without ``is_truncated``) is the
        same for every session.
    **kwargs
        Passed to ``lasagne.layers.get_output`` (e.g. ``deterministic=True``).

    Returns
    -------
    tensor [batch, tick, ...] or list of them
        One per layer of ``layers``, zero at the unselected ticks.
    """
    if not isinstance(inputs, dict) or not inputs:
        raise TypeError("`inputs` must be a non-empty dict {layer: tensor [batch, tick, ...]}, "
                        "got %r" % (inputs,))
    for layer in inputs:
        require_layer(layer, "a key of `inputs`")
    first = next(iter(inputs.values()))
    batch_tick = (first.shape[0], first.shape[1])
    selected = T.flatten(T.ones(batch_tick, dtype="int8") * T.neq(mask, 0))
    positions = _positions(selected)
    gathered = {layer: _flat_ticks(value)[positions] for layer, value in inputs.items()}
    outputs = get_output(layers, gathered, **kwargs)
    if isinstance(outputs, list):
        return [_scatter(output, positions, selected, batch_tick) for output in outputs]
    return _scatter(outputs, positions, selected, batch_tick)
