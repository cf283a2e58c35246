"""Latency of ``agent.get_react_function()`` at batch 1, next to the bare network forward.

Agents: a 4->64->64->2 MLP with an epsilon-greedy resolver, and the Nature-DQN
convolutional network on a 4x84x84 uint8 frame stack. For each, the script
prints microseconds per call of the react function, of the same react function
with a greedy resolver, and of the bare Theano forward pass of the Q-values,
plus the cold and cached compile time of the react function.

Usage: ``make bench`` or ``.venv/bin/python bench/react_latency.py``.
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (compile_timings, print_stack_info, print_table, run_script,  # noqa: E402
                     time_per_call, warmup_dot)


def build_mlp():
    from lasagne.layers import DenseLayer, InputLayer
    observation = InputLayer((None, 4), name="observation")
    hidden = DenseLayer(DenseLayer(observation, 64), 64)
    qvalues = DenseLayer(hidden, 2, nonlinearity=None)
    return observation, qvalues, np.zeros((1, 4), dtype="float32")


def build_nature_dqn():
    import theano
    import theano.tensor as T
    from lasagne.layers import Conv2DLayer, DenseLayer, InputLayer, NonlinearityLayer
    frames = T.tensor4("frames", dtype="uint8")
    observation = InputLayer((None, 4, 84, 84), input_var=frames, name="frames")
    scaled = NonlinearityLayer(observation, lambda x: T.cast(x, theano.config.floatX) / 255.)
    conv = Conv2DLayer(scaled, 32, 8, stride=4)
    conv = Conv2DLayer(conv, 64, 4, stride=2)
    conv = Conv2DLayer(conv, 64, 3, stride=1)
    qvalues = DenseLayer(DenseLayer(conv, 512), 4, nonlinearity=None)
    return observation, qvalues, np.zeros((1, 4, 84, 84), dtype="uint8")


BUILDERS = {"mlp": build_mlp, "nature_dqn": build_nature_dqn}
REPEATS = {"mlp": 5000, "nature_dqn": 200}


def measure(name):
    import theano
    from lasagne.layers import get_output
    from agentnet import Agent
    from agentnet.resolver import EpsilonGreedyResolver, GreedyResolver
    observation, qvalues, batch = BUILDERS[name]()
    started = time.perf_counter()
    react = Agent(observation, {}, qvalues,
                  EpsilonGreedyResolver(qvalues, epsilon=0.1)).get_react_function()
    compile_seconds = time.perf_counter() - started
    greedy = Agent(observation, {}, qvalues, GreedyResolver(qvalues)).get_react_function()
    forward = theano.function([observation.input_var], get_output(qvalues))
    repeats = REPEATS[name]
    return {"compile_s": compile_seconds,
            "react_us": 1e6 * time_per_call(react, [batch], repeats),
            "greedy_us": 1e6 * time_per_call(greedy, [batch], repeats),
            "forward_us": 1e6 * time_per_call(forward, [batch], repeats)}


def report():
    print_stack_info()
    rows = []
    for name in sorted(BUILDERS):
        cold, cached = compile_timings(__file__, name, "warmup")
        rows.append([name, "%.1f" % cached["react_us"], "%.1f" % cached["greedy_us"],
                     "%.1f" % cached["forward_us"],
                     "%.2f" % (cached["react_us"] / cached["forward_us"]),
                     "%.1f" % cold["compile_s"], "%.2f" % cached["compile_s"]])
    print_table("react function latency, batch 1 (us per call; compile in s)",
                ["agent", "react e-greedy", "react greedy", "bare forward", "react/forward",
                 "compile cold", "compile cached"], rows)


if __name__ == "__main__":
    workers = {name: (lambda name=name: measure(name)) for name in BUILDERS}
    run_script(__doc__, dict(workers, warmup=warmup_dot), report)
