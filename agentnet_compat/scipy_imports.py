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

``scipy.stats`` is the costly one: ``scipy.signal`` after it took 10 ms, but
``scipy.signal`` uses ``scipy.stats`` and would run it. Deferring both saved
0.2 s of processor time in a process that imports the CartPole demo, builds
its agent and compiles its functions (6 alternating pairs of fresh
interpreters, 2026-12-02: median 2.48 against 2.68 s).

The start-up hook (:mod:`agentnet_compat.hook`) calls
:func:`refuse_signal_without_sigtools` when one of the two convolution modules
imports ``scipy.signal``: where SciPy has no ``scipy.signal.sigtools``, it
raises the ImportError the import would have ended with, before any of
``scipy.signal`` runs, so Theano sets ``imported_scipy_signal = False`` as it
would have; with an older SciPy the import goes ahead. And while
``basic_scipy`` loads, :func:`lazy` makes ``scipy.stats`` a module that runs
when a name it defines is first looked up (by Theano or anyone else); the
module's own attributes (``__file__`` and the like) do not run it, because
Theano's optimizer calls ``inspect.getmodule``, which reads ``__file__`` of
every module (with :class:`importlib.util.LazyLoader` that ran it during the
first compile). Imported from anywhere else, or before Theano, both load as
usual.
"""
import os
import sys
import threading
import types

__all__ = ["lazy", "has_sigtools", "refuse_signal_without_sigtools"]

_SIGTOOLS = "sigtools"


class _DeferredModule(types.ModuleType):
    """A module whose code runs on the first lookup of a name it does not have yet.

    The attributes the import system sets before running a module
    (``__name__``, ``__file__``, ``__path__``, ``__spec__``...) are there
    without running it, so tools that walk ``sys.modules`` reading them
    (``inspect.getmodule``, which Theano's optimizer calls when a rewrite is
    rejected) leave it deferred.
    """

    def __getattr__(self, name):
        _run_deferred(self)
        if type(self) is _DeferredModule:  # the module's own code, running, asks for a name
            raise AttributeError("partly initialized module %r has no attribute %r"
                                 % (self.__name__, name))
        return getattr(self, name)


_LOCK = threading.RLock()
_RUNNING = set()


def _run_deferred(module):
    """Run a deferred module's code once; other threads wait for it, its own thread's lookups
    during the run return at once. A module whose code fails leaves ``sys.modules``, as after
    a failed import."""
    with _LOCK:
        if type(module) is not _DeferredModule or id(module) in _RUNNING:
            return
        _RUNNING.add(id(module))
        try:
            module.__spec__.loader.exec_module(module)
        except BaseException:
            if sys.modules.get(module.__name__) is module:
                del sys.modules[module.__name__]
            raise
        finally:
            _RUNNING.discard(id(module))
            module.__class__ = types.ModuleType


class _DeferredLoader(object):
    """Creates the module as ``loader`` would and defers running its code."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__spec__.loader = self.loader
        module.__loader__ = self.loader
        module.__class__ = _DeferredModule


def lazy(spec):
    """``spec`` with a loader that defers running the module to its first missing-name lookup
    (None stays None)."""
    if spec is not None and spec.loader is not None:
        spec.loader = _DeferredLoader(spec.loader)
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
