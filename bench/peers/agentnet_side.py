"""The AgentNet side of ``make bench-peers``: one measurement per process.

Runs in the project's .venv with the library's defaults (Theano flags from the
environment) and prints one ``RESULT {json}`` line for :mod:`run` to read.
It reuses the project's own benchmarks: the Atari loop of
``bench/atari_dqn_loop.py``, the react latency of ``bench/react_latency.py``,
and, for replay memory, the Atari notebook's own agent and pool. Usage::

    python agentnet_side.py atari --iterations N
    python agentnet_side.py react --net mlp|nature_dqn
    python agentnet_side.py replay
"""
import argparse
import json
import os
import sys

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, BENCH)
from _common import emit  # noqa: E402

NOTEBOOK = os.path.join(os.path.dirname(BENCH), "examples",
                        "Playing Atari with Deep Reinforcement Learning.ipynb")
ATARI_WARMUP_ITERATIONS = 2   # pool updates (64 env steps each, with learning) before the window


def atari(args):
    """Env steps per second of bench/atari_dqn_loop.py's loop with learning.

    Its ``rate`` plays ``ITERATIONS`` pool updates of 8 games x 8 new ticks,
    each followed by 16 Adam steps on batches of 32 transitions (one per 4 env
    steps); a short warm-up with learning runs first, outside the window.
    """
    import atari_dqn_loop as loop
    pool, train, target, compile_seconds = loop.build()

    def learn():
        train()
        target.load_weights(0.01)
    loop.ITERATIONS = ATARI_WARMUP_ITERATIONS
    loop.rate(pool, learn)
    loop.ITERATIONS = args.iterations
    return {"steps_per_s": loop.rate(pool, learn), "compile_s": compile_seconds,
            "window": args.iterations * loop.N_GAMES * (loop.SEQ_LENGTH - 1)}


def react(args):
    """Microseconds per call of a greedy ``agent.get_react_function()`` at batch 1."""
    import react_latency
    if args.quick:
        react_latency.REPEATS = {name: n // 10 for name, n in react_latency.REPEATS.items()}
    result = react_latency.measure(args.net)
    return {"net": args.net, "react_us": result["greedy_us"],
            "forward_us": result["forward_us"]}


def notebook_code_cells(path):
    """Sources of the code cells of the notebook at ``path``, magics dropped."""
    with open(path) as handle:
        cells = json.load(handle)["cells"]
    return ["\n".join(line for line in "".join(cell["source"]).splitlines()
                      if not line.lstrip().startswith(("%", "!")))
            for cell in cells if cell["cell_type"] == "code"]


def notebook_namespace(until):
    """Run the Atari notebook's code cells in order until the name ``until`` is defined.

    Its directory goes on ``sys.path`` first, as a kernel started there has it: the notebook
    imports its agent module (``atari_dqn_agent``) from ``examples/``.
    """
    sys.path.insert(0, os.path.dirname(NOTEBOOK))
    namespace = {"__name__": "atari_notebook"}
    for source in notebook_code_cells(NOTEBOOK):
        exec(compile(source, NOTEBOOK, "exec"), namespace)
        if until in namespace:
            return namespace
    raise ValueError("`until` must be a name the notebook defines, got %r" % (until,))


def replay(args):
    """Bytes per stored transition of the Atari notebook's replay pool at its POOL_SIZE.

    The notebook's own cells build its agent and EnvPool; one pool update
    fixes every stored shape, then ``memory_estimate`` gives the bytes of
    POOL_SIZE sessions of SEQ_LENGTH ticks. Consecutive sessions share one
    tick, so each session holds SEQ_LENGTH - 1 transitions. Also returns
    bench/replay_pool.py's figure for the notebook's layout, as a cross-check.
    """
    notebook = notebook_namespace("pool")
    pool, length, size = notebook["pool"], notebook["SEQ_LENGTH"], notebook["POOL_SIZE"]
    pool.update(length, append=True, max_size=size)
    estimate = pool.experience_replay.memory_estimate(size, length)
    import replay_pool
    return {"bytes_per_transition": estimate["bytes_per_session"] / float(length - 1),
            "bytes_per_session": estimate["bytes_per_session"], "seq_length": length,
            "pool_sessions": size,
            "replay_pool_layout": replay_pool.window_layout_bytes_per_transition()}


MEASUREMENTS = {"atari": atari, "react": react, "replay": replay}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("measurement", choices=sorted(MEASUREMENTS))
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument("--net", choices=["mlp", "nature_dqn"], default="mlp")
    parser.add_argument("--quick", action="store_true")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    emit(MEASUREMENTS[args.measurement](args))


if __name__ == "__main__":
    main()
