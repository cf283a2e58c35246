"""Run a script in a fresh interpreter and read the JSON object it prints last."""
import json
import os
import subprocess
import sys
import textwrap

from agentnet_compat.threads import SPIN_VARIABLES, THREAD_VARIABLES

# Variables that record or make AgentNet's thread choice: dropped so that the child chooses anew.
THREAD_CHOICE = THREAD_VARIABLES + SPIN_VARIABLES + ("AGENTNET_SET_THREADS",
                                                     "AGENTNET_NO_THREAD_TUNING")


def with_default_compile_flags(theano_flags):
    """``theano_flags`` without a ``gcc.cxxflags`` entry: C compiled as Theano compiles it."""
    return ",".join(flag for flag in theano_flags.split(",")
                    if not flag.strip().startswith("gcc.cxxflags="))


def run_json_script(script, dropped=THREAD_CHOICE, **environment):
    """Run ``script`` (dedented) with this environment minus ``dropped`` plus ``environment``.

    The child compiles with Theano's default g++ flags (see ``conftest.py``).
    Returns the JSON value of its last line of output; fails the test with the
    end of its standard error if it exits with an error.
    """
    env = {name: value for name, value in os.environ.items() if name not in dropped}
    env["THEANO_FLAGS"] = with_default_compile_flags(env.get("THEANO_FLAGS", ""))
    env.update(environment)
    completed = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, timeout=900)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])
