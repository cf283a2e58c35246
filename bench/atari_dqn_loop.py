"""Atari DQN loop throughput: env steps per second including learning.

Breakout with the DQN preprocessing (uint8 4x84x84 stacks), the Nature CNN,
8 games in an EnvPool, sessions of 5 ticks appended to a replay pool, and one
Adam update on a batch of 32 transitions (8 sessions x 4 learning ticks,
n-step Q-learning against a target network) per 4 environment steps. Prints
env steps per second with and without the learning, and the compile time.

Usage: ``make bench`` or ``.venv/bin/python bench/atari_dqn_loop.py``.
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import print_stack_info, print_table  # noqa: E402

N_GAMES, SEQ_LENGTH, BATCH_SESSIONS, UPDATE_EVERY, ITERATIONS = 8, 5, 8, 4, 30


def build():
    import theano
    import theano.tensor as T
    import lasagne
    from lasagne.layers import Conv2DLayer, DenseLayer, InputLayer, NonlinearityLayer
    from agentnet import Agent
    from agentnet.experiments.openai_gym.pool import EnvPool
    from agentnet.experiments.openai_gym.wrappers import make_atari
    from agentnet.learning import qlearning
    from agentnet.resolver import EpsilonGreedyResolver
    from agentnet.target_network import TargetNetwork
    frames = InputLayer((None, 4, 84, 84), input_var=T.tensor4("frames", dtype="uint8"))
    scaled = NonlinearityLayer(frames, lambda x: T.cast(x, theano.config.floatX) / 255.)
    conv = Conv2DLayer(scaled, 32, 8, stride=4)
    conv = Conv2DLayer(conv, 64, 4, stride=2)
    conv = Conv2DLayer(conv, 64, 3, stride=1)
    qvalues = DenseLayer(DenseLayer(conv, 512), 4, nonlinearity=None)
    target = TargetNetwork(qvalues)
    agent = Agent(frames, {}, [qvalues, target.output_layers],
                  EpsilonGreedyResolver(qvalues, epsilon=0.5))
    pool = EnvPool(agent, lambda: make_atari("ALE/Breakout-v5"), n_games=N_GAMES, seed=0)
    replay = pool.experience_replay.sample_session_batch(BATCH_SESSIONS, replace=True)
    _, _, _, _, (q_seq, target_seq) = agent.get_sessions(replay, SEQ_LENGTH,
                                                         experience_replay=True)
    loss = qlearning.get_elementwise_objective(q_seq, replay.actions[0], replay.rewards,
                                               replay.is_alive, qvalues_target=target_seq,
                                               n_steps=3).sum()
    params = lasagne.layers.get_all_params(qvalues, trainable=True)
    started = time.perf_counter()
    train = theano.function([], loss, updates=lasagne.updates.adam(loss, params, 1e-4))
    return pool, train, target, time.perf_counter() - started


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
                [["%.0f" % rate(pool, None), "%.0f" % rate(pool, learn), "%.1f" % compile_seconds]])


if __name__ == "__main__":
    main()
