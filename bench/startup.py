"""What the start-up hook costs: interpreter start with and without it, and import times.

Interpreter start is compared symmetrically: both variants run ``python -S``
(no automatic site processing) and then process the venv's ``.pth`` files
with ``site.addsitedir`` from a temporary copy, one copy with every ``.pth``
file and one without ``agentnet-import-hook.pth``. Runs of the two variants
alternate so that drift on a shared host hits both alike; the table shows
medians. The hook's own import and ``install()`` are also timed in-process
(module re-imported from its ``.pyc`` many times), and ``import theano`` /
``import lasagne`` / ``import agentnet`` in fresh processes.

Usage: ``make bench`` or ``.venv/bin/python bench/startup.py``.
"""
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import print_stack_info, print_table  # noqa: E402

__all__ = ["main"]

START_REPEATS = 21
IMPORT_REPEATS = 7
HOOK_PTH = "agentnet-import-hook.pth"
# Measure as users run: with bytecode caching (some sandboxes set PYTHONDONTWRITEBYTECODE).
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
# site-packages goes on sys.path first, as in a normal start, then the .pth copies run.
RUN_SITE = "import site, sys; sys.path.append(%r); site.addsitedir(%r)"
CHECK_FINDER = "; print(any(type(f).__name__ == 'CompatFinder' for f in sys.meta_path))"


def copy_pth_files(site_packages, destination, skip=()):
    """Copy site-packages' .pth files to ``destination``; relative path lines made absolute."""
    for name in sorted(os.listdir(site_packages)):
        if not name.endswith(".pth") or name in skip:
            continue
        with open(os.path.join(site_packages, name)) as source:
            lines = [line if line.startswith(("import", "#")) or not line.strip()
                     else os.path.join(site_packages, line) for line in source]
        with open(os.path.join(destination, name), "w") as target:
            target.writelines(lines)


def seconds(arguments):
    started = time.perf_counter()
    subprocess.run([sys.executable] + arguments, check=True, env=ENVIRONMENT)
    return time.perf_counter() - started


def check_variant(command, expected):
    """Run once (warms caches): the .pth copies must run cleanly and the hook be on or off."""
    completed = subprocess.run([sys.executable] + command[:-1] + [command[-1] + CHECK_FINDER],
                               env=ENVIRONMENT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, check=True)
    if completed.stderr or completed.stdout.strip() != expected:
        raise RuntimeError("start-up variant %r is not clean: %s%s"
                           % (command, completed.stdout, completed.stderr))


def median_seconds(arguments, repeats):
    return statistics.median(seconds(arguments) for _ in range(repeats))


def start_up_with_and_without_hook(repeats=START_REPEATS):
    """Median seconds of ``python -S`` + site processing, with and without our .pth."""
    site_packages = sysconfig.get_paths()["purelib"]
    with tempfile.TemporaryDirectory() as with_hook, tempfile.TemporaryDirectory() as without:
        copy_pth_files(site_packages, with_hook)
        copy_pth_files(site_packages, without, skip=(HOOK_PTH,))
        commands = [["-S", "-c", RUN_SITE % (site_packages, directory)]
                    for directory in (with_hook, without)]
        for command, expected in zip(commands, ("True", "False")):
            check_variant(command, expected)
        times = [[], []]
        for _ in range(repeats):
            for command, bucket in zip(commands, times):
                bucket.append(seconds(command))
    return statistics.median(times[0]), statistics.median(times[1])


def hook_import_seconds(repeats=500):
    """Median seconds to import ``agentnet_compat`` (the start-up hook) and call install()."""
    saved_meta_path = list(sys.meta_path)
    times = []
    for _ in range(repeats):
        for name in ("agentnet_compat", "agentnet_compat.hook"):
            sys.modules.pop(name, None)
        sys.meta_path[:] = [f for f in saved_meta_path if type(f).__name__ != "CompatFinder"]
        started = time.perf_counter()
        import agentnet_compat
        agentnet_compat.install()
        times.append(time.perf_counter() - started)
    sys.meta_path[:] = saved_meta_path
    return statistics.median(times)


def main():
    print_stack_info()
    with_hook, without_hook = start_up_with_and_without_hook()
    rows = [
        ["python -c pass (as installed)", median_seconds(["-c", "pass"], START_REPEATS)],
        ["python -S + site .pth processing, with the hook", with_hook],
        ["python -S + site .pth processing, without the hook", without_hook],
        ["  difference", with_hook - without_hook],
        ["hook import + install(), in-process", hook_import_seconds()],
        ["python -c 'import theano'", median_seconds(["-c", "import theano"], IMPORT_REPEATS)],
        ["python -c 'import lasagne'", median_seconds(["-c", "import lasagne"], IMPORT_REPEATS)],
        ["python -c 'import agentnet'", median_seconds(["-c", "import agentnet"],
                                                       IMPORT_REPEATS)],
    ]
    print_table("interpreter start-up and import times (median, ms)", ["command", "ms"],
                [[name, "%.2f" % (1e3 * value)] for name, value in rows])


if __name__ == "__main__":
    main()
