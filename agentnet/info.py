"""What AgentNet runs on, in three lines: ``python -m agentnet.info``.

Prints the versions of Python, AgentNet, Theano, numpy and Lasagne, Theano's
``floatX`` and ``blas.ldflags``; each OpenBLAS in the process (Theano's,
linked by ``blas.ldflags``, and the copy bundled in numpy's wheel) with its
version, kernel (``openblas_get_corename()``), thread count and file; and
``OPENBLAS_CORETYPE`` with who set it (the user, AgentNet's import hook, or
nobody), ``OPENBLAS_NUM_THREADS`` (and whether AgentNet set it), ``OMP_NUM_THREADS``,
``GOMP_SPINCOUNT`` (how long an idle OpenMP thread polls before it sleeps),
whether convolutions run in parallel over the batch and large dense products
over the threads (:mod:`agentnet_compat.threads`,
:mod:`agentnet_compat.dense_products`) and whether compiled functions flush
denormal floats to zero (:mod:`agentnet_compat.denormals`). For example::

    AgentNet 0.10.6 | Python 3.10.12 | Theano 1.0.5 | numpy 1.23.5 | Lasagne 0.1 | ...
    BLAS: Theano's OpenBLAS 0.3.21, kernel SkylakeX, threads 1 (/usr/lib/...); ...
    OPENBLAS_CORETYPE=SkylakeX (set by agentnet) | OPENBLAS_NUM_THREADS=1 (set by agentnet) | ...

Theano's OpenBLAS is loaded here if no compiled function has loaded it yet,
which is what Theano itself would do, so the kernel shown is the one Theano
uses.
"""
import ctypes
import os
import platform
import re
import sys

from agentnet_compat import blas as openblas_setup
from agentnet_compat import threads

__all__ = ["blas_libraries", "describe", "main"]

_SYMBOL_SUFFIXES = ("", "64_")


def _symbol(library, name):
    """``name`` in ``library``, or its ``64_``-suffixed variant (numpy's ILP64 build)."""
    for suffix in _SYMBOL_SUFFIXES:
        function = getattr(library, name + suffix, None)
        if function is not None:
            return function
    raise AttributeError("%s has no symbol %s" % (library, name))


def _text(library, name):
    function = _symbol(library, name)
    function.restype = ctypes.c_char_p
    return function().decode()


def _openblas_facts(path):
    """Version, kernel and threads of the OpenBLAS mapped from ``path``."""
    library = ctypes.CDLL(path)
    return {"path": path, "version": _version_in(_text(library, "openblas_get_config")),
            "corename": _text(library, "openblas_get_corename"),
            "threads": _symbol(library, "openblas_get_num_threads")()}


def _version_in(config):
    """The first ``major.minor.patch`` word of ``openblas_get_config()``'s text, else "?".

    Builds differ in what comes first ("OpenBLAS 0.3.21 ..." or build options
    such as "USE64BITINT NO_AFFINITY ..."), so the version is looked for.
    """
    for word in config.split():
        if re.match(r"^\d+\.\d+\.\d+", word):
            return word
    return "?"


def _owner(path, ldflags):
    """Whose copy ``path`` is: numpy's bundled one, or the system's (Theano's if linked)."""
    import numpy
    numpy_root = os.path.dirname(os.path.dirname(os.path.realpath(numpy.__file__)))
    if os.path.realpath(path).startswith(os.path.join(numpy_root, "numpy")):
        return "numpy's"
    return "Theano's" if "-lopenblas" in ldflags.split() else "system"


def blas_libraries(ldflags):
    """Each OpenBLAS in this process, Theano's loaded first when ``ldflags`` link it.

    Parameters
    ----------
    ldflags : str
        Theano's ``blas.ldflags``.

    Returns
    -------
    list of dict
        One dict per library: ``owner`` (``"Theano's"``, ``"numpy's"`` or
        ``"system"``), ``path``, ``version``, ``corename`` and ``threads``.
    """
    if "-lopenblas" in ldflags.split():
        try:
            ctypes.CDLL("libopenblas.so.0")
        except OSError:
            pass
    libraries = []
    for path in openblas_setup.loaded_openblas_libraries():
        try:
            facts = _openblas_facts(path)
        except (OSError, AttributeError):
            continue
        libraries.append(dict(facts, owner=_owner(path, ldflags)))
    return sorted(libraries, key=lambda facts: facts["owner"] != "Theano's")


def _versions_line():
    import lasagne
    import numpy
    import theano
    import agentnet
    return " | ".join([
        "AgentNet %s" % agentnet.__version__, "Python %s" % platform.python_version(),
        "Theano %s" % theano.__version__, "numpy %s" % numpy.__version__,
        "Lasagne %s" % lasagne.__version__, "floatX=%s" % theano.config.floatX,
        "blas.ldflags=%r" % theano.config.blas.ldflags])


def _blas_line(ldflags):
    parts = ["%(owner)s OpenBLAS %(version)s, kernel %(corename)s, threads %(threads)d "
             "(%(path)s)" % facts for facts in blas_libraries(ldflags)]
    if not ldflags.strip():
        parts.insert(0, "Theano uses numpy's BLAS through its C API")
    elif "-lopenblas" not in ldflags.split():
        parts.insert(0, "Theano links %s" % ldflags)
    return "BLAS: " + ("; ".join(parts) or "no OpenBLAS loaded")


def _variable(name):
    value = os.environ.get(name)
    return "%s unset" % name if value is None else "%s=%s" % (name, value)


def _threads_line():
    coretype = _variable(openblas_setup.CORETYPE)
    origin = openblas_setup.openblas_coretype_origin()
    if origin != "unset":
        coretype += " (set by %s)" % origin
    parallel = threads.parallel_convolutions_enabled()
    blas_threads = _variable("OPENBLAS_NUM_THREADS") + (" (set by agentnet)" if parallel else "")
    convolutions = ("convolutions parallel over the batch, large dense products over the threads"
                    if parallel else "convolutions and dense products serial")
    from theano.compile.function_module import Function
    flushing = getattr(Function.__call__, "flushes_denormals", False)
    denormals = "denormals %s in compiled functions" % ("flushed" if flushing else "kept")
    return " | ".join([coretype, blas_threads, _variable("OMP_NUM_THREADS"),
                       _variable("GOMP_SPINCOUNT"), convolutions, denormals])


def describe():
    """The diagnostic as three lines of text (versions; BLAS libraries; BLAS variables).

    Returns
    -------
    str
        The text :func:`main` prints; see the module docstring for an example.
    """
    import theano
    return "\n".join([_versions_line(), _blas_line(theano.config.blas.ldflags),
                      _threads_line()])


def main():
    """Print :func:`describe` (``python -m agentnet.info``)."""
    print(describe())
    sys.stdout.flush()


if __name__ == "__main__":
    main()
