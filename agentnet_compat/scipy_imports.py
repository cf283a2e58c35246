"""Theano's start-up imports of SciPy, without the part it cannot use and the part it rarely needs.

``import theano`` imports two SciPy packages it does not need to start:

* ``theano.tensor.nnet.abstract_conv`` and ``theano.tensor.nnet.conv`` try
  ``from scipy.signal.sigtools import _convolve2d`` (for their Python
  fallbacks of the convolutions) and carry on without it on an ImportError.
  SciPy 1.8 renamed the module to ``scipy.signal._sigtools``, so with the
  SciPy this stack installs the import always fails, but only after
  importing all of ``scipy.signal``.
* ``theano.scalar.basic_scipy`` imports ``scipy.stats`` for one operation's
  Python implementation (``chi2sf``).

Together they were 0.25-0.3 s of ``import theano, lasagne, agentnet`` (8
alternating pairs of fresh interpreters, 2026-12-02: wall time median 1.07
against 1.3 s). The start-up hook (:mod:`agentnet_compat.hook`) calls
:func:`refuse_signal_without_sigtools` when one of the two convolution modules
imports ``scipy.signal``: where SciPy has no ``scipy.signal.sigtools``, it
raises the ImportError the import would have ended with, before any of
``scipy.signal`` runs, so Theano sets ``imported_scipy_signal = False`` as it
would have; with an older SciPy the import goes ahead. And while
``basic_scipy`` loads, :func:`lazy` makes ``scipy.stats`` a module that runs
on the first access to one of its attributes (by Theano or anyone else), with
:class:`importlib.util.LazyLoader`. Imported from anywhere else, or before
Theano, both load as usual.
"""
import os
import sys
from importlib.util import LazyLoader

__all__ = ["lazy", "has_sigtools", "refuse_signal_without_sigtools"]

_SIGTOOLS = "sigtools"


def lazy(spec):
    """``spec`` with its loader wrapped in :class:`importlib.util.LazyLoader` (None stays None)."""
    if spec is not None and spec.loader is not None:
        spec.loader = LazyLoader(spec.loader)
    return spec


def has_sigtools():
    """Whether the installed SciPy has a ``scipy.signal.sigtools`` module (SciPy < 1.8).

    Looks at the files of SciPy's ``signal`` package without importing it.
    """
    scipy = sys.modules.get("scipy")
    for directory in getattr(scipy, "__path__", ()):
        signal = os.path.join(directory, "signal")
        try:
            names = os.listdir(signal)
        except OSError:
            continue
        if any(name == _SIGTOOLS or name.startswith(_SIGTOOLS + ".") for name in names):
            return True
    return False


def refuse_signal_without_sigtools():
    """Raise the ImportError of ``scipy.signal.sigtools`` now if SciPy has no such module."""
    if not has_sigtools():
        raise ModuleNotFoundError(
            "No module named 'scipy.signal.sigtools' (SciPy 1.8 renamed it; agentnet_compat "
            "skips importing scipy.signal for Theano's Python convolutions, which need it)",
            name="scipy.signal.sigtools")
