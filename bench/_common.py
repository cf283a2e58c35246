"""Shared helpers of the benchmark scripts: timing, cold/cached compile runs, the stack."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

__all__ = ["notebook_namespace", "nature_dqn_agent", "breakout_agent", "make_breakout",
           "compile_dqn_step", "time_per_call", "compile_timings", "print_table", "emit",
           "warmup_dot", "run_script", "run_worker", "print_stack_info"]


def time_per_call(function, args, repeats=2000, rounds=5):
    """Median over ``rounds`` of the mean seconds per call of ``function(*args)``."""
    function(*args)
    means = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(repeats):
            function(*args)
        means.append((time.perf_counter() - started) / repeats)
    return float(np.median(means))


def emit(result):
    """Print a worker's result as one JSON line (read by :func:`compile_timings`)."""
    print("RESULT " + json.dumps(result))


def print_stack_info():
    """Print ``python -m agentnet.info`` (versions, BLAS kernel, threads) as a fresh process
    with this environment sees it, so that every benchmark states what it ran on."""
    sys.stdout.flush()
    subprocess.run([sys.executable, "-m", "agentnet.info"], check=False)
    print()


def run_worker(script, worker, compiledir=None, environment=None):
    """Run ``script --worker NAME`` in a fresh process; return the result it emitted.

    ``compiledir`` (default: THEANO_FLAGS' own) is appended to THEANO_FLAGS;
    ``environment`` adds or replaces environment variables for that process.
    """
    flags = [f for f in (os.environ.get("THEANO_FLAGS"),
                         compiledir and "base_compiledir=%s" % compiledir) if f]
    env = dict(os.environ, THEANO_FLAGS=",".join(flags), **(environment or {}))
    output = subprocess.run([sys.executable, script, "--worker", worker], env=env, check=True,
                            stdout=subprocess.PIPE, universal_newlines=True).stdout
    line = [text for text in output.splitlines() if text.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def compile_timings(script, worker, warmup_worker):
    """Run ``worker`` twice in fresh processes on a new compile directory.

    The directory is first warmed by ``warmup_worker`` (Theano's own C
    modules), so the first run measures the graph's cold compile and the
    second its cached compile. Returns ``(cold_result, cached_result)``.
    """
    with tempfile.TemporaryDirectory(prefix="agentnet-bench-") as compiledir:
        run_worker(script, warmup_worker, compiledir)
        cold = run_worker(script, worker, compiledir)
        cached = run_worker(script, worker, compiledir)
    return cold, cached


def print_table(title, header, rows):
    """Print a plain-text table."""
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    print("\n" + title)
    for row in [header, ["-" * w for w in widths]] + rows:
        print("  ".join(str(x).rjust(w) for x, w in zip(row, widths)))


def warmup_dot():
    """Compile a tiny dot product: warms Theano's own C modules, not the graph under test."""
    import theano
    import theano.tensor as T
    x = T.matrix()
    theano.function([x], T.dot(x, x) + 1)(np.eye(2, dtype=theano.config.floatX))
    return {}


def run_script(doc, workers, report):
    """Entry point of a script whose measurements run in fresh worker processes.

    With ``--worker NAME`` the process runs ``workers[NAME]()`` and prints its
    result for :func:`compile_timings`; without it, ``report()`` runs.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--worker", choices=sorted(workers))
    worker = parser.parse_args().worker
    if worker:
        emit(workers[worker]())
    else:
        report()


ATARI_NOTEBOOK = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                              "examples", "Playing Atari with Deep Reinforcement Learning.ipynb")


def notebook_code_cells(path):
    """Sources of the code cells of the notebook at ``path``, magics dropped."""
    with open(path) as handle:
        cells = json.load(handle)["cells"]
    return ["\n".join(line for line in "".join(cell["source"]).splitlines()
                      if not line.lstrip().startswith(("%", "!")))
            for cell in cells if cell["cell_type"] == "code"]


def notebook_namespace(until, path=ATARI_NOTEBOOK, cell_seconds=None):
    """Run a notebook's code cells in order until the name ``until`` is defined.

    Its directory goes on ``sys.path`` first, as a kernel started there has it
    (the Atari notebook imports ``atari_dqn_agent`` from ``examples/``). With a
    list as ``cell_seconds``, the wall time of each cell run is appended to it.
    Returns the namespace (a dict of the names the cells defined).
    """
    if os.path.dirname(path) not in sys.path:
        sys.path.insert(0, os.path.dirname(path))
    namespace = {"__name__": "notebook"}
    for source in notebook_code_cells(path):
        started = time.perf_counter()
        exec(compile(source, path, "exec"), namespace)
        if cell_seconds is not None:
            cell_seconds.append(time.perf_counter() - started)
        if until in namespace:
            return namespace
    raise ValueError("`until` must be a name the notebook defines, got %r" % (until,))


def nature_dqn_agent(n_actions, epsilon):
    """Nature-DQN agent on uint8 4x84x84 stacks (scaled inside) with a target network.

    The agent's policy is the online Q-values only: :func:`compile_dqn_step`
    evaluates the target network on the ticks its reference reads.
    Returns ``(agent, qvalues, target)``.
    """
    import theano
    import theano.tensor as T
    from lasagne.layers import Conv2DLayer, DenseLayer, InputLayer, NonlinearityLayer
    from agentnet import Agent
    from agentnet.resolver import EpsilonGreedyResolver
    from agentnet.target_network import TargetNetwork
    frames = InputLayer((None, 4, 84, 84), input_var=T.tensor4("frames", dtype="uint8"))
    network = NonlinearityLayer(frames, lambda x: T.cast(x, theano.config.floatX) / 255.)
    for filters, size, stride in ((32, 8, 4), (64, 4, 2), (64, 3, 1)):
        network = Conv2DLayer(network, filters, size, stride=stride)
    qvalues = DenseLayer(DenseLayer(network, 512), n_actions, nonlinearity=None)
    target = TargetNetwork(qvalues)
    agent = Agent(frames, {}, [qvalues], EpsilonGreedyResolver(qvalues, epsilon=epsilon))
    return agent, qvalues, target


def breakout_agent():
    """The acting agent of Ray game workers: :func:`nature_dqn_agent` for Breakout's 4 actions."""
    return nature_dqn_agent(4, epsilon=0.5)[0]


def make_breakout():
    """Breakout with the DQN preprocessing (uint8 4x84x84 stacks)."""
    from agentnet.experiments.openai_gym.wrappers import make_atari
    return make_atari("ALE/Breakout-v5")


def compile_dqn_step(agent, qvalues, target, replay, n_ticks, n_steps=3):
    """One Adam step (lr 1e-4) of n-step Q-learning on ``replay``; returns (step, compile s).

    Each network runs only where the loss needs it (:mod:`agentnet.learning.bootstrap`):
    the online one on the ticks with a loss (all but the last), the target one on
    the ticks the reference reads (2 of 5 with ``n_ticks=5, n_steps=3``, the
    last one with ``n_steps=None``).
    """
    import lasagne
    import theano
    from agentnet.learning import qlearning
    from agentnet.learning.bootstrap import (bootstrap_value_mask, get_output_on_ticks,
                                             loss_tick_mask)
    _, observations, _, _, _ = agent.get_sessions(replay, n_ticks, experience_replay=True)
    frames = {agent.observation_layers[0]: observations}
    q_seq = get_output_on_ticks(qvalues, frames, loss_tick_mask(n_ticks))
    target_seq = get_output_on_ticks(target.output_layers, frames,
                                     bootstrap_value_mask(n_ticks, n_steps))
    loss = qlearning.get_elementwise_objective(q_seq, replay.actions[0], replay.rewards,
                                               replay.is_alive, qvalues_target=target_seq,
                                               n_steps=n_steps).sum()
    params = lasagne.layers.get_all_params(qvalues, trainable=True)
    started = time.perf_counter()
    step = theano.function([], loss, updates=lasagne.updates.adam(loss, params, 1e-4))
    return step, time.perf_counter() - started
