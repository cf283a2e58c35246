"""Atari DQN loop with its games played by 0, 1 or 2 Ray workers: env steps/s with learning.

The loop of ``bench/atari_dqn_loop.py`` (Breakout, Nature CNN, 8 games in
all, sessions of 5 ticks, one Adam update on 32 transitions per 4 env
steps), with the games in this process (0 workers: :class:`EnvPool`, acting
and learning take turns) or in Ray actors (:class:`RayEnvPool`: the workers
play the next segment while the learner learns). For each it prints env
steps per second with learning, and per pool update the milliseconds the
learner spent learning and waiting for the games: when the wait is near
zero, the learner is the bound and more workers cannot help.

Usage: ``.venv/bin/python bench/ray_workers.py [--iterations N]`` (a local
Ray with 2 CPUs is started and stopped).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (breakout_agent, compile_dqn_step, make_breakout,  # noqa: E402
                     nature_dqn_agent, print_stack_info, print_table)

N_GAMES, SEQ_LENGTH, BATCH_SESSIONS, UPDATE_EVERY = 8, 5, 8, 4


def make_pool(agent, n_workers):
    if n_workers == 0:
        from agentnet.experiments.openai_gym.pool import EnvPool
        return EnvPool(agent, make_breakout, n_games=N_GAMES, seed=0)
    from agentnet.distributed import RayEnvPool
    return RayEnvPool(agent, breakout_agent, make_breakout, n_games=N_GAMES // n_workers,
                      n_workers=n_workers, seed=0, sync_every=4)


def measure(n_workers, iterations):
    """(env steps/s with learning, ms learning per update, ms waiting per update, compile s)."""
    agent, qvalues, target = nature_dqn_agent(4, epsilon=0.5)
    pool = make_pool(agent, n_workers)
    replay = pool.experience_replay.sample_session_batch(BATCH_SESSIONS, replace=True)
    train, compile_seconds = compile_dqn_step(agent, qvalues, target, replay, SEQ_LENGTH)
    steps_per_update = N_GAMES * (SEQ_LENGTH - 1)
    learning = waiting = 0.0
    for iteration in range(iterations + 3):  # 3 warm-up updates (workers compiling, first pushes)
        if iteration == 3:
            learning, waiting, started = 0.0, 0.0, time.perf_counter()
        before = time.perf_counter()
        pool.update(SEQ_LENGTH, append=True, max_size=1000)
        waiting += time.perf_counter() - before
        before = time.perf_counter()
        for _ in range(steps_per_update // UPDATE_EVERY):
            train()
            target.load_weights(0.01)
        learning += time.perf_counter() - before
    elapsed = time.perf_counter() - started
    if n_workers:
        pool.close()
    return (iterations * steps_per_update / elapsed, 1000 * learning / iterations,
            1000 * waiting / iterations, compile_seconds)


def _bound(n_workers, learning, waiting):
    """What limits the loop: in-process, acting and learning take turns (both count)."""
    if n_workers == 0:
        return "acting + learning"
    return "learner" if waiting < 0.1 * learning else "games"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args()
    print_stack_info()
    from agentnet.distributed._ray import start_ray, stop_ray
    start_ray(num_cpus=2)
    try:
        rows = []
        for n_workers in (0, 1, 2):
            rate, learning, waiting, compile_seconds = measure(n_workers, args.iterations)
            rows.append([str(n_workers), "%.1f" % rate, "%.0f" % learning, "%.0f" % waiting,
                         _bound(n_workers, learning, waiting), "%.1f" % compile_seconds])
    finally:
        stop_ray()
    print_table("Atari DQN loop with Ray game workers (Breakout, Nature CNN, %d games in all, "
                "batch 32 per %d env steps, %s, load %.1f; 0 workers: 'waiting' is the acting "
                "time of the in-process EnvPool)"
                % (N_GAMES, UPDATE_EVERY, "%d cores" % os.cpu_count(), os.getloadavg()[0]),
                ["workers", "env steps/s", "learning ms/update", "waiting ms/update",
                 "bound", "compile (s)"], rows)


if __name__ == "__main__":
    main()
