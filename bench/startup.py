"""What the start-up hook costs: interpreter start with and without it, and import times.

Runs the venv's interpreter in fresh processes: ``python -c pass`` as
installed (every ``.pth`` runs, ours included), ``python -S -c pass`` (no
site processing at all), the hook's own import time at start-up as reported
by ``python -X importtime``, and ``import lasagne`` / ``import agentnet``.
Prints medians over repeated runs.

Usage: ``make bench`` or ``.venv/bin/python bench/startup.py``.
"""
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import print_table  # noqa: E402

REPEATS = 20
# Measure as users run: with bytecode caching (some sandboxes set PYTHONDONTWRITEBYTECODE).
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_seconds(arguments, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable] + arguments, check=True, env=ENVIRONMENT)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def hook_import_microseconds(repeats=REPEATS):
    """Cumulative import time of agentnet_import_hook during start-up (``-X importtime``)."""
    times = []
    for _ in range(repeats):
        stderr = subprocess.run([sys.executable, "-X", "importtime", "-c", "pass"], check=True,
                                stderr=subprocess.PIPE, universal_newlines=True,
                                env=ENVIRONMENT).stderr
        line = [l for l in stderr.splitlines() if l.rstrip().endswith("agentnet_import_hook")]
        times.append(int(line[0].split("|")[1]))
    return statistics.median(times)


def main():
    rows = [
        ["python -c pass (site and every .pth, ours included)", median_seconds(["-c", "pass"])],
        ["python -S -c pass (no site processing)", median_seconds(["-S", "-c", "pass"])],
        ["agentnet_import_hook import at start-up (-X importtime)",
         hook_import_microseconds() / 1e6],
        ["python -c 'import lasagne'", median_seconds(["-c", "import lasagne"], 5)],
        ["python -c 'import agentnet'", median_seconds(["-c", "import agentnet"], 5)],
    ]
    print_table("interpreter start-up and import times (median, ms)", ["command", "ms"],
                [[name, "%.1f" % (1e3 * seconds)] for name, seconds in rows])


if __name__ == "__main__":
    main()
