"""Prioritized session replay speed: draw and re-prioritize 32 of 100,000 sessions.

Times :class:`agentnet.environment.PrioritizedSessionSampler` (a sum tree:
``sample()`` draws 32 sessions, computes their importance weights and writes
both into Theano shared variables; ``update_priorities()`` turns a
``[32, ticks]`` TD-error batch into R2D2 priorities and writes them into the
tree) next to the plain numpy way of doing the same: ``np.random.choice(n,
32, p=p)`` over the normalised :math:`p^\\alpha`, and, after an update, the
:math:`O(n)` renormalisation the next ``np.random.choice`` needs. The target
of issue 17 is under 1 ms for each of our two operations.

Usage: ``.venv/bin/python bench/prioritized.py``.
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import print_stack_info, print_table  # noqa: E402

POOL_SESSIONS = 100000
BATCH = 32
TICKS = 8
ALPHA, BETA = 0.6, 0.4
APPEND_CHUNK = 10000


def time_per_call(function, args, repeats=2000, rounds=5):
    """Medians over ``rounds`` of the wall and of the CPU seconds per call of ``function(*args)``.

    The CPU time of this process is reported too because the wall time of a
    call of a few microseconds grows with whatever else runs on the machine.
    """
    function(*args)
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(repeats):
            function(*args)
        walls.append((time.perf_counter() - wall) / repeats)
        cpus.append((time.process_time() - cpu) / repeats)
    return float(np.median(walls)), float(np.median(cpus))


def filled_pool(rng):
    """A pool of 100,000 sessions of 8 ticks of 4 float32 observations."""
    from agentnet.environment import SessionPoolEnvironment
    pool = SessionPoolEnvironment(observations=1, actions=1, agent_memories=0)
    for _ in range(POOL_SESSIONS // APPEND_CHUNK):
        pool.append_sessions([rng.randn(APPEND_CHUNK, TICKS, 4).astype("float32")],
                             [rng.randint(0, 4, (APPEND_CHUNK, TICKS)).astype("int32")],
                             rng.randn(APPEND_CHUNK, TICKS).astype("float32"),
                             max_pool_size=POOL_SESSIONS)
    return pool


def measure_sampler(rng):
    """Seconds per ``sample()`` and per ``update_priorities()`` of 32 sessions."""
    from agentnet.environment import PrioritizedSessionSampler
    sampler = PrioritizedSessionSampler(filled_pool(rng), BATCH, alpha=ALPHA, beta=BETA, seed=0)
    sample = time_per_call(sampler.sample, ())
    # the last drawn batch takes new priorities at every call
    return sample, time_per_call(sampler.update_priorities, (rng.randn(BATCH, TICKS),))


class NumpyChoicePool(object):
    """The plain numpy baseline: priorities in an array, ``np.random.choice(p=...)`` to draw."""

    def __init__(self, rng):
        self.rng = rng
        self.priorities = np.ones(POOL_SESSIONS)
        self.renormalise()

    def renormalise(self):
        masses = self.priorities ** ALPHA
        self.probabilities = masses / masses.sum()

    def sample(self):
        indices = self.rng.choice(POOL_SESSIONS, BATCH, p=self.probabilities)
        weights = (POOL_SESSIONS * self.probabilities[indices]) ** -BETA
        return indices, weights / weights.max()

    def update(self, indices, td_errors):
        self.priorities[indices] = np.abs(td_errors).max(axis=1) + 1e-6
        self.renormalise()


def measure_numpy(rng):
    baseline = NumpyChoicePool(rng)
    indices, td_errors = rng.randint(0, POOL_SESSIONS, BATCH), rng.randn(BATCH, TICKS)
    return (time_per_call(baseline.sample, (), repeats=200),
            time_per_call(baseline.update, (indices, td_errors), repeats=200))


def main():
    print(__doc__.splitlines()[0])
    print_stack_info()
    rng = np.random.RandomState(0)
    ours, numpy_way = measure_sampler(rng), measure_numpy(rng)
    rows = [[name] + ["%.3f" % (1e3 * t) for t in a + b] + ["%.0fx" % (b[0] / a[0])]
            for name, a, b in zip(["sample 32 (+ weights)", "update 32 priorities"],
                                  ours, numpy_way)]
    print_table("%i sessions, batch %i, alpha %.1f, beta %.1f: ms per call (median of 5 rounds)"
                % (POOL_SESSIONS, BATCH, ALPHA, BETA),
                ["operation", "sum tree wall", "sum tree CPU", "np.random.choice wall",
                 "np.random.choice CPU", "speed-up (wall)"], rows)
    print("load average during the run: %.2f %.2f %.2f (on %i cores)"
          % (os.getloadavg() + (os.cpu_count(),)))


if __name__ == "__main__":
    main()
