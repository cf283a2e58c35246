"""The AgentNet side of ``make bench-peers``: one measurement per process.

Runs in the project's .venv with the library's defaults (Theano flags from the
environment) and prints one ``RESULT {json}`` line for :mod:`run` to read.
It reuses the project's own benchmarks: the Atari notebook's loop of
``bench/atari_dqn_loop.py``, the react latency of ``bench/react_latency.py``,
and, for replay memory, the Atari notebook's own agent and pool. Usage::

    python agentnet_side.py atari --iterations N
    python agentnet_side.py train-step
    python agentnet_side.py react --net mlp|nature_dqn
    python agentnet_side.py replay
"""
import argparse
import os
import sys

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, BENCH)
from _common import emit, notebook_namespace, time_per_call  # noqa: E402

ATARI_WARMUP_ITERATIONS = 2   # pool updates (64 env steps each, with learning) before the window


def atari(args):
    """Env steps per second of the Atari notebook's loop with learning (bench/atari_dqn_loop.py).

    The notebook's own cells build it as they run by default: one game worker
    process plays while this process learns, 16 Adam steps on batches of 32
    transitions per pool update of 8 games x 8 new ticks (one per 4 env
    steps); a short warm-up with learning runs first, outside the window.
    """
    import atari_dqn_loop as loop
    parts = loop.build(workers=None)
    loop.rate(parts, ATARI_WARMUP_ITERATIONS)
    measured = loop.rate(parts, args.iterations)
    return {"steps_per_s": measured["steps_per_s"], "compile_s": parts["compile_s"],
            "workers": parts["workers"], "window": measured["env_steps"]}


def train_step(args):
    """Milliseconds per training update of the Atari notebook: train step, soft target update.

    The learner alone, no env steps, built by the notebook's own cells with
    its games in this process: 4 replayed sessions x 8 learning ticks = 32
    transitions sampled from the pool, the online network on them, the target
    network on the ticks the reference reads, one Adam step, then the
    notebook's per-update soft target update. The pool holds a few updates'
    sessions first.
    """
    import atari_dqn_loop as loop
    parts = loop.build(workers=0)
    for _ in range(3):
        parts["pool"].update(parts["SEQ_LENGTH"], append=True, max_size=parts["POOL_SIZE"])

    def update():
        parts["train_step"]()
        parts["target"].load_weights(parts["TARGET_TAU"])
    seconds = time_per_call(update, [], 10 if args.quick else 50)
    return {"step_ms": 1e3 * seconds}


def react(args):
    """Microseconds per call of a greedy ``agent.get_react_function()`` at batch 1."""
    import react_latency
    if args.quick:
        react_latency.REPEATS = {name: n // 10 for name, n in react_latency.REPEATS.items()}
    result = react_latency.measure(args.net)
    return {"net": args.net, "react_us": result["greedy_us"],
            "forward_us": result["forward_us"]}


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


MEASUREMENTS = {"atari": atari, "train-step": train_step, "react": react, "replay": replay}


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
