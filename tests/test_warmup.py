"""scripts/warm_compile_cache.py: after it, the CartPole demo compiles no C module.

Both run in fresh interpreters that inherit the runner's THEANO_FLAGS (hence
its compile directory, optimizer and floatX), with no standard input, as
``make install`` runs the script.
"""
import os
import subprocess
import sys
import textwrap

import pytest

from tests.compat.test_theano_cache_keys import COUNT_COMPILES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WARMUP = os.path.join(ROOT, "scripts", "warm_compile_cache.py")

COUNT_DEMO_COMPILES = COUNT_COMPILES + """
    import sys
    sys.path.insert(0, %r)
    import cartpole_dqn
    cartpole_dqn.prepare(cartpole_dqn.Hyperparameters())
    print("compiled modules:", len(compiled))
""" % os.path.join(ROOT, "examples")


def run(arguments):
    """Run the interpreter with ``arguments`` and no stdin; return its stdout's lines."""
    completed = subprocess.run([sys.executable] + arguments, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, timeout=1800)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout.strip().splitlines()


@pytest.mark.slow
def test_after_the_warmup_the_demo_compiles_nothing():
    lines = run([WARMUP])
    assert lines[0].startswith("Compiling the CartPole demo's functions")
    assert "holds the demo's functions" in lines[-1]
    assert run(["-c", textwrap.dedent(COUNT_DEMO_COMPILES)])[-1] == "compiled modules: 0"
