"""Recorded sessions of an EnvPool: one segment of every game, stored or sent as ``.npz`` bytes.

A segment is what one call of ``EnvPool.update`` stores: ``n_games``
sessions of ``n_steps`` ticks and the memories before their first tick. Game
workers send segments to the learner as ``.npz`` bytes (numpy arrays only,
read back with ``allow_pickle=False``), with the weights version that played
them and the returns of the episodes that ended meanwhile.
"""
import io
from collections import namedtuple

import numpy as np

__all__ = ["RecordedSessions", "store_sessions", "sessions_to_bytes", "sessions_from_bytes",
           "concatenate_sessions"]

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
    """``sessions`` and named extra arrays (e.g. ``weights_version``) as ``.npz`` bytes."""
    arrays = {name: np.asarray(getattr(sessions, name)) for name in _FIELDS}
    arrays.update((_MEMORY_KEY % i, np.asarray(memory))
                  for i, memory in enumerate(sessions.preceding_memories))
    arrays.update((_EXTRA_PREFIX + name, np.asarray(value)) for name, value in extras.items())
    stream = io.BytesIO()
    np.savez(stream, **arrays)
    return stream.getvalue()


def sessions_from_bytes(data):
    """Read :func:`sessions_to_bytes` output back; nothing is unpickled.

    Returns
    -------
    sessions : RecordedSessions
    extras : dict of arrays

    Raises
    ------
    ValueError
        If ``data`` is not such an archive (a field is missing or holds objects).
    """
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    missing = [name for name in _FIELDS if name not in arrays]
    if missing:
        raise ValueError("not a recorded segment: no %s in the archive" % ", ".join(missing))
    n_memories = sum(1 for name in arrays if name.startswith("memory_"))
    memories = [arrays[_MEMORY_KEY % i] for i in range(n_memories)]
    extras = {name[len(_EXTRA_PREFIX):]: value for name, value in arrays.items()
              if name.startswith(_EXTRA_PREFIX)}
    return RecordedSessions(*[arrays[name] for name in _FIELDS], memories), extras
