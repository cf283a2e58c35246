"""Replay-pool memory and speed: a 100k-tick pool of 4x84x84 uint8 frame stacks.

Compares :class:`agentnet.environment.SessionPoolEnvironment` (uint8 storage,
in-place ring buffer) with a naive pool that stores float32 and concatenates
on every append (what the original AgentNet did). Prints bytes per stored
tick, the time of one append of 8 sessions x 25 ticks once the pool is full,
and the time to sample and read a batch of 32 sessions.

Usage: ``make bench`` or ``.venv/bin/python bench/replay_pool.py``.
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import print_stack_info, print_table  # noqa: E402

TICKS = 25                    # ticks per session
POOL_SESSIONS = 4000          # 4000 x 25 = 100k ticks
APPEND_SESSIONS = 8           # sessions per append (e.g. 8 parallel games)
NAIVE_SESSIONS = 400          # a float32 pool of 100k ticks needs 11 GiB, twice during appends
FRAME_SHAPE = (4, 84, 84)


def new_sessions(rng, n, dtype):
    frames = rng.randint(0, 256, size=(n, TICKS) + FRAME_SHAPE).astype(dtype)
    actions = rng.randint(0, 4, size=(n, TICKS)).astype("int32")
    rewards = rng.randn(n, TICKS).astype("float32")
    alive = np.ones((n, TICKS), dtype="uint8")
    return frames, actions, rewards, alive


class NaiveFloatPool(object):
    """The original's approach: float32 storage, concatenate-and-crop on every append."""

    def __init__(self):
        self.arrays = None

    def append(self, sessions, max_pool_size):
        sessions = [np.asarray(s, dtype="float32") if i == 0 else s
                    for i, s in enumerate(sessions)]
        if self.arrays is None:
            self.arrays = sessions
        else:
            self.arrays = [np.concatenate([old, new])[-max_pool_size:]
                           for old, new in zip(self.arrays, sessions)]

    def nbytes(self):
        return sum(a.nbytes for a in self.arrays)


def timed(function, repeats):
    started = time.perf_counter()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - started) / repeats


def measure_agentnet(rng):
    import theano
    import theano.tensor as T
    from lasagne.layers import InputLayer
    from agentnet.environment import SessionPoolEnvironment
    frames = InputLayer((None,) + FRAME_SHAPE, input_var=T.tensor4("frames", dtype="uint8"))
    action = InputLayer((None,), input_var=T.ivector("action"))
    pool = SessionPoolEnvironment(observations=[frames], actions=[action], agent_memories=[])
    batch = new_sessions(rng, APPEND_SESSIONS, "uint8")

    def append():
        pool.append_sessions([batch[0]], [batch[1]], batch[2], batch[3],
                             max_pool_size=POOL_SESSIONS)
    for _ in range(POOL_SESSIONS // APPEND_SESSIONS):
        append()
    sampled = pool.sample_session_batch(32, replace=True)
    read_batch = theano.function([], [sampled.observations[0], sampled.rewards])
    stored_bytes = sum(v.get_value(borrow=True).nbytes for v in pool._shared_variables)
    return stored_bytes, timed(append, 50), timed(read_batch, 50)


def measure_naive(rng):
    pool = NaiveFloatPool()
    batch = new_sessions(rng, APPEND_SESSIONS, "uint8")
    for _ in range(NAIVE_SESSIONS // APPEND_SESSIONS):
        pool.append(batch, NAIVE_SESSIONS)

    def sample():
        ids = rng.randint(0, NAIVE_SESSIONS, size=32)
        return [a[ids] for a in pool.arrays]
    return pool.nbytes(), timed(lambda: pool.append(batch, NAIVE_SESSIONS), 5), timed(sample, 50)


SB3_BYTES_PER_TRANSITION = 56448  # ReplayBuffer(optimize_memory_usage=False): obs + next_obs
NOTEBOOK_TICKS, WINDOW = 9, 4      # the Atari notebook: 9-tick sessions, a 4-frame window


def window_layout_bytes_per_transition():
    """Bytes per learning transition of the Atari notebook's layout.

    One uint8 84x84 frame per tick and the uint8 window of 4 frames before
    each session; a session of T ticks holds T - 1 learning transitions
    (its last tick only bootstraps).
    """
    import theano.tensor as T
    from lasagne.layers import InputLayer
    from agentnet.environment import SessionPoolEnvironment
    from agentnet.memory import WindowAugmentation
    frame = InputLayer((None, 1, 84, 84), input_var=T.tensor4("frame", dtype="uint8"))
    prev_window = InputLayer((None, WINDOW, 1, 84, 84),
                             input_var=T.TensorType("uint8", (False,) * 5)("prev_window"))
    action = InputLayer((None,), input_var=T.ivector("action"))
    window = WindowAugmentation(frame, prev_window)
    pool = SessionPoolEnvironment(observations=[frame], actions=[action],
                                  agent_memories=[window])
    per_session = pool.memory_estimate(1, NOTEBOOK_TICKS)["bytes_per_session"]
    return per_session / float(NOTEBOOK_TICKS - 1)


def print_transition_bytes():
    ours = window_layout_bytes_per_transition()
    print_table("bytes per learning transition, 4x84x84 Atari observations",
                ["layout", "bytes", "ratio to SB3"],
                [["agentnet: uint8 frame per tick + uint8 4-frame window per %d-tick session"
                  % NOTEBOOK_TICKS, "%.0f" % ours, "%.3f" % (ours / SB3_BYTES_PER_TRANSITION)],
                 ["SB3 ReplayBuffer (obs and next_obs stacks)", "%d" % SB3_BYTES_PER_TRANSITION,
                  "1.000"]])


def main():
    print_stack_info()
    print_transition_bytes()
    rng = np.random.RandomState(0)
    ticks = POOL_SESSIONS * TICKS
    rows = []
    for name, measure, n_sessions in (
            ("agentnet uint8 ring buffer, 100k ticks", measure_agentnet, POOL_SESSIONS),
            ("naive float32 concatenate, 10k ticks", measure_naive, NAIVE_SESSIONS)):
        nbytes, append_s, sample_s = measure(rng)
        rows.append([name, "%.0f" % (nbytes / float(n_sessions * TICKS)),
                     "%.2f" % (nbytes / 2. ** 30), "%.2f" % (1e3 * append_s),
                     "%.2f" % (1e3 * sample_s)])
    pixels = int(np.prod(FRAME_SHAPE))
    print_table("replay pool of %d ticks (%d sessions x %d ticks) of %s frame stacks; "
                "%d pixels per tick"
                % (ticks, POOL_SESSIONS, TICKS, "x".join(map(str, FRAME_SHAPE)), pixels),
                ["pool", "bytes per tick", "GiB total", "append 8 sessions (ms)",
                 "sample 32 sessions (ms)"], rows)


if __name__ == "__main__":
    main()
