"""The start-up hook: `import lasagne` in any order, Theano's BLAS default, Lasagne 0.1's
pooling on Theano 1.0, and two processes compiling into one compile directory.

Import behaviour is checked in fresh interpreters (``sys.executable -c``) that
inherit the runner's THEANO_FLAGS, hence its compile directory.
"""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import theano
import theano.tensor as T
from lasagne.layers import InputLayer, MaxPool1DLayer, MaxPool2DLayer, Pool2DLayer, get_output

import agentnet_compat
from agentnet_compat import blas as openblas_setup
from agentnet_compat.hook import CompatFinder

floatX = theano.config.floatX


def python_command(code):
    return [sys.executable, "-c", textwrap.dedent(code)]


def run_python(code, env=None):
    """Run ``code`` in a fresh interpreter; return its stdout, fail with its stderr."""
    completed = subprocess.run(python_command(code), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, universal_newlines=True,
                               env=os.environ.copy() if env is None else env, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout.strip()


# ------------------------------------------------------------------ interpreter start-up

def test_interpreter_start_registers_the_finder_without_importing_theano():
    out = run_python("""
        import sys
        print(sorted(m for m in ("theano", "lasagne", "agentnet", "numpy") if m in sys.modules))
        print("agentnet_compat" in sys.modules)
        print([type(f).__name__ for f in sys.meta_path].count("CompatFinder"))
    """)
    assert out.splitlines() == ["[]", "True", "1"]


def test_importing_lasagne_loads_the_backports_but_not_agentnet():
    out = run_python("""
        import sys
        import lasagne
        print(sorted(m for m in sys.modules if m == "agentnet" or m.startswith("agentnet.")))
        print(lasagne.layers.ScaleLayer.__module__, lasagne.nonlinearities.elu.__module__)
    """)
    assert out.splitlines() == ["[]", "agentnet_compat.backports.special "
                                      "agentnet_compat.backports.nonlinearities"]


def test_install_is_idempotent_and_the_finder_answers_only_for_its_names():
    agentnet_compat.install()
    agentnet_compat.install()
    finders = [f for f in sys.meta_path if isinstance(f, CompatFinder)]
    assert len(finders) == 1
    for name in ("json", "theano.tensor", "lasagne.layers", "agentnet"):
        assert finders[0].find_spec(name, None) is None


# ------------------------------------------------------------------ import orders

IMPORT_ORDERS = {
    "lasagne-alone": "import lasagne",
    "lasagne-then-agentnet": "import lasagne, agentnet",
    "agentnet-then-lasagne": "import agentnet, lasagne",
    "theano-then-lasagne": "import theano, lasagne",
    "special-submodule-first": "import lasagne.layers.special",
    "from-import-first": "from lasagne.layers import ScaleLayer, DenseLayer",
}


@pytest.mark.parametrize("statement", list(IMPORT_ORDERS.values()), ids=list(IMPORT_ORDERS))
def test_lasagne_imports_with_backports_in_any_order(statement):
    out = run_python(statement + textwrap.dedent("""
        import inspect, sys
        import lasagne
        from agentnet.utils import lasagne_backports
        print(lasagne.layers.ScaleLayer is lasagne_backports.ScaleLayer,
              lasagne.layers.special.ExpressionLayer is lasagne_backports.ExpressionLayer,
              "num_leading_axes" in inspect.signature(lasagne.layers.DenseLayer).parameters,
              lasagne.nonlinearities.elu is lasagne_backports.elu,
              sys.modules["lasagne.layers.special"] is lasagne.layers.special)
    """))
    assert out == "True True True True True"


def test_plain_import_lasagne_reaches_the_backports_and_builds_a_layer():
    out = run_python("""
        import lasagne
        layer = lasagne.layers.ScaleLayer(lasagne.layers.InputLayer((None, 3)), name="s")
        print(type(layer).__name__, [p.name for p in layer.get_params()])
        import theano.tensor.signal.downsample as downsample
        print(callable(downsample.max_pool_2d))
    """)
    assert out.splitlines() == ["ScaleLayer ['s.scales']", "True"]


# ------------------------------------------------------------------ BLAS flags

def _flags_without_blas():
    flags = os.environ.get("THEANO_FLAGS", "")
    return ",".join(f for f in flags.split(",") if f and not f.startswith("blas.ldflags"))


def _ldflags(tmp_path, theano_flags_extra=None, theanorc_text=""):
    """blas.ldflags seen by a fresh `import theano` with the given user settings."""
    theanorc = tmp_path / "theanorc"
    theanorc.write_text(theanorc_text)
    flags = ",".join(f for f in (_flags_without_blas(), theano_flags_extra) if f is not None)
    env = dict(os.environ, THEANO_FLAGS=flags, THEANORC=str(theanorc))
    return run_python("import theano; print(repr(theano.config.blas.ldflags))", env)


def test_blas_default_applies_when_the_user_sets_nothing(tmp_path):
    assert _ldflags(tmp_path) == repr(openblas_setup.default_blas_ldflags())


@pytest.mark.parametrize("value", ["-lfrom_flags", ""], ids=["library", "empty"])
def test_blas_ldflags_from_theano_flags_are_kept(tmp_path, value):
    assert _ldflags(tmp_path, "blas.ldflags=" + value) == repr(value)


def test_blas_ldflags_from_a_theanorc_file_are_kept(tmp_path):
    assert _ldflags(tmp_path, theanorc_text="[blas]\nldflags = -lfrom_theanorc\n") == \
        repr("-lfrom_theanorc")
    # THEANO_FLAGS still wins over the file, as in Theano itself.
    assert _ldflags(tmp_path, "blas.ldflags=-lfrom_flags",
                    "[blas]\nldflags = -lfrom_theanorc\n") == repr("-lfrom_flags")


def test_default_blas_ldflags_is_openblas_or_the_numpy_fallback():
    assert openblas_setup.default_blas_ldflags() in ("-lopenblas", "")


# ------------------------------------------------------------------ Lasagne 0.1 pooling

def pool_reference(x, pool, stride, pad, ignore_border, mode):
    """Pool the last len(pool) axes of ``x`` window by window (windows clipped at the end
    when ``ignore_border`` is False; 'average_inc_pad' counts padding zeros)."""
    axes = tuple(range(x.ndim - len(pool), x.ndim))
    fill = -np.inf if mode == "max" else 0.0
    padded = np.pad(x, [(0, 0)] * (x.ndim - len(pool)) + [(p, p) for p in pad],
                    constant_values=fill)
    counts = [(n + 2 * p - k) // s + 1 if ignore_border else -(-(n - k) // s) + 1
              for n, k, s, p in zip(x.shape[-len(pool):], pool, stride, pad)]
    out = np.empty(x.shape[:-len(pool)] + tuple(counts))
    for index in np.ndindex(*counts):
        window = padded[(Ellipsis,) + tuple(slice(i * s, i * s + k)
                                            for i, s, k in zip(index, stride, pool))]
        out[(Ellipsis,) + index] = window.max(axis=axes) if mode == "max" else \
            window.sum(axis=axes) / np.prod(pool)
    return out


POOL_CASES = {
    "max2d": (lambda i: MaxPool2DLayer(i, 2), (2, 2), (2, 2), (0, 0), True, "max"),
    "max2d-stride-pad": (lambda i: MaxPool2DLayer(i, 3, stride=2, pad=1), (3, 3), (2, 2),
                         (1, 1), True, "max"),
    "max2d-keep-border": (lambda i: MaxPool2DLayer(i, 2, ignore_border=False), (2, 2), (2, 2),
                          (0, 0), False, "max"),
    "average-inc-pad": (lambda i: Pool2DLayer(i, 3, mode="average_inc_pad"), (3, 3), (3, 3),
                        (0, 0), True, "average_inc_pad"),
    "average-inc-pad-padded": (lambda i: Pool2DLayer(i, 2, stride=1, pad=1,
                                                     mode="average_inc_pad"),
                               (2, 2), (1, 1), (1, 1), True, "average_inc_pad"),
}


@pytest.mark.numerics
@pytest.mark.parametrize("build, pool, stride, pad, ignore_border, mode",
                         list(POOL_CASES.values()), ids=list(POOL_CASES))
def test_lasagne_2d_pooling_vs_numpy(build, pool, stride, pad, ignore_border, mode, rng):
    layer = build(InputLayer((None, 2, 7, 6)))
    x = rng.randn(2, 2, 7, 6).astype(floatX)
    expected = pool_reference(x, pool, stride, pad, ignore_border, mode)
    assert layer.output_shape == (None,) + expected.shape[1:]
    got = get_output(layer, theano.shared(x)).eval()
    np.testing.assert_allclose(got, expected, rtol=1e-5)


@pytest.mark.numerics
@pytest.mark.parametrize("kwargs, pool, stride, pad", [
    ({"pool_size": 3}, (3,), (3,), (0,)),
    ({"pool_size": 2, "stride": 1, "pad": 1}, (2,), (1,), (1,))], ids=["plain", "stride-pad"])
def test_lasagne_max_pool_1d_vs_numpy(kwargs, pool, stride, pad, rng):
    layer = MaxPool1DLayer(InputLayer((None, 2, 7)), **kwargs)
    x = rng.randn(3, 2, 7).astype(floatX)
    expected = pool_reference(x, pool, stride, pad, True, "max")
    assert layer.output_shape == (None,) + expected.shape[1:]
    variable = T.tensor3()
    np.testing.assert_allclose(theano.function([variable], get_output(layer, variable))(x),
                               expected)
