"""AgentNet next to Stable-Baselines3's DQN on this machine: one run, one table of ratios.

``make bench-peers`` runs this driver. It builds (once) a Python 3.11 venv in
bench/peers/.venv from bench/peers/requirements.txt (torch CPU,
Stable-Baselines3, gymnasium, ale-py; never a dependency of AgentNet), then
runs every measurement in its own subprocess, one at a time: the SB3 side
(``sb3_side.py``) in that venv with 2 torch/OpenMP threads, the AgentNet side
(``agentnet_side.py`` and ``examples/cartpole_dqn.py``) in the project's .venv
with the library's defaults. It prints:

1. CartPole-v1 wall time to solved (greedy mean >= 475 over 10 episodes),
   seeds 0-4, each whole subprocess timed. SB3: rl-zoo's hyperparameters, a
   greedy evaluation every 1,024 env steps, 50,000-step budget. AgentNet: the
   demo script with its own budget, after one uncounted warm-up run that
   fills Theano's compile cache (compiling is still inside the timed runs).
2. Atari Breakout loop, env steps per second with learning (Nature CNN, one
   batch-32 update per 4 env steps), over a window after learning started,
   each side's median over 5 rounds that alternate between the two;
   and the learner alone: milliseconds per training update, no env steps
   (what bounds the loop once acting runs beside learning).
3. Batch-1 latency of SB3's ``predict(deterministic=True)`` and AgentNet's
   greedy react function, for the 4-64-64-2 MLP and the Nature CNN.
4. Replay bytes per stored transition of 4x84x84 frames: SB3's
   ``ReplayBuffer`` (``optimize_memory_usage=False``) vs the pool of the Atari
   notebook.

Environment: ``BENCH_PEERS_QUICK=1`` checks the plumbing (seed 0 only, a
10,000-step CartPole budget, short windows; its numbers are not comparable);
``PEERS_PYTHON`` names the Python 3.11 interpreter for the venv (default
``python3.11``).
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PEERS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(PEERS))
PEERS_VENV = os.path.join(PEERS, ".venv")
PEERS_PY = os.path.join(PEERS_VENV, "bin", "python")
AGENTNET_PY = os.path.join(ROOT, ".venv", "bin", "python")
REQUIREMENTS = os.path.join(PEERS, "requirements.txt")
DEFAULT_THEANO_FLAGS = "base_compiledir=%s,floatX=float32" % os.path.expanduser(
    "~/.cache/agentnet/theano")
QUICK = os.environ.get("BENCH_PEERS_QUICK", "0") == "1"
SEEDS = [0] if QUICK else [0, 1, 2, 3, 4]
CARTPOLE_BUDGET = 10000 if QUICK else 50000
WARMUP_ENV_STEPS = 720        # the warm-up run only has to compile and reach the end
ATARI_SB3_WINDOW = 200 if QUICK else 2000                # env steps
ATARI_AGENTNET_ITERATIONS = 3 if QUICK else 30           # x 64 env steps
# Alternating rounds of the two Atari loops: the host's speed drifts by 20% or more within
# minutes (single runs gave ratios of 1.07 to 1.50 within the hour), so the table takes the
# median of each side over rounds in which the drift hits both.
ATARI_ROUNDS = 1 if QUICK else 5
SB3_THREADS = "2"


def peers_python():
    """The interpreter named by PEERS_PYTHON (default python3.11), checked to be Python 3.11."""
    name = os.environ.get("PEERS_PYTHON", "python3.11")
    try:
        version = subprocess.run([name, "-c", "import sys; print(sys.version_info[:2])"],
                                 stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    except OSError:
        version = "no such interpreter"
    if version != "(3, 11)":
        raise SystemExit("PEERS_PYTHON must name a Python 3.11 interpreter, got %r (%s)"
                         % (name, version or "no version printed"))
    return name


def ensure_peers_venv():
    """Create bench/peers/.venv and install requirements.txt unless already done for it."""
    stamp = os.path.join(PEERS_VENV, ".installed")
    if os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(REQUIREMENTS):
        return
    if not os.path.exists(PEERS_PY):
        subprocess.run([peers_python(), "-m", "venv", PEERS_VENV], check=True)
    subprocess.run([PEERS_PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", REQUIREMENTS], check=True)
    open(stamp, "w").close()


def agentnet_env():
    return dict(os.environ, THEANO_FLAGS=os.environ.get("THEANO_FLAGS", DEFAULT_THEANO_FLAGS))


def sb3_env():
    return dict(os.environ, OMP_NUM_THREADS=SB3_THREADS)


def run_process(command, env):
    """Run ``command``; returns (seconds, stdout). Raises RuntimeError naming it on failure."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError("%s exited with %d: %s" % (os.path.basename(command[1]),
                                                      done.returncode, tail))
    return seconds, done.stdout


