"""Throughput of ``agent.get_sessions`` (ticks per second), batch 32 x 100 ticks, GRU agent.

The agent (GRUCell of 64 units, linear Q-values, epsilon-greedy resolver)
plays the boolean-reasoning environment inside one compiled ``theano.scan``
(``unroll_scan=False``). Prints simulated ticks per second (batch x ticks per
second of wall time) and the cold and cached compile times.

Usage: ``make bench`` or ``.venv/bin/python bench/sessions_throughput.py``.
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (compile_timings, print_stack_info, print_table, run_script,  # noqa: E402
                     time_per_call)

BATCH, TICKS, UNITS = 32, 100, 64


def build_agent(env):
    from lasagne.layers import DenseLayer, InputLayer
    from agentnet import Agent
    from agentnet.memory import GRUCell
    from agentnet.resolver import EpsilonGreedyResolver
    observation = InputLayer((None,) + tuple(env.observation_shapes))
    prev_memory = InputLayer((None, UNITS))
    memory = GRUCell(prev_memory, observation, name="gru")
    qvalues = DenseLayer(memory, env.n_actions, nonlinearity=None)
    action = EpsilonGreedyResolver(qvalues, epsilon=0.1)
    return Agent(observation, {memory: prev_memory}, qvalues, action)


def measure():
    import theano
    from agentnet.experiments.boolean_reasoning import BooleanReasoningEnvironment
    env = BooleanReasoningEnvironment()
    env.generate_new_data_batch(BATCH)
    agent = build_agent(env)
    started = time.perf_counter()
    _, _, _, actions, qvalues, updates = agent.get_sessions(
        env, session_length=TICKS, batch_size=env.batch_size, unroll_scan=False,
        return_automatic_updates=True)
    play = theano.function([], [actions, qvalues], updates=updates)
    compile_seconds = time.perf_counter() - started
    seconds = time_per_call(play, [], repeats=20, rounds=5)
    return {"compile_s": compile_seconds, "ticks_per_s": BATCH * TICKS / seconds,
            "ms_per_call": 1e3 * seconds}


def warmup():
    import theano
    import theano.tensor as T
    x = T.vector()
    result, _ = theano.scan(lambda v: v * 2, sequences=[x])
    theano.function([x], result)(np.ones(3, dtype=theano.config.floatX))
    return {}


def report():
    print_stack_info()
    cold, cached = compile_timings(__file__, "sessions", "warmup")
    print_table("get_sessions, GRU(64) agent, batch %d x %d ticks" % (BATCH, TICKS),
                ["ticks per s", "ms per call", "compile cold (s)", "compile cached (s)"],
                [["%.0f" % cached["ticks_per_s"], "%.1f" % cached["ms_per_call"],
                  "%.1f" % cold["compile_s"], "%.1f" % cached["compile_s"]]])


if __name__ == "__main__":
    run_script(__doc__, {"sessions": measure, "warmup": warmup}, report)
