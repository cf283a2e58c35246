"""Cost of one Q-learning training step next to the forward pass it contains.

The agent is the 4->64->64->2 MLP with an epsilon-greedy resolver. A session
pool holds 32 random sessions of 10 ticks; one training step replays all of
them through ``agent.get_sessions(pool, experience_replay=True)``, computes the
3-step Q-learning loss and applies one Adam update (forward + backward +
update). The forward pass alone is the same replay compiled without the loss
gradient. Printed: milliseconds per call of each, their ratio, and the cold and
cached compile time of the training step.

The Atari step is the Nature-DQN one: the online network (three
convolutions, 512 hidden units, 4 actions) on 8 replayed sessions x 5 ticks =
40 uint8 4x84x84 frame stacks and the target network on the 16 its 3-step
reference reads, 3-step Q-learning against the target,
one Adam update, in float32. It is timed (wall time, and processor time of all
threads per step) in the shared compile cache with the OpenBLAS kernel
AgentNet selects and, when AgentNet selected one, again with
``AGENTNET_NO_BLAS_TUNING=1`` (OpenBLAS's own choice), and with
``AGENTNET_NO_THREAD_TUNING=1`` (serial convolutions, OpenBLAS's own thread
count; see :mod:`agentnet_compat.threads`); the first loss shows they compute
the same.

Usage: ``make bench`` or ``.venv/bin/python bench/training_step.py``.
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (compile_dqn_step, compile_timings, nature_dqn_agent,  # noqa: E402
                     print_stack_info, print_table, run_script,
                     run_worker, time_per_call, warmup_dot)

BATCH, TICKS, N_ACTIONS = 32, 10, 2
ATARI_SESSIONS, ATARI_TICKS, ATARI_ACTIONS = 8, 5, 4


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


def build_atari_step():
    """Compiled Nature-DQN training step on a pool of random frames; returns (step, seconds)."""
    from agentnet.environment import SessionPoolEnvironment
    np.random.seed(0)
    agent, qvalues, target = nature_dqn_agent(ATARI_ACTIONS, epsilon=0.1)
    pool = SessionPoolEnvironment(observations=agent.observation_layers[0], actions=1,
                                  agent_memories=[])
    shape = (ATARI_SESSIONS, ATARI_TICKS)
    pool.load_sessions([np.random.randint(0, 256, shape + (4, 84, 84)).astype("uint8")],
                       [np.random.randint(0, ATARI_ACTIONS, shape).astype("int32")],
                       np.random.randn(*shape).astype("float32"), np.ones(shape, dtype="uint8"))
    return compile_dqn_step(agent, qvalues, target, pool, ATARI_TICKS)


def theano_blas_kernel():
    """Kernel of the OpenBLAS that Theano links, or a note that it uses numpy's BLAS."""
    import theano
    from agentnet.info import blas_libraries
    kernels = [library["corename"] for library in blas_libraries(theano.config.blas.ldflags)
               if library["owner"] == "Theano's"]
    return kernels[0] if kernels else "numpy's BLAS"


def measure_atari():
    from agentnet_compat import blas as openblas_setup
    step, compile_seconds = build_atari_step()
    first_loss = float(step())
    repeats, rounds = 5, 7
    # Processor time (all threads) as well: less sensitive than wall time to a busy host.
    started = time.process_time()
    wall_ms = 1e3 * time_per_call(step, [], repeats=repeats, rounds=rounds)
    cpu_ms = 1e3 * (time.process_time() - started) / (1 + repeats * rounds)
    return {"compile_s": compile_seconds, "first_loss": first_loss, "train_ms": wall_ms,
            "cpu_ms": cpu_ms, "corename": theano_blas_kernel(),
            "origin": openblas_setup.openblas_coretype_origin()}


def report_atari():
    runs = [("as configured", run_worker(__file__, "atari")),
            ("AGENTNET_NO_THREAD_TUNING=1",
             run_worker(__file__, "atari", environment={"AGENTNET_NO_THREAD_TUNING": "1"}))]
    if runs[0][1]["origin"] == "agentnet":
        runs.append(("AGENTNET_NO_BLAS_TUNING=1",
                     run_worker(__file__, "atari", environment={"AGENTNET_NO_BLAS_TUNING": "1"})))
    print_table("Nature-DQN training step, online net on %d uint8 frame stacks + target net where "
                "read, Adam "
                "(ms per call; compile in s, shared cache)" % (ATARI_SESSIONS * ATARI_TICKS),
                ["BLAS setting", "OpenBLAS kernel", "train step", "CPU time", "first loss",
                 "compile"],
                [[name, run["corename"], "%.1f" % run["train_ms"], "%.1f" % run["cpu_ms"],
                  "%.7g" % run["first_loss"], "%.1f" % run["compile_s"]] for name, run in runs])


def report():
    print_stack_info()
    report_atari()
    cold, cached = compile_timings(__file__, "measure", "warmup")
    print_table("Q-learning training step, MLP agent, %d sessions x %d ticks (ms per call; "
                "compile in s)" % (BATCH, TICKS),
                ["train step", "forward only", "train/forward", "compile cold", "compile cached"],
                [["%.2f" % cached["train_ms"], "%.2f" % cached["forward_ms"],
                  "%.2f" % (cached["train_ms"] / cached["forward_ms"]),
                  "%.1f" % cold["compile_s"], "%.2f" % cached["compile_s"]]])


if __name__ == "__main__":
    run_script(__doc__, {"measure": measure, "atari": measure_atari, "warmup": warmup_dot},
               report)