def result_of(stdout):
    """The dict of the last ``RESULT {json}`` line of a side script's output."""
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    return json.loads(lines[-1][len("RESULT "):])


def sb3(*args):
    command = [PEERS_PY, os.path.join(PEERS, "sb3_side.py")] + list(args)
    return result_of(run_process(command + (["--quick"] if QUICK else []), sb3_env())[1])


def agentnet(*args):
    command = [AGENTNET_PY, os.path.join(PEERS, "agentnet_side.py")] + list(args)
    return result_of(run_process(command + (["--quick"] if QUICK else []), agentnet_env())[1])


def agentnet_cartpole(seed, budget=None):
    """Time the whole demo subprocess for ``seed``; parse its solved line and env steps."""
    with tempfile.TemporaryDirectory(prefix="agentnet-peers-") as out:
        command = [AGENTNET_PY, os.path.join(ROOT, "examples", "cartpole_dqn.py"),
                   "--seed", str(seed), "--out", out]
        if budget is not None:
            command += ["--env-steps", str(budget)]
        seconds, stdout = run_process(command, agentnet_env())
    lines = [line.strip() for line in stdout.splitlines()]
    steps = [int(line.split()[2]) for line in lines if line.startswith("trained on ")]
    return {"wall_s": seconds, "solved": "solved" in lines,
            "env_steps": steps[-1] if steps else None}


def sb3_cartpole(seed):
    """Time the whole SB3 subprocess training rl-zoo's DQN on CartPole for ``seed``."""
    command = [PEERS_PY, os.path.join(PEERS, "sb3_side.py"), "cartpole", "--seed", str(seed),
               "--budget", str(CARTPOLE_BUDGET)]
    seconds, stdout = run_process(command, sb3_env())
    return dict(result_of(stdout), wall_s=seconds)


def attempt(failures, name, function, *args):
    """``function(*args)``, or None with the error appended to ``failures``."""
    print("  measuring %s ..." % name, file=sys.stderr, flush=True)
    try:
        return function(*args)
    except (RuntimeError, ValueError, IndexError) as error:
        failures.append("%s: %s" % (name, error))
        return None


def measure_cartpole(failures):
    """Per-seed results of both sides: {"agentnet": [...], "sb3": [...]} (None where failed)."""
    attempt(failures, "AgentNet CartPole warm-up (not counted)", agentnet_cartpole, 0,
            WARMUP_ENV_STEPS)
    budget = CARTPOLE_BUDGET if QUICK else None
    return {"agentnet": [attempt(failures, "AgentNet CartPole seed %d" % s, agentnet_cartpole,
                                 s, budget) for s in SEEDS],
            "sb3": [attempt(failures, "SB3 CartPole seed %d" % s, sb3_cartpole, s)
                    for s in SEEDS]}


def median_over_rounds(results):
    """The first result with ``steps_per_s`` the median over ``results`` (None where failed) and
    ``rounds`` the list of them; None if every round failed."""
    done = [result for result in results if result]
    if not done:
        return None
    rates = [result["steps_per_s"] for result in done]
    return dict(done[0], steps_per_s=statistics.median(rates), rounds=rates)


def measure_atari(failures):
    """Both Atari loops, ATARI_ROUNDS times in alternation: (AgentNet, SB3) medians."""
    ours, theirs = [], []
    for round_index in range(1, ATARI_ROUNDS + 1):
        ours.append(attempt(failures, "AgentNet Atari loop, round %d" % round_index, agentnet,
                            "atari", "--iterations", str(ATARI_AGENTNET_ITERATIONS)))
        theirs.append(attempt(failures, "SB3 Atari loop, round %d" % round_index, sb3, "atari",
                              "--window", str(ATARI_SB3_WINDOW)))
    return median_over_rounds(ours), median_over_rounds(theirs)


