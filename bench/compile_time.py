"""Compile time, cold and cached, of the functions the demo and the Atari notebook compile.

Four functions, each measured in fresh processes on its own new, empty
``base_compiledir`` (a temporary directory):

* the CartPole demo's training step (``examples/cartpole_dqn.py``'s
  ``compile_training``: 16 sessions x 5 ticks, double Q, Huber loss, Adam);
* the demo's react function (``agent.get_react_function()``, MLP 4-64-64-2,
  epsilon-greedy);
* the Atari DQN training step (``bench/_common.py``'s ``compile_dqn_step``:
  Nature CNN online + target on 8 replayed sessions x 5 ticks of uint8
  4x84x84 stacks, 3-step Q-learning, Adam), on a batch sampled from a session
  pool as in the Atari notebook; the agent is ``bench/atari_dqn_loop.py``'s
  (frame stacks as observations; the notebook's keeps them in a window memory);
* the Atari agent's react function.

"cold" is the first process on the empty directory, "cached" a second process
on the same directory. The imports are timed apart: on an empty directory
``import theano`` builds Theano's lazylinker module; its cutils module (and
scan's Cython module, for a graph with a scan) is built inside the first cold
compile. Wall times on a busy machine stretch; the processor time (this
process and its g++ children) much less.

Usage: ``make bench`` or ``.venv/bin/python bench/compile_time.py``.
"""
import os
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (compile_dqn_step, nature_dqn_agent, print_stack_info,  # noqa: E402
                     print_table, run_script, run_worker)

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
ATARI_SESSIONS, ATARI_TICKS, ATARI_ACTIONS = 8, 5, 4


def timed_imports():
    """Import Theano, Lasagne, AgentNet and the demo; return the seconds it took."""
    started = time.perf_counter()
    import theano  # noqa: F401
    import lasagne  # noqa: F401
    import agentnet  # noqa: F401
    sys.path.insert(0, EXAMPLES)
    import cartpole_dqn  # noqa: F401
    return time.perf_counter() - started


def cpu_seconds():
    """Processor seconds of this process and its finished children (g++)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(function, *args):
    """Run ``function(*args)``; return its wall and processor seconds as a result dict."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    function(*args)
    return {"compile_s": time.perf_counter() - wall, "compile_cpu_s": cpu_seconds() - cpu}


def demo_train():
    """The demo's training step; its EnvPool gets a stub step, so no react function compiles."""
    import_s = timed_imports()
    import cartpole_dqn
    from agentnet.experiments.openai_gym.pool import EnvPool
    hp = cartpole_dqn.Hyperparameters()
    agent, _, _ = cartpole_dqn.build_agent(hp)
    pool = EnvPool(agent, hp.env_id, n_games=hp.n_games, seed=hp.seed,
                   agent_step=lambda *inputs: None)
    return dict(timed(cartpole_dqn.compile_training, hp, agent, pool), import_s=import_s)


def demo_react():
    import_s = timed_imports()
    import cartpole_dqn
    agent, _, _ = cartpole_dqn.build_agent(cartpole_dqn.Hyperparameters())
    return dict(timed(agent.get_react_function), import_s=import_s)


def atari_train():
    import_s = timed_imports()
    from agentnet.environment import SessionPoolEnvironment
    agent, qvalues, target = nature_dqn_agent(ATARI_ACTIONS, epsilon=0.5)
    pool = SessionPoolEnvironment(observations=agent.observation_layers,
                                  actions=agent.action_layers, agent_memories=agent.agent_states)
    replay = pool.sample_session_batch(ATARI_SESSIONS, replace=True)
    return dict(timed(compile_dqn_step, agent, qvalues, target, replay, ATARI_TICKS),
                import_s=import_s)


def atari_react():
    import_s = timed_imports()
    agent, _, _ = nature_dqn_agent(ATARI_ACTIONS, epsilon=0.5)
    return dict(timed(agent.get_react_function), import_s=import_s)


WORKERS = {"demo training step": demo_train, "demo react function": demo_react,
           "Atari training step": atari_train, "Atari react function": atari_react}


def cold_and_cached(name):
    """Run worker ``name`` twice on a new empty compile directory: (cold, cached) results."""
    with tempfile.TemporaryDirectory(prefix="agentnet-compile-time-") as compiledir:
        cold = run_worker(__file__, name, compiledir)
        cached = run_worker(__file__, name, compiledir)
    return cold, cached


def report():
    print_stack_info()
    rows = []
    for name in WORKERS:
        cold, cached = cold_and_cached(name)
        rows.append([name, "%.1f" % cold["import_s"], "%.1f" % cold["compile_s"],
                     "%.1f" % cold["compile_cpu_s"], "%.1f" % cached["import_s"],
                     "%.2f" % cached["compile_s"], "%.2f" % cached["compile_cpu_s"]])
    print_table("compile time (s), each function on its own new compile directory; CPU = "
                "processor time incl. g++, less sensitive to a busy machine; load average %.1f"
                % os.getloadavg()[0],
                ["function", "imports, empty dir", "compile cold", "(CPU)", "imports, cached",
                 "compile cached", "(CPU)"], rows)


if __name__ == "__main__":
    run_script(__doc__, WORKERS, report)
