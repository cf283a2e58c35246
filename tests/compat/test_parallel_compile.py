"""Theano's compile cache with g++ outside the lock (agentnet_compat.parallel_compile).

Each case runs fresh interpreters on a new compile directory, as two pytest
workers or a learner and its game workers do.
"""
import ast
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from theano.gof import cmodule

from agentnet_compat import parallel_compile
from tests.compat.test_theano_cache_keys import COUNT_COMPILES

#: Each process builds the same two new functions; while g++ runs on its first
#: module it waits (up to a minute) until the other process is inside g++ too.
#: Under a lock held around g++ the other cannot get there, and the wait runs out.
MEET_INSIDE_GCC = COUNT_COMPILES + """
    import os, sys, time
    import numpy as np, theano, theano.tensor as T
    meeting, me, other = sys.argv[1:4]
    counted = cmodule.GCC_compiler.compile_str
    met = []
    def meeting_inside(module_name, src_code, *args, **kwargs):
        if not met:
            open(os.path.join(meeting, me), "w").close()
            deadline = time.time() + 60
            while not os.path.exists(os.path.join(meeting, other)) and time.time() < deadline:
                time.sleep(0.05)
            met.append(os.path.exists(os.path.join(meeting, other)))
        return counted(module_name, src_code, *args, **kwargs)
    cmodule.GCC_compiler.compile_str = staticmethod(meeting_inside)
    x = T.matrix()
    f = theano.function([x], (T.tanh(T.dot(x, x.T)) * 3.25 + T.exp(-x)).sum(axis=1))
    g = theano.function([x], T.maximum(x, 0.5).cumsum(axis=0))
    eye = np.eye(3, dtype=theano.config.floatX) / 2
    print(repr({"met": met[0] if met else None, "compiled": len(compiled),
                "f": f(eye).tolist(), "g": g(eye).tolist()}))
"""


def run_at_once(script, arguments, env):
    """Start one interpreter per argument list; their last printed values, once all exit."""
    processes = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)] + args,
                                  env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, universal_newlines=True)
                 for args in arguments]
    results = [process.communicate(timeout=900) for process in processes]
    for process, (_, stderr) in zip(processes, results):
        assert process.returncode == 0, stderr[-3000:]
    return [ast.literal_eval(stdout.strip().splitlines()[-1]) for stdout, _ in results]


def fresh_compile_dir_env(compile_dir):
    """This environment with THEANO_FLAGS pointing at ``compile_dir``."""
    flags = os.environ.get("THEANO_FLAGS", "")
    return dict(os.environ, THEANO_FLAGS=(flags + "," if flags else "")
                + "base_compiledir=%s" % compile_dir)


def module_directories(compile_dir):
    """The files in each of the cache's module directories (``tmp*``; not Theano's ``*_ext``)."""
    return {root: files for root, _, files in os.walk(compile_dir)
            if os.path.basename(root).startswith("tmp")}


@pytest.fixture(scope="module")
def two_processes_at_once(tmp_path_factory):
    """Two processes compiling the same new functions at once, then a third, warm one."""
    compile_dir = tmp_path_factory.mktemp("compiledir")
    meeting = tmp_path_factory.mktemp("meeting")
    env = fresh_compile_dir_env(compile_dir)
    first, second = run_at_once(MEET_INSIDE_GCC, [[str(meeting), "a", "b"],
                                                  [str(meeting), "b", "a"]], env)
    third, = run_at_once(MEET_INSIDE_GCC, [[str(meeting), "c", "a"]], env)
    return compile_dir, first, second, third


@pytest.mark.slow
def test_two_processes_run_gcc_at_the_same_time(two_processes_at_once):
    _, first, second, _ = two_processes_at_once
    assert first["met"] and second["met"]


@pytest.mark.slow
def test_both_results_equal_numpy_and_a_third_process_compiles_nothing(two_processes_at_once):
    _, first, second, third = two_processes_at_once
    eye = np.eye(3) / 2
    expected_f = (np.tanh(eye @ eye.T) * 3.25 + np.exp(-eye)).sum(axis=1)
    expected_g = np.maximum(eye, 0.5).cumsum(axis=0)
    for result in (first, second, third):
        np.testing.assert_allclose(result["f"], expected_f, rtol=1e-5)
        np.testing.assert_allclose(result["g"], expected_g, rtol=1e-6)
    assert first["compiled"] > 0 and second["compiled"] > 0
    assert third["compiled"] == 0


@pytest.mark.slow
def test_every_module_is_registered_and_no_placeholder_is_left(two_processes_at_once):
    compile_dir = two_processes_at_once[0]
    directories = module_directories(compile_dir)
    assert directories
    for root, files in directories.items():
        assert "key.pkl" in files and any(name.endswith(".so") for name in files), root
        assert parallel_compile._PLACEHOLDER not in files, root


FAILING_OP = """
    import theano, theano.tensor as T
    from theano.gof import Op, Apply
    class BrokenC(Op):
        __props__ = ()
        def make_node(self, x):
            return Apply(self, [x], [x.type()])
        def perform(self, node, inputs, outputs):
            outputs[0][0] = inputs[0]
        def c_code_cache_version(self):
            return (1,)
        def c_code(self, node, name, inputs, outputs, sub):
            return "this is not C;"
    x = T.vector()
    try:
        theano.function([x], BrokenC()(x) * 2)
    except Exception as error:
        print(repr({"failed": True, "graph_in_message": "BrokenC" in str(error.args)}))
    else:
        print(repr({"failed": False}))
"""


@pytest.mark.slow
def test_a_failed_compile_raises_with_its_graph_and_leaves_no_directory(two_processes_at_once):
    compile_dir = two_processes_at_once[0]  # Theano's own modules are built there already
    result, = run_at_once(FAILING_OP, [[]], fresh_compile_dir_env(compile_dir))
    assert result == {"failed": True, "graph_in_message": True}
    unregistered = [root for root, files in module_directories(compile_dir).items()
                    if "key.pkl" not in files or parallel_compile._PLACEHOLDER in files]
    assert unregistered == []


def test_install_is_idempotent():
    patched = cmodule.ModuleCache.module_from_key
    parallel_compile.install()
    assert cmodule.ModuleCache.module_from_key is patched
    assert getattr(patched, parallel_compile._MARK)


def test_a_key_registered_meanwhile_wins_over_the_module_just_compiled():
    """Another thread's refresh may read, while g++ runs, the same key from another process."""
    class CacheThatLearnedTheKey:
        entry_from_key = {"key": "entry"}
        module_hash_to_key_data, module_from_name = {}, {}

        def _get_from_key(self, key):
            return "the registered module"

    cache = CacheThatLearnedTheKey()
    assert parallel_compile._register(cache, object(), "key", "hash", False) == (
        "the registered module")
    assert cache.module_hash_to_key_data == {} and cache.module_from_name == {}