def measure_rest(failures):
    """Atari loop, react latency and replay bytes of both sides, keyed by row name."""
    return {
        "atari": measure_atari(failures),
        "train_step": (attempt(failures, "AgentNet Atari training update", agentnet,
                               "train-step"),
                       attempt(failures, "SB3 Atari training update", sb3, "train-step")),
        "react_mlp": (attempt(failures, "AgentNet react MLP", agentnet, "react", "--net", "mlp"),
                      attempt(failures, "SB3 predict MLP", sb3, "react", "--net", "mlp")),
        "react_cnn": (attempt(failures, "AgentNet react CNN", agentnet, "react", "--net",
                              "nature_dqn"),
                      attempt(failures, "SB3 predict CNN", sb3, "react", "--net", "cnn")),
        "replay": (attempt(failures, "AgentNet replay pool", agentnet, "replay"),
                   attempt(failures, "SB3 replay buffer", sb3, "replay"))}


def time_to_solved(runs):
    """Median wall time over seeds, an unsolved seed counting as never solving (inf)."""
    times = [r["wall_s"] if r and r["solved"] else float("inf") for r in runs]
    return statistics.median(times) if times else float("inf")


def solved_count(runs):
    return "%d/%d" % (sum(1 for r in runs if r and r["solved"]), len(runs))


def cell(value, fmt):
    if value is None:
        return "failed"
    return "not reached" if value == float("inf") else fmt % value


def ratio(ours, theirs):
    if ours is None or theirs is None or float("inf") in (ours, theirs) or not theirs:
        return "-"
    return "%.2f" % (ours / theirs)


def pick(pair, key, peer_key=None):
    """``key`` of AgentNet's result and ``peer_key`` (default ``key``) of SB3's; None if failed."""
    ours, theirs = pair
    return (ours[key] if ours else None, theirs[peer_key or key] if theirs else None)


def summary_rows(cartpole, rest):
    """Rows: what, AgentNet, SB3, AgentNet/SB3, which ratio is better, the acceptance target."""
    specs = [
        ("CartPole wall time to solved, median of seeds (s)",
         (time_to_solved(cartpole["agentnet"]), time_to_solved(cartpole["sb3"])), "%.1f", "< 1",
         "<= 0.5"),
        ("Atari loop env steps/s with learning", pick(rest["atari"], "steps_per_s"), "%.1f",
         "> 1", ">= 1.2"),
        ("Atari training update alone, batch 32 (ms)", pick(rest["train_step"], "step_ms"),
         "%.1f", "< 1", "-"),
        ("react/predict MLP 4-64-64-2, batch 1 (us)",
         pick(rest["react_mlp"], "react_us", "predict_us"), "%.1f", "< 1", "<= 0.25"),
        ("react/predict Nature CNN, batch 1 (us)",
         pick(rest["react_cnn"], "react_us", "predict_us"), "%.0f", "< 1", "-"),
        ("replay bytes per transition, 4x84x84 frames",
         pick(rest["replay"], "bytes_per_transition"), "%.0f", "< 1", "<= 0.25")]
    rows = [[name, cell(ours, fmt), cell(theirs, fmt), ratio(ours, theirs), better, target]
            for name, (ours, theirs), fmt, better, target in specs]
    rows.insert(1, ["CartPole seeds solved", solved_count(cartpole["agentnet"]),
                    solved_count(cartpole["sb3"]), "-", "-", "5/5"])
    return rows


def seed_cells(run):
    """Wall time, solved flag and env steps of one CartPole run, as table cells."""
    if run is None:
        return ["failed", "-", "-"]
    return ["%.1f" % run["wall_s"], "yes" if run["solved"] else "no",
            "-" if run["env_steps"] is None else str(run["env_steps"])]


def seed_rows(cartpole):
    """One row per seed: AgentNet's and SB3's wall time, solved, env steps; SB3 in-process time."""
    rows = []
    for seed, ours, theirs in zip(SEEDS, cartpole["agentnet"], cartpole["sb3"]):
        inside = "%.1f" % theirs["in_process_s"] if theirs else "-"
        rows.append([str(seed)] + seed_cells(ours) + seed_cells(theirs) + [inside])
    return rows


def print_table(title, header, rows):
    """Print a plain-text table, first column left-aligned."""
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    print("\n" + title)
    for row in [header, ["-" * w for w in widths]] + rows:
        print("  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w)
                        for i, (x, w) in enumerate(zip(row, widths))))


