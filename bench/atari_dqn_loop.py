"""Atari DQN loop throughput: env steps per second including learning.

The loop is the Atari notebook's, built by the notebook's own code cells
(``examples/Playing Atari with Deep Reinforcement Learning.ipynb``): Breakout
with the DQN preprocessing, one uint8 84x84 frame per tick in a 4-frame window
memory, the Nature CNN, 8 games recording sessions of 9 ticks, and after each
pool update (64 new env steps) 16 Adam steps on batches of 4 sessions x 8
learning ticks = 32 transitions (one per 4 env steps), each followed by the
soft target update. Timed twice, in alternating rounds so that a change in
the machine's load hits both: as the notebook runs by default (one game
worker process plays the next sessions while this process learns) and with
``AGENTNET_WORKERS=0`` (acting and learning take turns in one process).
Printed per configuration: the median env steps per second with learning
(and its range), the milliseconds per update spent in ``pool.update``
(playing, or waiting for the worker and storing), the policy lag, and the
compile time of the training step.

Usage: ``make bench`` or ``.venv/bin/python bench/atari_dqn_loop.py [--rounds R]``.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import notebook_namespace, print_stack_info, print_table  # noqa: E402

ITERATIONS, WARMUP_ITERATIONS = 10, 2  # pool updates per timed round / before the first


def build(workers):
    """The notebook's pool and training step with ``workers`` game processes (None: its default).

    Returns a dict with ``pool``, ``train_step``, ``target``, the notebook's
    loop constants, ``workers`` and ``compile_s`` (seconds of the cell that
    compiles the training step).
    """
    saved = os.environ.get("AGENTNET_WORKERS")
    if workers is not None:
        os.environ["AGENTNET_WORKERS"] = str(workers)
    try:
        cell_seconds = []
        notebook = notebook_namespace("train_step", cell_seconds=cell_seconds)
    finally:
        if saved is None:
            os.environ.pop("AGENTNET_WORKERS", None)
        else:
            os.environ["AGENTNET_WORKERS"] = saved
    names = ("pool", "train_step", "target", "N_GAMES", "SEQ_LENGTH", "POOL_SIZE",
             "UPDATE_EVERY_STEPS", "TARGET_TAU")
    parts = {name: notebook[name] for name in names}
    parts.update(workers=notebook["N_WORKERS"], compile_s=cell_seconds[-1])
    return parts


def rate(parts, iterations):
    """Run ``iterations`` pool updates, each followed by its training steps, and time them.

    Returns a dict: ``steps_per_s`` (new env steps per second of wall time),
    ``update_ms`` (mean milliseconds per ``pool.update`` call) and ``env_steps``.
    """
    pool, length = parts["pool"], parts["SEQ_LENGTH"]
    steps_per_update = parts["N_GAMES"] * (length - 1)
    in_update = 0.0
    started = time.perf_counter()
    for _ in range(iterations):
        update_started = time.perf_counter()
        pool.update(length, append=True, max_size=parts["POOL_SIZE"])
        in_update += time.perf_counter() - update_started
        for _ in range(steps_per_update // parts["UPDATE_EVERY_STEPS"]):
            parts["train_step"]()
            parts["target"].load_weights(parts["TARGET_TAU"])
    elapsed = time.perf_counter() - started
    return {"steps_per_s": iterations * steps_per_update / elapsed,
            "update_ms": 1e3 * in_update / iterations, "env_steps": iterations * steps_per_update}


def policy_lag(pool):
    """The largest policy lag of the stored segments, in pool updates (0 without workers)."""
    return max(getattr(pool, "policy_lags", None) or [0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    print_stack_info()
    configurations = {"notebook default": build(None), "AGENTNET_WORKERS=0": build(0)}
    results = {name: [] for name in configurations}
    for parts in configurations.values():
        rate(parts, WARMUP_ITERATIONS)
    for _ in range(rounds):
        for name, parts in configurations.items():
            results[name].append(rate(parts, ITERATIONS))
    rows = []
    for name, parts in configurations.items():
        rates = [result["steps_per_s"] for result in results[name]]
        rows.append([name, parts["workers"], "%.1f" % np.median(rates),
                     "%.1f-%.1f" % (min(rates), max(rates)),
                     "%.0f" % np.median([result["update_ms"] for result in results[name]]),
                     policy_lag(parts["pool"]), "%.1f" % parts["compile_s"]])
    print_table("Atari DQN notebook loop (Breakout, Nature CNN, 8 games, batch 32 per 4 env "
                "steps; %d rounds of %d updates)" % (rounds, ITERATIONS),
                ["configuration", "workers", "env steps/s with learning", "range",
                 "ms in pool.update", "max policy lag", "compile (s)"], rows)


if __name__ == "__main__":
    main()
