"""Shared test configuration.

Theano is configured before anything imports it: when the runner did not set
THEANO_FLAGS (``make test`` does), tests compile with ``fast_compile`` in
float32 into a persistent cache outside the clone (apart from the one the
demo and the benchmarks use, see the Makefile), their C modules with
``g++ -O1 -g0`` (a third less compile time than Theano's ``-O3 -g``).
"""
import gc
import os

os.environ.setdefault(
    "THEANO_FLAGS",
    "optimizer=fast_compile,floatX=float32,gcc.cxxflags=-O1 -g0,base_compiledir="
    + os.path.expanduser("~/.cache/agentnet/theano-tests"))

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng():
    """A seeded numpy random generator, fresh for every test."""
    return np.random.RandomState(1337)


@pytest.fixture(scope="session")
def floatX():
    """Theano's floatX for the current run (float32 in CI, float64 in the numerics pass)."""
    import theano
    return theano.config.floatX


def pytest_sessionfinish(session):
    """Exempt what the tests leave alive from the garbage collections after the session.

    pytest's unraisable-exception check runs five full collections at
    unconfigure; over the millions of objects of a worker's compiled Theano
    graphs they took 5-10 s (2026-12-02), after the worker had reported
    finishing, and pytest-xdist interrupts a worker that is not done 5 s after
    that (a stray KeyboardInterrupt traceback). The objects are freed when the
    process exits.
    """
    gc.freeze()