def load_average():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def busy_warning():
    """A warning line when other work loads the machine (1-minute load average over 1), else ''.

    Torch's OpenMP threads spin while they wait for each other: with another
    process on the second core, SB3 with 2 threads ran the Atari loop at 4.5
    env steps/s where 1 thread gave 34, so a busy machine's SB3 numbers are
    far below an idle machine's.
    """
    if float(load_average().split()[0]) <= 1.0:
        return ""
    return ("WARNING: load average %s on %d cores: other processes share the CPU, and SB3's "
            "2 spinning OpenMP threads suffer most; its numbers here are not an idle "
            "machine's" % (load_average(), os.cpu_count()))


def agentnet_info():
    """The line ``python -m agentnet.info`` prints, or a note that the module is missing."""
    try:
        return run_process([AGENTNET_PY, "-m", "agentnet.info"], agentnet_env())[1].strip()
    except RuntimeError as error:
        return "agentnet.info unavailable (%s)" % error


def print_header():
    print("AgentNet vs Stable-Baselines3 DQN (%s mode), %s, load average %s"
          % ("QUICK" if QUICK else "full", time.strftime("%Y-%m-%d %H:%M"), load_average()))
    print("AgentNet: " + agentnet_info())
    print("SB3 side: %s, OMP_NUM_THREADS=%s"
          % (json.dumps(sb3("versions")), SB3_THREADS))
    print(busy_warning())


def detail_lines(rest):
    """What each side's number covers: windows, compile time, bare forward, replay layout."""
    (atari_ours, atari_theirs), (replay_ours, replay_theirs) = rest["atari"], rest["replay"]
    lines = []
    if atari_ours:
        lines.append("AgentNet Atari loop: the notebook's, %d game worker process(es) acting "
                     "while the learner learns; %d env steps timed after a warm-up with "
                     "learning; training step compiled in %.1f s"
                     % (atari_ours["workers"], atari_ours["window"], atari_ours["compile_s"]))
    if atari_theirs:
        lines.append("SB3 Atari loop: %d env steps timed from 100 steps after learning_starts"
                     % atari_theirs["window"])
    if atari_ours and atari_theirs:
        lines.append("Atari loop, env steps/s per alternating round (AgentNet, SB3, ratio); the "
                     "table gives each side's median: " + ", ".join(
                         "(%.1f, %.1f, %.2f)" % (a, b, a / b)
                         for a, b in zip(atari_ours["rounds"], atari_theirs["rounds"])))
    if any(rest["train_step"]):
        lines.append("Atari training update: AgentNet's is the notebook's train_step() and soft "
                     "target update (target network on the 4 ticks its reference reads); SB3's "
                     "is model.train(1, 32) (target network on 32 next observations)")
    for net in ("mlp", "cnn"):
        ours = rest["react_" + net][0]
        if ours:
            lines.append("AgentNet %s: bare Theano forward %.1f us" % (net, ours["forward_us"]))
    if replay_ours:
        lines.append("AgentNet replay: the Atari notebook's pool, %d bytes per session of %d "
                     "ticks (%d transitions)" % (replay_ours["bytes_per_session"],
                                                 replay_ours["seq_length"],
                                                 replay_ours["seq_length"] - 1)
                     + "; bench/replay_pool.py's layout: %.0f per transition"
                     % replay_ours["replay_pool_layout"])
    if replay_theirs:
        lines.append("SB3 replay: ReplayBuffer arrays %s" % ", ".join(replay_theirs["arrays"]))
    return lines


def print_results(cartpole, rest, failures):
    print_table("CartPole-v1 to solved (greedy mean >= 475 over 10 episodes), whole subprocess "
                "wall time (s)",
                ["seed", "AgentNet s", "solved", "env steps", "SB3 s", "solved", "env steps",
                 "SB3 in-process s"], seed_rows(cartpole))
    print_table("Side by side (ratio = AgentNet/SB3)",
                ["measurement", "AgentNet", "SB3", "ratio", "ratio better", "target"],
                summary_rows(cartpole, rest))
    print("")
    for line in detail_lines(rest):
        print(line)
    print("load average at the end (this run's own processes included): %s" % load_average())
    for failure in failures:
        print("FAILED " + failure)


def main():
    ensure_peers_venv()
    print_header()
    failures = []
    cartpole = measure_cartpole(failures)
    rest = measure_rest(failures)
    print_results(cartpole, rest, failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
