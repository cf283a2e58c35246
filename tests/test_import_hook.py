"""`import lasagne` works in any order; Theano's BLAS default; Lasagne's pooling; compile locks."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import theano
from lasagne.layers import InputLayer, MaxPool1DLayer, MaxPool2DLayer, Pool2DLayer, get_output

import agentnet_import_hook

floatX = theano.config.floatX


def run_python(code, env=None):
    completed = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, env=env or os.environ.copy())
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout.strip()


@pytest.mark.parametrize("statement", ["import lasagne", "import lasagne, agentnet",
                                       "import agentnet, lasagne"])
def test_lasagne_imports_in_any_order(statement):
    out = run_python(statement + "\nimport lasagne\nprint(lasagne.layers.ScaleLayer.__name__)")
    assert out == "ScaleLayer"


def test_interpreter_start_does_not_import_theano():
    out = run_python("import sys; print('theano' in sys.modules, 'lasagne' in sys.modules, "
                     "'agentnet_import_hook' in sys.modules)")
    assert out == "False False True"


def _ldflags(env_updates):
    env = dict(os.environ, **env_updates)
    return run_python("import theano; print(repr(theano.config.blas.ldflags))", env)


def test_blas_default_and_user_settings_are_kept(tmp_path):
    flags = os.environ.get("THEANO_FLAGS", "")
    assert _ldflags({}) == repr(agentnet_import_hook.default_blas_ldflags())
    user_flags = (flags + "," if flags else "") + "blas.ldflags=-lblas"
    assert _ldflags({"THEANO_FLAGS": user_flags}) == repr("-lblas")
    rc = tmp_path / "theanorc"
    rc.write_text("[blas]\nldflags =\n")
    assert _ldflags({"THEANORC": str(rc)}) == repr("")


@pytest.mark.numerics
def test_lasagne_pooling_layers_compute_maxima():
    x = np.random.RandomState(0).randn(2, 3, 6, 6).astype(floatX)
    inp = InputLayer((None, 3, 6, 6))
    got = get_output(MaxPool2DLayer(inp, 2), theano.shared(x)).eval()
    np.testing.assert_allclose(got, x.reshape(2, 3, 3, 2, 3, 2).max(axis=(3, 5)))
    mean = get_output(Pool2DLayer(inp, 3, mode="average_inc_pad"), theano.shared(x)).eval()
    np.testing.assert_allclose(mean, x.reshape(2, 3, 2, 3, 2, 3).mean(axis=(3, 5)), rtol=1e-5)
    seq = x[:, :, 0]
    got1 = get_output(MaxPool1DLayer(InputLayer((None, 3, 6)), 3), theano.shared(seq)).eval()
    np.testing.assert_allclose(got1, seq.reshape(2, 3, 2, 3).max(axis=3))


def test_two_processes_compiling_at_once_share_a_compile_dir(tmp_path):
    flags = os.environ.get("THEANO_FLAGS", "")
    env = dict(os.environ, THEANO_FLAGS=(flags + "," if flags else "")
               + "base_compiledir=%s" % tmp_path)
    code = textwrap.dedent("""
        import numpy as np, theano, theano.tensor as T
        x = T.matrix()
        f = theano.function([x], T.tanh(T.dot(x, x.T)).sum() * 3.25)
        print(float(f(np.eye(3, dtype=theano.config.floatX))))
    """)
    processes = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, universal_newlines=True)
                 for _ in range(2)]
    outputs = [p.communicate()[0].strip() for p in processes]
    assert all(p.returncode == 0 for p in processes)
    assert outputs[0] == outputs[1] and abs(float(outputs[0]) - 3 * 3.25 * np.tanh(1)) < 1e-4
