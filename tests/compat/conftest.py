"""The C kernels of agentnet_compat are tested as users compile them.

The test runs compile with ``gcc.cxxflags=-O1 -g0`` to save compile time (see
``tests/conftest.py``); in this directory every test module's functions are
compiled with Theano's default flags instead (``-O3``), so that the dense
products, parallel convolutions and denormal handling are checked under the
optimisation level they run with; so are the scripts that
``fresh_interpreter.run_json_script`` runs.
"""
import pytest
import theano


@pytest.fixture(scope="module", autouse=True)
def theano_default_compile_flags():
    """Compile this module's functions with Theano's default g++ flags."""
    chosen = theano.config.gcc.cxxflags
    theano.config.gcc.cxxflags = ""
    yield
    theano.config.gcc.cxxflags = chosen
