"""Compiled Theano functions flush denormal floats to zero; the caller's arithmetic does not."""
import os

import numpy as np
import pytest
import theano
import theano.tensor as T

from agentnet_compat.denormals import OPT_OUT, denormals_flushed, flush_allowed
from tests.compat.fresh_interpreter import THREAD_CHOICE, run_json_script

pytestmark = pytest.mark.skipif(not flush_allowed(), reason="x86-64 Linux only, or opted out")

TINY = np.finfo(np.float32).tiny  # smallest normal float32, 1.2e-38
VALUES = np.array([3e-45, -1e-40, 5e-39, TINY, -2.0, 0.0, 1e-30], dtype=np.float32)


def flushed_double(values):
    """Numpy reference of ``2 * x`` under FTZ and DAZ: denormal inputs and results become 0."""
    inputs = np.where(np.abs(values) < TINY, 0, values).astype(np.float64)
    doubled = 2 * inputs
    return np.where(np.abs(doubled) < TINY, 0, doubled).astype(np.float32)


@pytest.fixture(scope="module")
def double():
    x = T.vector("x", dtype="float32")
    return theano.function([x], 2 * x)


def test_a_compiled_function_flushes_denormals_to_zero(double):
    np.testing.assert_array_equal(double(VALUES), flushed_double(VALUES))
    assert double(VALUES)[2] == 0 and flushed_double(VALUES)[3] == 2 * TINY


def test_the_callers_arithmetic_keeps_denormals_after_a_call(double):
    double(VALUES)
    assert not denormals_flushed()
    denormal = np.float32(1e-40)
    assert denormal * 2 == denormal + denormal and denormal * 2 > denormal > 0
    assert 5e-324 / 2 == 0 and 5e-324 * 2 == 1e-323  # Python floats too


def test_the_callers_environment_comes_back_when_a_call_raises(double):
    with pytest.raises(TypeError):
        double(np.zeros((2, 2), dtype=np.float32))
    assert not denormals_flushed()
    assert np.float32(1e-40) * np.float32(2) != 0


# A large elementwise kernel that may run on several OpenMP threads (thread tuning on), and the
# same product in the caller's numpy, in a fresh interpreter with the given environment.
SCRIPT = """
    import json
    import numpy as np
    import theano
    values = theano.shared(np.full((500, 500), 1e-40, dtype="float32"), name="values")
    double = theano.function([], 2 * values, mode=theano.compile.mode.get_mode("FAST_RUN"))
    parallel = [getattr(node.op, "openmp", None) for node in double.maker.fgraph.toposort()]
    result = double()
    print(json.dumps({"zeros": int((result == 0).sum()), "max": float(result.max()),
                      "parallel": parallel, "numpy": float(np.float32(1e-40) * 2)}))
"""


def run_script(**environment):
    """SCRIPT in a fresh interpreter with thread tuning on and ``environment`` added."""
    return run_json_script(SCRIPT, THREAD_CHOICE + (OPT_OUT,), **environment)


def test_every_thread_of_a_parallel_kernel_flushes():
    result = run_script()
    if os.cpu_count() > 1:
        assert True in result["parallel"]  # the kernel runs on OpenMP threads
    assert result["zeros"] == 500 * 500 and result["max"] == 0
    assert result["numpy"] == pytest.approx(2e-40, rel=1e-4)


def test_opting_out_keeps_denormals():
    result = run_script(**{OPT_OUT: "1"})
    assert result["zeros"] == 0 and result["max"] == pytest.approx(2e-40, rel=1e-4)
