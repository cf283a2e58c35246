"""Atari DQN loop throughput: env steps per second including learning.

Breakout with the DQN preprocessing (uint8 4x84x84 stacks), the Nature CNN,
8 games in an EnvPool, sessions of 9 ticks appended to a replay pool, and one
Adam update on a batch of 32 transitions (4 sessions x 8 learning ticks, as in
the Atari notebook: Q-learning looking ahead to the session's end against a
target network evaluated on the 4 last ticks it reads) per 4 environment
steps. Prints env steps per second with and without the learning, and the
compile time.

Usage: ``make bench`` or ``.venv/bin/python bench/atari_dqn_loop.py``.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (compile_dqn_step, nature_dqn_agent, print_stack_info,  # noqa: E402
                     print_table)

N_GAMES, SEQ_LENGTH, BATCH_SESSIONS, UPDATE_EVERY, ITERATIONS = 8, 9, 4, 4, 15


def build():
    from agentnet.experiments.openai_gym.pool import EnvPool
    from agentnet.experiments.openai_gym.wrappers import make_atari
    agent, qvalues, target = nature_dqn_agent(4, epsilon=0.5)
    pool = EnvPool(agent, lambda: make_atari("ALE/Breakout-v5"), n_games=N_GAMES, seed=0)
    replay = pool.experience_replay.sample_session_batch(BATCH_SESSIONS, replace=True)
    train, compile_seconds = compile_dqn_step(agent, qvalues, target, replay, SEQ_LENGTH,
                                              n_steps=None)
    return pool, train, target, compile_seconds


def rate(pool, learn):
    steps_per_update = N_GAMES * (SEQ_LENGTH - 1)
    started = time.perf_counter()
    for _ in range(ITERATIONS):
        pool.update(SEQ_LENGTH, append=True, max_size=1000)
        for _ in range(steps_per_update // UPDATE_EVERY if learn else 0):
            learn()
    return ITERATIONS * steps_per_update / (time.perf_counter() - started)


def main():
    print_stack_info()
    pool, train, target, compile_seconds = build()

    def learn():
        train()
        target.load_weights(0.01)
    rate(pool, learn)
    print_table("Atari DQN loop (Breakout, Nature CNN, %d games, batch 32 per %d env steps)"
                % (N_GAMES, UPDATE_EVERY),
                ["acting only (steps/s)", "acting + learning (steps/s)", "compile (s)"],
                [["%.0f" % rate(pool, None), "%.0f" % rate(pool, learn),
                  "%.1f" % compile_seconds]])


if __name__ == "__main__":
    main()
