"""CartPole env steps per second with learning: games in this process vs in a worker process.

The learner is the CartPole demo's DQN: a 4->64->64->2 MLP, epsilon-greedy,
2-step Q-learning against a soft-updated target network, Adam, on batches
of 32 sessions x 10 ticks from a pool of 2,000 sessions. Each pool update
records 8 games x 10 ticks (72 new env steps: the last tick of a session only
bootstraps); after it come ``train steps`` learning steps. Timed: the env
steps per second of that loop with :class:`EnvPool` (acting and learning
take turns on one core) and with :class:`ProcessEnvPool` and one worker
process (the worker plays the next segment while the learner learns; weights
and epsilon are pushed at every update, or every 4 updates). All learners
are built first; the timings then alternate between them, round after
round, so that a change in the load of a shared machine hits all of them;
the median is printed, with the range, the policy lag and the load.

Usage: ``.venv/bin/python bench/overlap.py [--updates N] [--rounds R]``.
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import print_stack_info, print_table  # noqa: E402

N_GAMES, SEQ_LENGTH, POOL_SIZE, BATCH = 8, 10, 2000, 32
TRAIN_STEPS = (32, 8)
SYNC_EVERY = (1, 4)
WARMUP_UPDATES = 5


def build_agent():
    """The demo's acting agent (no target network): every worker builds its own."""
    import theano
    from lasagne.layers import DenseLayer, InputLayer
    from agentnet import Agent
    from agentnet.resolver import EpsilonGreedyResolver
    observation = InputLayer((None, 4), name="observation")
    hidden = DenseLayer(DenseLayer(observation, 64, name="hidden1"), 64, name="hidden2")
    qvalues = DenseLayer(hidden, 2, nonlinearity=None, name="qvalues")
    epsilon = theano.shared(np.float32(0.1), name="epsilon")
    return Agent(observation, {}, qvalues, EpsilonGreedyResolver(qvalues, epsilon=epsilon,
                                                                  name="action"))


def epsilon_of(agent):
    """The synchronised variables: the resolver's epsilon."""
    return [agent.action_layers[0].epsilon]


def compile_training(agent, pool):
    """One Adam step of 2-step Q-learning on 32 sampled sessions; returns (step, target)."""
    import lasagne
    import theano
    from agentnet import Agent
    from agentnet.learning import qlearning
    from agentnet.learning.losses import huber_loss
    from agentnet.target_network import TargetNetwork
    qvalues = agent.policy[0]
    target = TargetNetwork(qvalues, name="target.")
    # the same layers with the target network's Q-values as a second policy output
    learner = Agent(agent.observation_layers[0], {}, [qvalues, target.output_layers],
                    agent.action_layers[0])
    replay = pool.experience_replay.sample_session_batch(BATCH, replace=True)
    _, _, _, _, (online, target_qvalues) = learner.get_sessions(
        replay, session_length=SEQ_LENGTH, experience_replay=True)
    loss = qlearning.get_elementwise_objective(
        online, replay.actions[0], replay.rewards, replay.is_alive,
        qvalues_target=target_qvalues, n_steps=2, gamma_or_gammas=0.99,
        loss_function=huber_loss, is_truncated=replay.is_truncated)
    loss = loss.sum() / replay.is_alive.sum()
    params = lasagne.layers.get_all_params(qvalues, trainable=True)
    updates = lasagne.updates.adam(loss, params, learning_rate=1e-3)
    return theano.function([], loss, updates=updates), target


def make_pool(mode, agent):
    """``mode`` is "in-process" or a worker's sync_every (weights pushed every that many updates)."""
    from agentnet.experiments.openai_gym import EnvPool, ProcessEnvPool
    if mode == "in-process":
        return EnvPool(agent, "CartPole-v1", n_games=N_GAMES, seed=0)
    return ProcessEnvPool(agent, build_agent, "CartPole-v1", n_games=N_GAMES, seed=0,
                          sync_every=mode, sync_variables=epsilon_of)


def learn(pool, train_step, target, n_updates, train_steps):
    """``n_updates`` x (one pool update, ``train_steps`` learning steps); returns seconds."""
    started = time.perf_counter()
    for _ in range(n_updates):
        pool.update(SEQ_LENGTH, append=True, max_size=POOL_SIZE)
        for _ in range(train_steps):
            train_step()
            target.load_weights(0.005)
    return time.perf_counter() - started


def prepare(mode):
    """A pool for ``mode``, its compiled training step and target, after a warm-up."""
    agent = build_agent()
    pool = make_pool(mode, agent)
    train_step, target = compile_training(agent, pool)
    learn(pool, train_step, target, WARMUP_UPDATES, 1)
    return pool, train_step, target


def measure(learners, n_updates, n_rounds):
    """Median env steps/s of every (train steps, mode), modes interleaved round by round."""
    env_steps = n_updates * N_GAMES * (SEQ_LENGTH - 1)
    rates = {}
    for _ in range(n_rounds):
        for steps in TRAIN_STEPS:
            for mode, (pool, train_step, target) in learners.items():
                seconds = learn(pool, train_step, target, n_updates, steps)
                rates.setdefault((steps, mode), []).append(env_steps / seconds)
    return rates


def uptime():
    return subprocess.run(["uptime"], stdout=subprocess.PIPE,
                          universal_newlines=True).stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=30, help="pool updates per timing")
    parser.add_argument("--rounds", type=int, default=3, help="timings per row (median)")
    args = parser.parse_args()
    print_stack_info()
    learners = {mode: prepare(mode) for mode in ("in-process",) + SYNC_EVERY}
    print("load before:", uptime())
    rates = measure(learners, args.updates, args.rounds)
    print("load after: ", uptime())
    print_table("CartPole-v1 env steps/s with learning (%i games x %i ticks per update, "
                "median of %i timings of %i updates, %i cores)"
                % (N_GAMES, SEQ_LENGTH, args.rounds, args.updates, os.cpu_count()),
                ["train steps per update", "games played", "env steps/s", "range",
                 "vs in-process", "policy lag (updates)"], table_rows(learners, rates))
    for mode in SYNC_EVERY:
        learners[mode][0].close()


def table_rows(learners, rates):
    rows = []
    for steps in TRAIN_STEPS:
        base = np.median(rates[steps, "in-process"])
        for mode, (pool, _, _) in learners.items():
            rate = rates[steps, mode]
            name = mode if mode == "in-process" else "1 worker, sync every %i" % mode
            lag = "0" if mode == "in-process" else "%i-%i" % (min(pool.policy_lags[1:]),
                                                            max(pool.policy_lags))
            rows.append([steps, name, "%.0f" % np.median(rate), "%.0f-%.0f" % (min(rate),
                                                                             max(rate)),
                         "%.2f" % (np.median(rate) / base), lag])
    return rows


if __name__ == "__main__":
    main()
