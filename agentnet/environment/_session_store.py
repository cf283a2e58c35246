"""Preallocated ring buffer of recorded sessions (the host-side storage of a session pool).

Every field (each observation, each action, rewards, is_alive, each
preceding memory) is one numpy array ``[capacity, ...]``. Appending writes
the new sessions in place after the newest ones, wrapping around when full,
so an append costs O(new data) and never copies the pool.

Listeners (e.g. a prioritized sampler's priorities) follow the slots: each
object in ``SessionStore.listeners`` (a weak set) gets ``sessions_moved(kept, capacity)``
when the buffer is reallocated (new slot ``j`` holds old slot ``kept[j]``)
and ``sessions_written(positions)`` after new sessions are written.
"""
import weakref

import numpy as np

from ..utils._validation import shape_str

__all__ = ["FieldSpec", "SessionStore", "ActionIds", "Flags", "available_memory_bytes"]


def available_memory_bytes():
    """Memory the OS can still give us (``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _unsigned_max(array):
    """Largest value of an integer array read as unsigned: negatives read as huge values.

    One reduction thus checks both bounds of :math:`0 \\le x < n`.
    """
    return array.view("u%i" % array.dtype.itemsize).max()


def _first_offender(array, bad):
    """``(value, index)`` of the first True entry of the mask ``bad``."""
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    return array[index].item(), index


class Flags(object):
    """Values check of flags (``is_alive``, ``is_truncated``): every value is 0 or 1.

    Flags of any numeric dtype are accepted: 0 and 1 survive the cast to uint8.
    """
    any_dtype = True

    def __call__(self, array):
        if array.size == 0 or array.dtype.kind == "b" \
                or (array.dtype.kind in "iu" and _unsigned_max(array) <= 1):
            return None
        bad = (array != 0) & (array != 1)
        if not bad.any():
            return None
        return "values must be 0 or 1, got %r at index %s" % _first_offender(array, bad)


class ActionIds(object):
    """Values check of discrete actions: integer ids in :math:`[0, n_{actions})`."""
    any_dtype = False

    def __init__(self, n_actions):
        self.n_actions = n_actions

    def __call__(self, array):
        if array.dtype.kind not in "iu" or array.size == 0 \
                or _unsigned_max(array) < self.n_actions:
            return None
        bad = (array < 0) | (array >= self.n_actions)
        if not bad.any():
            return None
        return ("values must be action ids in [0, %i), got %r at index %s"
                % ((self.n_actions,) + _first_offender(array, bad)))


class FieldSpec(object):
    """Name, dtype and per-tick (or per-session) shape of one stored field.

    ``unit_shape`` entries may be None until the first sessions arrive;
    ``has_time`` says whether the field has a tick axis after the session axis.
    ``values`` checks the content of numeric arrays (:class:`Flags`,
    :class:`ActionIds`: ``array -> message or None``); its ``any_dtype`` says
    whether the dtype's kind may then differ from the stored one.
    """

    def __init__(self, name, unit_shape, dtype, has_time=True, values=None):
        self.name = name
        self.unit_shape = tuple(unit_shape)
        self.dtype = np.dtype(dtype)
        self.has_time = has_time
        self.values = values

    def complete(self):
        return None not in self.unit_shape

    def check(self, array, session_length):
        """Validate one appended array; fills unknown dims. Returns it in the stored dtype."""
        array = np.asarray(array)
        n_sessions = array.shape[0] if array.ndim else None
        lead = (n_sessions, session_length) if self.has_time else (n_sessions,)
        layout = "[sessions, ticks, *%s]" if self.has_time else "[sessions, *%s]"
        expected = lead + self.unit_shape
        if array.ndim != len(expected) or any(e is not None and e != g
                                              for e, g in zip(expected, array.shape)):
            raise ValueError("`%s` must have shape %s %s, got %s"
                             % (self.name, layout % shape_str(self.unit_shape),
                                shape_str(expected), shape_str(array.shape)))
        self._check_content(array)
        self.unit_shape = array.shape[len(lead):]
        return array.astype(self.dtype, copy=False)

    def _check_content(self, array):
        checked = self.values is not None and array.dtype.kind in "biuf"
        message = self.values(array) if checked else None
        if message is not None:
            raise ValueError("`%s` %s" % (self.name, message))
        if not (checked and self.values.any_dtype) \
                and not np.can_cast(array.dtype, self.dtype, casting="same_kind"):
            raise ValueError("`%s` has dtype %s but the pool stores %s; convert explicitly"
                             % (self.name, array.dtype, self.dtype))

    def bytes_per_session(self, session_length):
        ticks = session_length if self.has_time else 1
        return int(np.prod(self.unit_shape, dtype=np.int64)) * ticks * self.dtype.itemsize


class SessionStore(object):
    """Ring buffer over several fields; see the module docstring.

    Parameters
    ----------
    specs : list of FieldSpec
    """

    def __init__(self, specs):
        self.specs = list(specs)
        self.session_length = None
        self.capacity = 0
        self.count = 0
        self.next_index = 0
        self.arrays = None
        self.listeners = weakref.WeakSet()

    def _notify(self, event, *args):
        for listener in self.listeners:
            getattr(listener, event)(*args)

    def bytes_per_session(self, session_length):
        """Bytes one session takes in storage."""
        return sum(spec.bytes_per_session(session_length) for spec in self.specs)

    def check_fits(self, n_sessions, session_length):
        """Raise MemoryError if ``n_sessions`` would not fit in available memory."""
        needed = n_sessions * self.bytes_per_session(session_length)
        available = available_memory_bytes()
        if available is not None and needed > available:
            raise MemoryError("a pool of %i sessions x %i ticks needs %.2f GiB (%i bytes per "
                              "session) but only %.2f GiB of memory are available"
                              % (n_sessions, session_length, needed / 2. ** 30,
                                 self.bytes_per_session(session_length), available / 2. ** 30))

    def validate(self, arrays, session_length):
        """Check shapes/dtypes of one batch of new sessions (list aligned with specs)."""
        if self.session_length is not None and session_length != self.session_length:
            raise ValueError("the pool stores sessions of %i ticks; got sessions of %i ticks "
                             "(sessions of another length are not supported: pad them with "
                             "is_alive = 0)" % (self.session_length, session_length))
        checked = [spec.check(a, session_length) for spec, a in zip(self.specs, arrays)]
        sizes = {a.shape[0] for a in checked}
        if len(sizes) != 1:
            raise ValueError("all fields must hold the same number of sessions, got %s"
                             % sorted(sizes))
        return checked

    def reset(self, arrays, session_length, capacity=None):
        """Replace everything by ``arrays`` (validated); capacity at least their count."""
        n_new = np.shape(arrays[0])[0]
        capacity = max(n_new, capacity or 0)
        self.session_length = session_length
        self._allocate(capacity)
        self.count, self.next_index = 0, 0
        self._notify("sessions_moved", np.arange(0), capacity)
        self._write(arrays)

    def append(self, arrays, session_length, max_pool_size=None):
        """Append validated new sessions, keeping at most ``max_pool_size`` (the newest)."""
        n_new = np.shape(arrays[0])[0]
        if max_pool_size is not None and n_new > max_pool_size:
            arrays = [a[-max_pool_size:] for a in arrays]
            n_new = max_pool_size
        if self.arrays is None:
            self.reset(arrays, session_length, capacity=max_pool_size)
        elif max_pool_size is not None and max_pool_size != self.capacity:
            self._resize(max_pool_size)
            self._write(arrays)
        else:
            if max_pool_size is None and self.count + n_new > self.capacity:
                self._resize(max(self.count + n_new, 2 * self.capacity))
            self._write(arrays)

    def _allocate(self, capacity):
        self.check_fits(capacity, self.session_length)
        self.arrays = [np.zeros(self._full_shape(spec, capacity), dtype=spec.dtype)
                       for spec in self.specs]
        self.capacity = capacity

    def _full_shape(self, spec, capacity):
        ticks = (self.session_length,) if spec.has_time else ()
        return (capacity,) + ticks + spec.unit_shape

    def _resize(self, capacity):
        """Move to a buffer of another capacity, keeping the newest sessions in order.

        Growth without a ``max_pool_size`` doubles the capacity, so its cost
        is amortised over the appends.
        """
        kept = self.chronological_order()[-capacity:]
        old_arrays = self.arrays
        self._allocate(capacity)
        for new, old in zip(self.arrays, old_arrays):
            new[:len(kept)] = old[kept]
        self.count = len(kept)
        self.next_index = len(kept) % capacity
        self._notify("sessions_moved", kept, capacity)

    def _write(self, arrays):
        n_new = np.shape(arrays[0])[0]
        positions = (self.next_index + np.arange(n_new)) % self.capacity
        for stored, new in zip(self.arrays, arrays):
            stored[positions] = new
        self.next_index = (self.next_index + n_new) % self.capacity
        self.count = min(self.count + n_new, self.capacity)
        self._notify("sessions_written", positions)

    def views(self):
        """The stored sessions of every field, ``[count, ...]`` (views, no copy)."""
        return [array[:self.count] for array in self.arrays]

    def chronological_order(self):
        """Storage indices from the oldest to the newest stored session."""
        if self.count < self.capacity:
            return np.arange(self.count)
        return (self.next_index + np.arange(self.capacity)) % self.capacity
