"""Cost of one Q-learning training step next to the forward pass it contains.

The agent is the 4->64->64->2 MLP with an epsilon-greedy resolver. A session
pool holds 32 random sessions of 10 ticks; one training step replays all of
them through ``agent.get_sessions(pool, experience_replay=True)``, computes the
3-step Q-learning loss and applies one Adam update (forward + backward +
update). The forward pass alone is the same replay compiled without the loss
gradient. Printed: milliseconds per call of each, their ratio, and the cold and
cached compile time of the training step.

Usage: ``make bench`` or ``.venv/bin/python bench/training_step.py``.
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (compile_timings, print_table, run_script, time_per_call,  # noqa: E402
                     warmup_dot)

BATCH, TICKS, N_ACTIONS = 32, 10, 2


def build_agent_and_pool():
    from lasagne.layers import DenseLayer, InputLayer
    from agentnet import Agent
    from agentnet.environment import SessionPoolEnvironment
    from agentnet.resolver import EpsilonGreedyResolver
    observation = InputLayer((None, 4), name="observation")
    hidden = DenseLayer(DenseLayer(observation, 64), 64)
    qvalues = DenseLayer(hidden, N_ACTIONS, nonlinearity=None)
    agent = Agent(observation, {}, qvalues, EpsilonGreedyResolver(qvalues, epsilon=0.1))
    pool = SessionPoolEnvironment(observations=observation, actions=1, agent_memories=[])
    rng = np.random.RandomState(0)
    pool.load_sessions([rng.randn(BATCH, TICKS, 4).astype("float32")],
                       [rng.randint(0, N_ACTIONS, size=(BATCH, TICKS)).astype("int32")],
                       rng.randn(BATCH, TICKS).astype("float32"),
                       np.ones((BATCH, TICKS), dtype="uint8"))
    return agent, qvalues, pool


def measure():
    import lasagne
    import theano
    from agentnet.learning import qlearning
    agent, qvalues, pool = build_agent_and_pool()
    _, _, _, _, q_seq = agent.get_sessions(pool, session_length=TICKS, experience_replay=True)
    loss = qlearning.get_elementwise_objective(q_seq, pool.actions[0], pool.rewards,
                                               pool.is_alive, n_steps=3).mean()
    params = lasagne.layers.get_all_params(qvalues, trainable=True)
    started = time.perf_counter()
    train_step = theano.function([], loss, updates=lasagne.updates.adam(loss, params, 1e-4))
    compile_seconds = time.perf_counter() - started
    forward = theano.function([], q_seq)
    return {"compile_s": compile_seconds,
            "train_ms": 1e3 * time_per_call(train_step, [], repeats=300),
            "forward_ms": 1e3 * time_per_call(forward, [], repeats=300)}


def report():
    cold, cached = compile_timings(__file__, "measure", "warmup")
    print_table("Q-learning training step, MLP agent, %d sessions x %d ticks (ms per call; "
                "compile in s)" % (BATCH, TICKS),
                ["train step", "forward only", "train/forward", "compile cold", "compile cached"],
                [["%.2f" % cached["train_ms"], "%.2f" % cached["forward_ms"],
                  "%.2f" % (cached["train_ms"] / cached["forward_ms"]),
                  "%.1f" % cold["compile_s"], "%.2f" % cached["compile_s"]]])


if __name__ == "__main__":
    run_script(__doc__, {"measure": measure, "warmup": warmup_dot}, report)
