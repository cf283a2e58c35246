"""Thread split: parallel CorrMM convolutions and large elementwise updates, one OpenBLAS thread,
unless the user chose.

The choice is made at interpreter start, so each case runs in a fresh
interpreter with a controlled environment (the runner's THEANO_FLAGS, hence
its compile directory, are kept).
"""
import os

import numpy as np
import pytest

from agentnet_compat.threads import SPIN_COUNT, game_worker_environment, thread_tuning_allowed
from tests.compat.fresh_interpreter import run_json_script, with_default_compile_flags

# Compiles a small convolution net's output and weight gradient, and an elementwise update of a
# large and a small shared matrix, twice each (as configured, and with the parallel optimization
# excluded), and prints what the tests need as JSON.
SCRIPT = """
    import json, os
    import numpy as np
    import theano, theano.tensor as T
    from theano.tensor.nnet import corr

    def libgomp_loaded():
        with open("/proc/self/maps") as maps:
            return "libgomp" in maps.read()

    # What libgomp will read: its variables are final before it loads.
    spin_count, libgomp_loaded_at_choice = os.environ.get("GOMP_SPINCOUNT"), libgomp_loaded()
    from lasagne.layers import Conv2DLayer, InputLayer, get_output

    rng = np.random.RandomState(0)
    images = T.tensor4("images")
    conv = Conv2DLayer(InputLayer((None, 3, 9, 9), images), 4, 3, stride=2, name="conv")
    top = Conv2DLayer(conv, 2, 2, nonlinearity=None, name="top")
    hidden, output = get_output([conv, top])
    gradients = theano.grad((output ** 2).sum(), [conv.W, top.W])
    outputs = [hidden, output] + gradients
    serial = theano.compile.mode.get_default_mode().excluding("agentnet_parallel_corrmm")
    compiled = theano.function([images], outputs)
    reference = theano.function([images], outputs, mode=serial)
    # FAST_RUN too (what users run): its merge pass once swapped the parallel ops back.
    fully_optimized = theano.function([images], outputs, mode="FAST_RUN")
    data = rng.rand(5, 3, 9, 9).astype(theano.config.floatX)

    def corrmm_openmp_flags(function):
        return [node.op.openmp for node in function.maker.fgraph.toposort()
                if isinstance(node.op, corr.BaseCorrMM)]

    # An elementwise update (Adam-like) of a large and a small weight matrix, optimized fully.
    fast_run = theano.compile.mode.get_mode("FAST_RUN")
    step = T.scalar("step", dtype=theano.config.floatX)

    def compile_update(mode):
        weights = [theano.shared(rng.rand(*shape).astype(theano.config.floatX), name=name)
                   for name, shape in (("large", (500, 500)), ("small", (10, 10)))]
        updates = [(w, w - step * T.sqrt(w) / (1 + w)) for w in weights]
        return theano.function([step], [], updates=updates, mode=mode), weights

    update, weights = compile_update(fast_run)
    serial_mode = fast_run.excluding("agentnet_parallel_elemwise")
    serial_update, serial_weights = compile_update(serial_mode)
    for shared, original in zip(serial_weights, weights):
        shared.set_value(original.get_value())
    before = [w.get_value() for w in weights]
    update(0.5)
    serial_update(0.5)
    expected = [b - 0.5 * np.sqrt(b) / (1 + b) for b in before]
    elemwise_openmp = {
        variable.name: node.op.openmp for node in update.maker.fgraph.toposort()
        if isinstance(node.op, T.Elemwise) for variable in node.inputs if variable.name}
    print(json.dumps({
        "elemwise_openmp": elemwise_openmp,
        "elemwise_equals_serial": [bool(np.array_equal(w.get_value(), s.get_value()))
                                   for w, s in zip(weights, serial_weights)],
        "elemwise_error": [float(np.abs(w.get_value() - e).max())
                           for w, e in zip(weights, expected)],
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "spin_count": spin_count, "wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "libgomp_loaded_at_choice": libgomp_loaded_at_choice,
        "libgomp_loaded_at_end": libgomp_loaded(),
        "openmp": corrmm_openmp_flags(compiled),
        "fast_run_openmp": corrmm_openmp_flags(fully_optimized),
        "serial_openmp": corrmm_openmp_flags(reference),
        "data": data.tolist(), "weights": conv.W.get_value().tolist(),
        "results": [r.tolist() for r in compiled(data)],
        "fast_run_results": [r.tolist() for r in fully_optimized(data)],
        "reference": [r.tolist() for r in reference(data)]}))
"""


def run_script(**environment):
    """SCRIPT in a fresh interpreter, thread variables removed, then ``environment`` added."""
    return run_json_script(SCRIPT, **environment)


def correlate_valid(images, kernels, stride):
    """Slow numpy reference of Lasagne's Conv2DLayer pre-activation (filters flipped)."""
    flipped = kernels[:, :, ::-1, ::-1]
    size = kernels.shape[-1]
    height = (images.shape[-1] - size) // stride + 1
    out = np.zeros((images.shape[0], kernels.shape[0], height, height))
    for i in range(height):
        for j in range(height):
            patch = images[:, :, i * stride:i * stride + size, j * stride:j * stride + size]
            out[:, :, i, j] = np.einsum("bchw,fchw->bf", patch, flipped)
    return out


