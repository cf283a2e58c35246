"""Recorded sessions of an EnvPool: one segment of every game, stored, or sent as bytes.

A segment is what one call of ``EnvPool.update`` stores: ``n_games``
sessions of ``n_steps`` ticks and the memories before their first tick. Game
workers send segments to the learner as bytes holding numpy arrays only, with
the weights version that played them and the returns of the episodes that
ended meanwhile. The layout is a 4-byte little-endian header length, a JSON
header ``[[name, dtype, shape], ...]`` and the arrays' raw C-order data one
after the other: reading it is ``json.loads`` and ``np.frombuffer``, nothing
is unpickled and object dtypes are refused. (An ``.npz`` would do too, but
numpy parses each member's header with a tokenizer, which costs the learner
about 0.5 ms per array at every update.)
"""
import json
import struct
from collections import namedtuple

import numpy as np

__all__ = ["RecordedSessions", "store_sessions", "sessions_to_bytes", "sessions_from_bytes",
           "concatenate_sessions", "arrays_to_bytes", "arrays_from_bytes"]

#: One segment, session-major: ``observations [n_games, n_steps, *obs_shape]``,
#: ``actions [n_games, n_steps, *action_shape]``, ``rewards``, ``is_alive`` and
#: ``is_truncated [n_games, n_steps]``, ``preceding_memories``: a list of
#: ``[n_games, *memory_shape]`` arrays (the memories before tick 0).
RecordedSessions = namedtuple("RecordedSessions", ["observations", "actions", "rewards",
                                                   "is_alive", "is_truncated",
                                                   "preceding_memories"])

_FIELDS = RecordedSessions._fields[:-1]
_MEMORY_KEY = "memory_%05i"
_EXTRA_PREFIX = "extra_"
_LENGTH = struct.Struct("<I")


def store_sessions(experience_replay, sessions, append, max_size, preprocess):
    """Load (or append) ``sessions`` into a SessionPoolEnvironment after ``preprocess``.

    Parameters
    ----------
    experience_replay : SessionPoolEnvironment
    sessions : RecordedSessions
    append : bool
        Append, keeping ``max_size`` sessions, instead of replacing the pool.
    max_size : int or None
    preprocess : callable
        ``preprocess(observations, actions, rewards, is_alive,
        preceding_memories)`` returning the same five things.
    """
    observations, actions, rewards, is_alive, preceding = preprocess(
        sessions.observations, sessions.actions, sessions.rewards, sessions.is_alive,
        sessions.preceding_memories)
    arguments = ([observations], [actions], rewards, is_alive, preceding)
    if append:
        experience_replay.append_sessions(*arguments, max_pool_size=max_size,
                                          is_truncated=sessions.is_truncated)
    else:
        experience_replay.load_sessions(*arguments, is_truncated=sessions.is_truncated)


def concatenate_sessions(segments):
    """One RecordedSessions holding the sessions of ``segments`` one after the other."""
    fields = [np.concatenate(column, axis=0) for column in zip(*[s[:-1] for s in segments])]
    memories = [np.concatenate(column, axis=0)
                for column in zip(*[s.preceding_memories for s in segments])]
    return RecordedSessions(*fields, preceding_memories=memories)


def sessions_to_bytes(sessions, **extras):
    """``sessions`` and named extra arrays (e.g. ``weights_version``) as bytes (see above)."""
    arrays = [(name, getattr(sessions, name)) for name in _FIELDS]
    arrays += [(_MEMORY_KEY % i, memory) for i, memory in enumerate(sessions.preceding_memories)]
    arrays += [(_EXTRA_PREFIX + name, value) for name, value in extras.items()]
    return arrays_to_bytes(arrays)


def arrays_to_bytes(named_arrays):
    """``[(name, array), ...]`` as bytes: header length, JSON header, raw data (see above)."""
    arrays = [(name, np.asarray(value, order="C")) for name, value in named_arrays]
    header = json.dumps([[name, a.dtype.str, list(a.shape)] for name, a in arrays]).encode()
    return b"".join([_LENGTH.pack(len(header)), header] + [a.tobytes() for _, a in arrays])


def arrays_from_bytes(data):
    """``{name: read-only array}`` (in order) from :func:`arrays_to_bytes` output, checking sizes.

    Raises
    ------
    ValueError
        If an array is cut short, bytes are left over or a dtype holds objects.
    """
    if len(data) < _LENGTH.size:
        raise ValueError("%i bytes cannot hold an array header" % len(data))
    (length,) = _LENGTH.unpack_from(data)
    offset, arrays = _LENGTH.size + length, {}
    for name, dtype, shape in json.loads(bytes(data[_LENGTH.size:offset])):
        dtype = np.dtype(dtype)
        if dtype.hasobject:
            raise ValueError("only numeric arrays are accepted, got dtype %s for %r"
                             % (dtype, name))
        count = int(np.prod(shape, dtype=np.int64))
        if offset + count * dtype.itemsize > len(data):
            raise ValueError("the data is cut short in array %r" % name)
        arrays[name] = np.frombuffer(data, dtype, count, offset).reshape(shape)
        offset += count * dtype.itemsize
    if offset != len(data):
        raise ValueError("%i bytes are left after the arrays" % (len(data) - offset))
    return arrays


def sessions_from_bytes(data):
    """Read :func:`sessions_to_bytes` output back; nothing is unpickled.

    Returns
    -------
    sessions : RecordedSessions
        Read-only arrays viewing ``data``.
    extras : dict of arrays

    Raises
    ------
    ValueError
        If ``data`` is not such a segment (a field is missing, an array is
        cut short or holds objects).
    """
    arrays = arrays_from_bytes(data)
    missing = [name for name in _FIELDS if name not in arrays]
    if missing:
        raise ValueError("not a recorded segment: no %s in it" % ", ".join(missing))
    n_memories = sum(1 for name in arrays if name.startswith("memory_"))
    memories = [arrays[_MEMORY_KEY % i] for i in range(n_memories)]
    extras = {name[len(_EXTRA_PREFIX):]: value for name, value in arrays.items()
              if name.startswith(_EXTRA_PREFIX)}
    return RecordedSessions(*[arrays[name] for name in _FIELDS], memories), extras
