r"""Replay without a loop: the one-tick graph applied to every recorded tick at once.

In replay mode the observations and actions of every tick are known in
advance. When every memory can also be rebuilt from them in closed form (no
memory at all, or memories whose layer has ``get_sequence_output_for``, such
as :class:`~agentnet.memory.WindowAugmentation`), the ``[batch, tick]`` axes
are merged into one batch axis of ``batch * tick`` rows and the one-tick graph
runs once, instead of ``tick`` times inside a loop:

.. math::
    y_{b,t} = f(x_{b,t}, h_{b,t-1}) \quad \text{for all } b, t \text{ at once}

where :math:`h_{b,t-1}` comes from the memory's closed form. The results
equal those of the replay :class:`~agentnet.agent.Recurrence`.
"""
from collections import OrderedDict

import theano.tensor as T
from lasagne.layers import BatchNormLayer, get_all_layers, get_output

from ..utils.layers.helpers import get_layer_dtype
from ._recurrence_checks import layer_label

__all__ = ["flat_replay_obstacle", "replay_flat"]


def flat_replay_obstacle(agent):
    """Why ``agent`` must be replayed in a loop, or ``None`` when it need not be.

    Parameters
    ----------
    agent : MDPAgent

    Returns
    -------
    str or None
        A sentence naming the first layer that needs the loop.
    """
    for new, prev in agent.agent_states.items():
        reason = _memory_obstacle(new, prev, agent)
        if reason is not None:
            return reason
    return _graph_obstacle(agent)


def _memory_obstacle(new, prev, agent):
    """Why memory ``new`` (fed back into ``prev``) has no closed form over recorded data."""
    label = layer_label(new)
    if not hasattr(new, "get_sequence_output_for"):
        return "memory %s is recurrent (its layer has no get_sequence_output_for)" % label
    if new.input_layers[new.state_input_index] is not prev:
        return "memory %s does not read its own previous value directly" % label
    if not isinstance(new.output_shape[1], int):
        return "memory %s has an unknown window size" % label
    memory_inputs = set(agent.agent_states.values())
    for incoming in _value_inputs(new):
        if memory_inputs & set(get_all_layers(incoming)):
            return "memory %s is fed by a value computed from memory" % label
    return None


def _graph_obstacle(agent):
    """Layers whose results depend on how rows are batched, or that loop themselves."""
    for layer in get_all_layers(agent._all_layers()):
        if isinstance(layer, BatchNormLayer):
            return "%s normalises over the batch, which would mix ticks" % layer_label(layer)
        if hasattr(layer, "get_automatic_updates"):
            return "%s is a recurrence inside the one-tick graph" % layer_label(layer)
    return None


def _value_inputs(memory):
    """The incoming layers of a memory layer other than its previous state."""
    return [layer for i, layer in enumerate(memory.input_layers) if i != memory.state_input_index]


def _merge_batch_and_time(sequence):
    """[batch, tick, rest...] -> [batch * tick, rest...]."""
    rest = tuple(sequence.shape[i] for i in range(2, sequence.ndim))
    return sequence.reshape((sequence.shape[0] * sequence.shape[1],) + rest,
                            ndim=sequence.ndim - 1)


def _split_batch_and_time(rows, batch_size, n_ticks):
    """[batch * tick, rest...] -> [batch, tick, rest...], with no broadcastable axis."""
    rest = tuple(rows.shape[i] for i in range(1, rows.ndim))
    sequence = rows.reshape((batch_size, n_ticks) + rest, ndim=rows.ndim + 1)
    return T.unbroadcast(sequence, *range(sequence.ndim))


def _initial_memory(memory, given, batch_size):
    """The memory before tick 0: the given value, else zeros of the memory's dtype."""
    if memory in given:
        return get_output(given[memory])
    shape = (batch_size,) + tuple(memory.output_shape[1:])
    return T.zeros(shape, dtype=get_layer_dtype(memory))


def _memory_sequences(memory, feeds, initial, is_alive, n_ticks):
    r"""The memory after each tick and the memory entering each tick, both [batch, tick, ...].

    The entering memory is :math:`h_{t-1}`: the initial value at :math:`t = 0`,
    then the (zeroed where dead) memory after the previous tick.
    """
    value_rows = get_output(_value_inputs(memory), inputs=feeds)
    batch_size = initial.shape[0]
    value_sequences = [_split_batch_and_time(rows, batch_size, n_ticks) for rows in value_rows]
    after = memory.get_sequence_output_for(value_sequences, initial, is_alive)
    entering = T.concatenate([T.shape_padaxis(initial, 1), after[:, :-1]], axis=1)
    return after, entering


def replay_flat(agent, recorded, initial_memories, is_alive, n_ticks):
    """Memories, policy and actions of recorded sessions, computed without a loop.

    Parameters
    ----------
    agent : MDPAgent
        With no :func:`flat_replay_obstacle`.
    recorded : OrderedDict {observation or action layer: layer [batch, stored ticks, ...]}
    initial_memories : OrderedDict {memory layer: layer [batch, ...]}
        Memories without an entry start at zeros.
    is_alive : tensor [batch, tick] of 0/1, or None
        Zero each memory after the ticks where it is 0 (``zero_memory_on_reset``).
    n_ticks : int or int scalar tensor
        Ticks to replay; longer recorded sequences are cropped.

    Returns
    -------
    memories : list of tensors [batch, tick, ...], in ``agent.agent_states`` order
    outputs : list of tensors [batch, tick, ...], for ``agent.policy + agent.action_layers``
    """
    sequences = [value[:, :n_ticks] for value in get_output(list(recorded.values()))]
    batch_size = _batch_size(sequences, initial_memories)
    feeds = OrderedDict(zip(recorded, [_merge_batch_and_time(s) for s in sequences]))
    memories = []
    for memory, prev in agent.agent_states.items():
        initial = _initial_memory(memory, initial_memories, batch_size)
        after, entering = _memory_sequences(memory, feeds, initial, is_alive, n_ticks)
        feeds[prev] = _merge_batch_and_time(entering)
        memories.append(after)
    rows = get_output(agent.policy + agent.action_layers, inputs=feeds)
    return memories, [_split_batch_and_time(r, batch_size, n_ticks) for r in rows]


def _batch_size(sequences, initial_memories):
    """The batch size of the recorded sequences (or of the first initial memory)."""
    if sequences:
        return sequences[0].shape[0]
    if initial_memories:
        return get_output(list(initial_memories.values())[0]).shape[0]
    raise ValueError("replay needs recorded observations, actions or an initial memory to know "
                     "the batch size")