@pytest.fixture(scope="module")
def tuned():
    return run_script()


def test_nobody_chose_so_convolutions_run_in_parallel_and_openblas_on_one_thread(tuned):
    assert tuned["openblas_threads"] == "1"
    assert tuned["openmp"] and all(tuned["openmp"])  # forward, weight and input gradients
    # two forward, two weight gradients, the input gradient of the top convolution
    assert len(tuned["fast_run_openmp"]) == 5 and all(tuned["fast_run_openmp"])
    assert not any(tuned["serial_openmp"])


def test_idle_openmp_threads_spin_briefly_from_the_first_openmp_kernel_on(tuned):
    assert tuned["spin_count"] == SPIN_COUNT
    assert not tuned["libgomp_loaded_at_choice"] and tuned["libgomp_loaded_at_end"]


@pytest.mark.parametrize("environment", [{"GOMP_SPINCOUNT": "5"}, {"OMP_WAIT_POLICY": "ACTIVE"}],
                         ids=["GOMP_SPINCOUNT", "OMP_WAIT_POLICY"])
def test_a_users_spin_setting_is_never_overridden(environment):
    result = run_script(**environment)
    assert result["openblas_threads"] == "1" and all(result["openmp"])  # still tuned
    assert (result["spin_count"], result["wait_policy"]) == (
        environment.get("GOMP_SPINCOUNT"), environment.get("OMP_WAIT_POLICY"))


def test_parallel_results_equal_the_serial_ones_and_a_numpy_convolution(tuned):
    hidden, output, conv_grad, top_grad = (np.asarray(r) for r in tuned["results"])
    reference = [np.asarray(r) for r in tuned["reference"]]
    np.testing.assert_array_equal(hidden, reference[0])  # each example computed as before
    np.testing.assert_array_equal(output, reference[1])
    np.testing.assert_allclose(conv_grad, reference[2], rtol=1e-5, atol=1e-6)  # summation order
    np.testing.assert_allclose(top_grad, reference[3], rtol=1e-5, atol=1e-6)
    for fast_run, serial in zip(tuned["fast_run_results"], reference):
        np.testing.assert_allclose(fast_run, serial, rtol=1e-5, atol=1e-6)
    data, weights = np.asarray(tuned["data"]), np.asarray(tuned["weights"])
    expected = np.maximum(correlate_valid(data, weights, stride=2), 0)  # the biases start at 0
    np.testing.assert_allclose(hidden, expected, rtol=1e-4, atol=1e-5)


def test_elementwise_updates_of_large_weights_run_in_parallel_and_compute_the_same(tuned):
    # 500 x 500 reaches Theano's openmp_elemwise_minsize (200,000); 10 x 10 does not
    assert tuned["elemwise_openmp"] == {"large": True, "small": False}
    assert tuned["elemwise_equals_serial"] == [True, True]
    assert max(tuned["elemwise_error"]) < 1e-6


@pytest.mark.parametrize("environment", [{"OMP_NUM_THREADS": "1"}, {"OPENBLAS_NUM_THREADS": "2"},
                                         {"AGENTNET_NO_THREAD_TUNING": "1"}],
                         ids=["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "opt-out"])
def test_a_users_thread_setting_is_never_overridden(environment):
    result = run_script(**environment)
    assert result["openblas_threads"] == environment.get("OPENBLAS_NUM_THREADS")
    assert result["spin_count"] is None
    assert not any(result["openmp"] + result["fast_run_openmp"])
    assert not any(result["elemwise_openmp"].values())


def test_theanos_own_openmp_flag_is_the_users_choice():
    result = run_script(THEANO_FLAGS=with_default_compile_flags(os.environ.get("THEANO_FLAGS", ""))
                        + ",openmp=False")
    assert result["openblas_threads"] is None and not any(result["openmp"])


@pytest.mark.parametrize("environ, theano_sets_openmp, n_cores, allowed", [
    ({}, False, 2, True),
    ({}, False, 1, False),
    ({}, True, 4, False),
    ({"MKL_NUM_THREADS": "4"}, False, 4, False),
    ({"GOTO_NUM_THREADS": "1"}, False, 4, False),
    ({"AGENTNET_SET_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}, False, 2, True),
    ({"AGENTNET_SET_THREADS": "1", "AGENTNET_NO_THREAD_TUNING": "1"}, False, 2, False),
    ({"AGENTNET_NO_THREAD_TUNING": "0"}, False, 2, True),
])
def test_tuning_is_allowed_only_when_nobody_chose(environ, theano_sets_openmp, n_cores, allowed):
    assert thread_tuning_allowed(environ, theano_sets_openmp, n_cores) is allowed


@pytest.mark.parametrize("environ, expected", [
    ({"AGENTNET_SET_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}, {"OMP_NUM_THREADS": "1"}),
    ({"AGENTNET_SET_THREADS": "1", "OMP_NUM_THREADS": "2"}, {}),
    ({"OPENBLAS_NUM_THREADS": "4"}, {}),
])
def test_game_workers_get_one_openmp_thread_only_when_agentnet_chose(environ, expected):
    assert game_worker_environment(environ) == expected
