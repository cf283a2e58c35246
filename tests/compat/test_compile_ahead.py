"""A new function's missing C modules compile side by side (agentnet_compat.compile_ahead).

Each case builds one function in a fresh interpreter on a new compile
directory, so that all of its modules are missing.
"""
import numpy as np
import pytest
import theano
import theano.tensor as T

from agentnet_compat.compile_ahead import _uses_theanos_c_thunk
from tests.compat.fresh_interpreter import run_json_script
from tests.compat.test_parallel_compile import fresh_compile_dir_env

#: The first g++ run outside the main thread waits (up to $PATIENCE seconds) until another one
#: runs in this process too; one after the other, the wait would run out.
MEET_INSIDE_GCC = """
    import hashlib, json, os, threading, time
    import numpy as np, theano, theano.tensor as T
    from theano.gof import cmodule
    from theano.gof.cc import get_module_cache
    from agentnet_compat.compile_ahead import missing_modules

    patience = float(os.environ["PATIENCE"])
    compile_str = cmodule.GCC_compiler.compile_str
    guard, running, sources, met, in_threads = threading.Lock(), [0], [], [], [0]

    def meeting_inside(module_name, src_code, *args, **kwargs):
        with guard:
            running[0] += 1
            sources.append(hashlib.sha256(src_code.encode()).hexdigest())
            in_thread = threading.current_thread() is not threading.main_thread()
            in_threads[0] += in_thread
            first = in_thread and not met
            if first:
                met.append(None)
        try:
            if first:
                deadline = time.time() + patience
                while running[0] < 2 and time.time() < deadline:
                    time.sleep(0.02)
                met[0] = running[0] >= 2
            return compile_str(module_name, src_code, *args, **kwargs)
        finally:
            with guard:
                running[0] -= 1

    cmodule.GCC_compiler.compile_str = staticmethod(meeting_inside)
    x = T.matrix()
    f = theano.function([x], [T.tanh(x) * 3.25 + T.exp(-x), T.maximum(x, 0.5).cumsum(axis=0),
                              abs(x).max(axis=1)])
    data = np.arange(6, dtype=theano.config.floatX).reshape(2, 3) / 4
    print(json.dumps({
        "met": bool(met and met[0]), "compiled": len(sources), "in_threads": in_threads[0],
        "distinct_sources": len(set(sources)),
        "missing_after": len(missing_modules(f.maker.fgraph.apply_nodes, get_module_cache())),
        "data": data.tolist(), "outputs": [output.tolist() for output in f(data)]}))
"""


def build_on_empty_compile_dir(tmp_path, patience, **environment):
    env = fresh_compile_dir_env(tmp_path / "compiledir")
    env.update(environment, PATIENCE=str(patience))
    return run_json_script(MEET_INSIDE_GCC, **env)


@pytest.fixture(scope="module")
def ahead(tmp_path_factory):
    return build_on_empty_compile_dir(tmp_path_factory.mktemp("ahead"), patience=60)


def test_missing_modules_compile_at_the_same_time(ahead):
    assert ahead["met"] is True and ahead["in_threads"] >= 3


def test_each_module_is_compiled_once_and_theanos_linker_finds_them_all(ahead):
    """The keys computed ahead are Theano's own: nothing is compiled again, nothing left out."""
    assert ahead["distinct_sources"] == ahead["compiled"]
    assert ahead["missing_after"] == 0


def test_the_function_computes_what_numpy_does(ahead):
    data = np.asarray(ahead["data"])
    expected = [np.tanh(data) * 3.25 + np.exp(-data), np.maximum(data, 0.5).cumsum(axis=0),
                np.abs(data).max(axis=1)]
    for output, reference in zip(ahead["outputs"], expected):
        np.testing.assert_allclose(output, reference, rtol=1e-5)


def test_turned_off_theano_compiles_one_module_at_a_time(tmp_path):
    result = build_on_empty_compile_dir(tmp_path, patience=3, AGENTNET_NO_COMPILE_AHEAD="1")
    assert result["in_threads"] == 0 and result["compiled"] >= 3
    assert result["missing_after"] == 0


def test_ops_with_their_own_thunks_are_left_to_theano():
    from theano.gof.graph import io_toposort
    from theano.scan_module.scan_op import Scan
    x = T.vector()
    outputs, _ = theano.scan(lambda v: v * 2, sequences=x)
    scans = [node.op for node in io_toposort([x], [outputs]) if isinstance(node.op, Scan)]
    assert len(scans) == 1 and not _uses_theanos_c_thunk(scans[0])
    assert _uses_theanos_c_thunk(T.tanh(x).owner.op)
