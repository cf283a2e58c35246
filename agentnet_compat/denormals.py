"""Compiled Theano functions flush denormal floats to zero, so that long runs do not slow down.

A float32 below 1.2e-38 in magnitude is *denormal*; x86 processors compute
with such numbers through a microcode path tens of times slower than the
normal one. Adam meets them in every long run: where a weight's gradient is
zero (a dead ReLU unit, an action never taken), its second-moment estimate
decays as :math:`v_t = \\beta_2 v_{t-1}` with :math:`\\beta_2 = 0.999` into
the denormal range, and stays there (rounding :math:`0.999 \\cdot 2^{-149}`
gives :math:`2^{-149}` back). On this project's machines Adam's update of the
Nature-DQN's 3136 x 512 dense layer took 3.5 ms with normal second moments
and 91 ms with denormal ones; 100,000 env steps into the Atari notebook that
one update was 29% of the training step.

Two bits of the x86 MXCSR register remove that path: FTZ (a denormal result
becomes 0) and DAZ (a denormal input is read as 0); no value then differs by
more than 1.2e-38 (float32; 2.2e-308 in float64). They are per thread and
global to everything that thread computes, so setting them for the whole
process would also change numpy and Python arithmetic (Hypothesis, for one,
refuses to run). :func:`install` therefore wraps
``theano.compile.function_module.Function.__call__``: each call of a compiled
function sets both bits in the calling thread and restores the caller's
floating-point environment (the one it had at its first call) when it
returns or raises. Threads that Theano's
C code starts during a call (OpenMP's, for parallel convolutions and
elementwise kernels) inherit the bits, as POSIX passes the floating-point
environment on to new threads. Cost: about a microsecond per call.

The start-up hook calls :func:`install` when Theano's compile module loads,
unless ``AGENTNET_KEEP_DENORMALS=1``; x86-64 Linux with glibc only (elsewhere
nothing changes).
"""
import ctypes
import ctypes.util
import functools
import os
import platform
import sys
import threading

__all__ = ["install", "flush_allowed", "flushing_denormals", "denormals_flushed", "OPT_OUT"]

OPT_OUT = "AGENTNET_KEEP_DENORMALS"
FLUSH_BITS = (1 << 15) | (1 << 6)  # FTZ | DAZ
# glibc's x86-64 fenv_t: the 28-byte x87 environment, then the 32-bit MXCSR.
_FENV_SIZE, _MXCSR_OFFSET = 32, 28
_EXCEPTION_MASKS = 0x1F80  # set by default: a check that the layout is the one above


def _x86_64_linux():
    return sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")


def flush_allowed(environ=None):
    """Whether to flush denormals: x86-64 Linux, and no ``AGENTNET_KEEP_DENORMALS=1``.

    Parameters
    ----------
    environ : mapping of str to str or None
        The environment to read (None: ``os.environ``).

    Returns
    -------
    bool
    """
    environ = os.environ if environ is None else environ
    return _x86_64_linux() and environ.get(OPT_OUT, "") in ("", "0")


def _libm():
    """The C maths library (``fegetenv``/``fesetenv``), or None where it cannot be loaded."""
    try:
        libm = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
        return libm if hasattr(libm, "fegetenv") and hasattr(libm, "fesetenv") else None
    except OSError:
        return None


def _mxcsr_of(environment):
    return ctypes.c_uint32.from_buffer(environment, _MXCSR_OFFSET)


def _current_environment(libm):
    """The calling thread's ``fenv_t`` as a buffer, or None where it is not glibc's x86-64 one."""
    environment = ctypes.create_string_buffer(_FENV_SIZE)
    if libm is None or libm.fegetenv(environment) != 0:
        return None
    if _mxcsr_of(environment).value & _EXCEPTION_MASKS != _EXCEPTION_MASKS:
        return None
    return environment


def denormals_flushed():
    """Whether the calling thread flushes denormals now (FTZ and DAZ both set).

    Returns
    -------
    bool
    """
    environment = _current_environment(_libm()) if _x86_64_linux() else None
    return environment is not None and _mxcsr_of(environment).value & FLUSH_BITS == FLUSH_BITS


def flushing_denormals(function, libm):
    """``function`` wrapped to run with FTZ and DAZ set in the calling thread.

    A thread's first call records its floating-point environment and a copy
    with both bits set; every call then switches to the copy, runs
    ``function`` and switches back, also when it raises. Calls nested in a
    call (a compiled function run from inside another) run as they are.

    Parameters
    ----------
    function : callable
    libm : ctypes.CDLL
        The C maths library, with ``fegetenv`` and ``fesetenv``.

    Returns
    -------
    callable
    """
    per_thread = threading.local()
    set_environment = libm.fesetenv

    def environments():
        """``(caller's, flushing)`` environment buffers of the calling thread."""
        pair = getattr(per_thread, "pair", None)
        if pair is None:
            saved = _current_environment(libm)
            flushed = ctypes.create_string_buffer(saved.raw, _FENV_SIZE)
            _mxcsr_of(flushed).value |= FLUSH_BITS
            pair = per_thread.pair = (saved, flushed)
            per_thread.inside = False
        return pair

    @functools.wraps(function)
    def call(*args, **kwargs):
        saved, flushed = environments()
        if per_thread.inside:
            return function(*args, **kwargs)
        per_thread.inside = True
        set_environment(flushed)
        try:
            return function(*args, **kwargs)
        finally:
            set_environment(saved)
            per_thread.inside = False

    call.flushes_denormals = True
    return call


def _cache_float_limits():
    """Compute numpy's ``finfo`` tables now: computed while flushing, they warn and are wrong."""
    import numpy
    for dtype in (numpy.float16, numpy.float32, numpy.float64, numpy.longdouble):
        numpy.finfo(dtype)


def install(function_class):
    """Make every call of a compiled Theano function flush denormals (if allowed and possible).

    Parameters
    ----------
    function_class : type
        ``theano.compile.function_module.Function``.

    Returns
    -------
    bool
        Whether calls now flush denormals.
    """
    if getattr(function_class.__call__, "flushes_denormals", False):
        return True
    libm = _libm() if flush_allowed() else None
    if _current_environment(libm) is None:
        return False
    _cache_float_limits()
    function_class.__call__ = flushing_denormals(function_class.__call__, libm)
    return True
