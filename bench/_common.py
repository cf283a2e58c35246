"""Shared helpers of the benchmark scripts: timing, cold/cached compile runs, the stack."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

__all__ = ["time_per_call", "compile_timings", "print_table", "emit", "warmup_dot", "run_script",
           "run_worker", "print_stack_info"]


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
    line = [l for l in output.splitlines() if l.startswith("RESULT ")][-1]
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
