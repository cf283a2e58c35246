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
the median is printed, with the range, the policy lag, the load and, per
update, the milliseconds spent in ``pool.update`` (playing, for EnvPool;
waiting for the worker and storing, otherwise: near zero when the worker
keeps up) and the CPU milliseconds of the learner's and the worker's
process. On a machine kept busy by other sessions the wall-clock numbers
cannot show overlap (see the last line printed, and the "Acting and learning
at the same time" guide page), so the CPU times also give the rate each
configuration would reach with a core per process.

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
    """``mode`` is "in-process" or a worker's sync_every (weights pushed every that many)."""
    from agentnet.experiments.openai_gym import EnvPool, ProcessEnvPool
    if mode == "in-process":
        return EnvPool(agent, "CartPole-v1", n_games=N_GAMES, seed=0)
    return ProcessEnvPool(agent, build_agent, "CartPole-v1", n_games=N_GAMES, seed=0,
                          sync_every=mode, sync_variables=epsilon_of)


def _worker_cpu_seconds(pool):
    """CPU seconds (user + system) used so far by the pool's worker processes (0 for EnvPool)."""
    import psutil
    return sum(sum(psutil.Process(p.pid).cpu_times()[:2]) for p in getattr(pool, "processes", []))


def learn(pool, train_step, target, n_updates, train_steps):
    """``n_updates`` x (one pool update, ``train_steps`` learning steps).

    Returns
    -------
    dict
        Per update, in ms: ``wall``; ``in_update``, spent in ``pool.update``
        (playing, for EnvPool; waiting for the worker and storing,
        otherwise); ``learner_cpu`` and ``worker_cpu``, CPU time of the
        learner's and the worker's process (all their threads).
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    worker_started, in_update = _worker_cpu_seconds(pool), 0.0
    for _ in range(n_updates):
        update_started = time.perf_counter()
        pool.update(SEQ_LENGTH, append=True, max_size=POOL_SIZE)
        in_update += time.perf_counter() - update_started
        for _ in range(train_steps):
            train_step()
            target.load_weights(0.005)
    seconds = {"wall": time.perf_counter() - started, "in_update": in_update,
               "learner_cpu": time.process_time() - cpu_started,
               "worker_cpu": _worker_cpu_seconds(pool) - worker_started}
    return {name: 1e3 * value / n_updates for name, value in seconds.items()}


def prepare(mode):
    """A pool for ``mode``, its compiled training step and target, after a warm-up."""
    agent = build_agent()
    pool = make_pool(mode, agent)
    train_step, target = compile_training(agent, pool)
    learn(pool, train_step, target, WARMUP_UPDATES, 1)
    return pool, train_step, target


def measure(learners, n_updates, n_rounds):
    """``{(train steps, mode): {metric: [ms per update, one per round]}}`` (see :func:`learn`).

    The modes are interleaved round by round.
    """
    results = {}
    for _ in range(n_rounds):
        for steps in TRAIN_STEPS:
            for mode, (pool, train_step, target) in learners.items():
                row = results.setdefault((steps, mode), {})
                for name, value in learn(pool, train_step, target, n_updates, steps).items():
                    row.setdefault(name, []).append(value)
    return results


def _spin(seconds, results):
    """Count loop iterations for ``seconds``: a measure of the CPU this process gets."""
    started, count = time.perf_counter(), 0
    while time.perf_counter() - started < seconds:
        count += 1
    results.put(count)


def second_core_share(seconds=1.0):
    """Work done by two busy processes of this session over the work of one (2 = a free core).

    With the kernel's autogroup scheduling, all processes of one session share
    that session's CPU share: on a machine kept busy by other sessions a
    worker process then gets no second core, whatever the core count.
    """
    import multiprocessing
    context = multiprocessing.get_context("spawn")
    work = []
    for n_processes in (1, 2):
        results = context.Queue()
        processes = [context.Process(target=_spin, args=(seconds, results))
                     for _ in range(n_processes)]
        for process in processes:
            process.start()
        work.append(sum(results.get() for _ in processes))
        for process in processes:
            process.join()
    return work[1] / work[0]


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
    results = measure(learners, args.updates, args.rounds)
    print("load after: ", uptime())
    print_table("CartPole-v1 env steps/s with learning (%i games x %i ticks per update, "
                "median of %i timings of %i updates, %i cores)"
                % (N_GAMES, SEQ_LENGTH, args.rounds, args.updates, os.cpu_count()),
                ["train steps per update", "games played", "env steps/s", "range",
                 "vs in-process", "ms in update()", "learner CPU ms", "worker CPU ms",
                 "env steps/s, free core (est.)", "policy lag (updates)"],
                table_rows(learners, results))
    print("CPU ms are per update. The estimate assumes each process has a core of its own: "
          "72 env steps / max(learner CPU, worker CPU).")
    print("CPU this session gets with 2 busy processes instead of 1: %.2fx (2 = a free core)"
          % second_core_share())
    for mode in SYNC_EVERY:
        learners[mode][0].close()


def table_rows(learners, results):
    rows = []
    env_steps = N_GAMES * (SEQ_LENGTH - 1)
    for steps in TRAIN_STEPS:
        base = env_steps / np.median(results[steps, "in-process"]["wall"])
        for mode, (pool, _, _) in learners.items():
            ms = {name: np.median(values) for name, values in results[steps, mode].items()}
            rates = [1e3 * env_steps / wall for wall in results[steps, mode]["wall"]]
            name = mode if mode == "in-process" else "1 worker, sync every %i" % mode
            lag = "0" if mode == "in-process" else "%i-%i" % (min(pool.policy_lags[1:]),
                                                            max(pool.policy_lags))
            rows.append([steps, name, "%.0f" % np.median(rates),
                         "%.0f-%.0f" % (min(rates), max(rates)),
                         "%.2f" % (np.median(rates) / base / 1e3), "%.1f" % ms["in_update"],
                         "%.1f" % ms["learner_cpu"], "%.1f" % ms["worker_cpu"],
                         "%.0f" % (1e3 * env_steps / max(ms["learner_cpu"], ms["worker_cpu"])),
                         lag])
    return rows


if __name__ == "__main__":
    main()
