"""Theano's module keys after ``import agentnet``: versioned and equal in every process.

A module whose key is unversioned, or whose version changes with the process,
is compiled again by every process; these tests fail on Theano 1.0.5 without
:mod:`agentnet_compat.theano_cache_keys`.
"""
import os
import subprocess
import sys
import textwrap

import pytest
import theano
import theano.tensor as T
from theano.gof import FunctionGraph, Op
from theano.gof.cc import CLinker
from theano.tensor.blas import _dot22

import agentnet  # noqa: F401  (installs the keys)
from agentnet_compat import theano_cache_keys as _theano_cache_keys


def module_version(outputs, inputs):
    """The version part of the C module key of the graph ``inputs -> outputs``."""
    return CLinker().accept(FunctionGraph(inputs, outputs)).cmodule_key()[0]


class UnversionedIdentity(Op):
    """An op with C code and no ``c_code_cache_version``: must stay unversioned."""
    __props__ = ()

    def make_node(self, x):
        return theano.Apply(self, [x], [x.type()])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = inputs[0].copy()

    def c_code(self, node, name, inputs, outputs, sub):
        return "Py_XDECREF(%s); %s = %s; Py_XINCREF(%s);" % (outputs[0], outputs[0], inputs[0],
                                                              outputs[0])


def test_a_module_of_an_op_without_parameters_is_versioned():
    x, y = T.matrices("x", "y")
    assert _dot22.__props__ == ()
    assert module_version([_dot22(x, y)], [x, y])


def test_a_module_with_an_unversioned_op_stays_unversioned():
    x = T.matrix("x")
    assert module_version([UnversionedIdentity()(x)], [x]) == ()


def test_an_unversioned_type_makes_the_graph_unversioned(monkeypatch):
    x, y = T.matrices("x", "y")
    fgraph = FunctionGraph([x, y], [_dot22(x, y)])
    linker = CLinker().accept(fgraph)
    assert _theano_cache_keys.graph_version(linker, fgraph)
    monkeypatch.setattr(type(x.type), "c_code_cache_version", lambda self: ())
    assert _theano_cache_keys.graph_version(linker, fgraph) == ()


def test_install_is_idempotent():
    patched = CLinker.cmodule_key_
    _theano_cache_keys.install()
    assert CLinker.cmodule_key_ is patched


def run_python(code, hash_seed):
    """Run ``code`` in a fresh interpreter with ``PYTHONHASHSEED=hash_seed``; return stdout."""
    env = dict(os.environ, PYTHONHASHSEED=str(hash_seed))
    completed = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout.strip().splitlines()[-1]


def test_the_version_of_a_cop_is_the_same_under_any_hash_seed():
    code = """
        import agentnet, theano.tensor as T
        print(T.DimShuffle((False, False), (1, 0)).c_code_cache_version())
    """
    assert run_python(code, 1) == run_python(code, 2)


#: Script prelude: import agentnet, then record every C module Theano compiles in ``compiled``.
COUNT_COMPILES = """
    import agentnet
    from theano.gof import cmodule
    compiled = []
    original = cmodule.GCC_compiler.compile_str
    def counting(module_name, src_code, *args, **kwargs):
        compiled.append(module_name)
        return original(module_name, src_code, *args, **kwargs)
    cmodule.GCC_compiler.compile_str = staticmethod(counting)
"""

COMPILE_AND_COUNT = COUNT_COMPILES + """
    import numpy as np, theano, theano.tensor as T
    x = T.matrix("x")
    f = theano.function([x], T.dot(x, x.T).dimshuffle(1, 0) * 3 + 1, mode="FAST_RUN")
    assert np.allclose(f(np.eye(2, dtype=x.dtype)), 3 * np.eye(2) + 1)
    print(len(compiled))
"""


@pytest.mark.slow
def test_a_second_process_compiles_nothing_for_a_graph_with_dot22_and_dimshuffle():
    run_python(COMPILE_AND_COUNT, 1)
    assert run_python(COMPILE_AND_COUNT, 2) == "0"
