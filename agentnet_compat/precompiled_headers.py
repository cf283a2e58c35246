"""Theano's C modules compile against a precompiled header of the includes they all share.

Every module Theano builds starts with the same includes (``Python.h``,
``iostream``, ``theano_mod_helper.h``, ``math.h``, ``numpy/arrayobject.h``,
``numpy/arrayscalars.h``, and in most modules ``vector`` and ``algorithm``),
and g++ spends most of a module's time on them: measured 2026-12-02 on an
elementwise module of the test suite, 1.09-1.16 s for the module with
Theano's ``-O3 -g`` and 0.91-0.92 s for the includes alone. With the includes
precompiled, the same module took 0.54-0.64 s.

:func:`install` wraps ``GCC_compiler.compile_str``. For a module that starts
with those includes it makes sure a precompiled header ``Python.h.gch``
exists for the exact compiler command (compiler, flags, include directories
and the preprocessed text of the includes, digested), building it once
(about 2 s) in ``<compiledir>/agentnet_pch/<digest>/``, and puts that
directory first on the include path: g++ then reads the precompiled header
where the module includes ``<Python.h>``, and the module's later includes of
the same headers are skipped by their include guards.

Nothing can change in a module because of this: g++ uses a precompiled header
only when it fits the command (otherwise it reads the headers themselves), a
header file that changes (another numpy, another Python) changes the digest,
and the directory is added when g++ runs, so Theano's module keys are the
same as without it. Any failure to build the header leaves the module to
compile as before.
"""
import hashlib
import os
import subprocess
import tempfile

__all__ = ["install", "SHARED_INCLUDES", "header_directory", "uses_shared_includes"]

#: The includes of every module Theano 1.0.5 builds, in its order, then two
#: that most modules add (harmless in the others: standard C++ headers).
SHARED_INCLUDES = ("<Python.h>", "<iostream>", '"theano_mod_helper.h"', "<math.h>",
                   "<numpy/arrayobject.h>", "<numpy/arrayscalars.h>", "<vector>", "<algorithm>")
_REQUIRED = SHARED_INCLUDES[:6]
_HEADER_TEXT = "".join("#include %s\n" % name for name in SHARED_INCLUDES)
_MARK = "_agentnet_uses_precompiled_headers"
_directories = {}


def uses_shared_includes(src_code):
    """Whether a module's source starts with ``Python.h`` and includes the other shared headers.

    Only the leading block of ``#include`` lines is read.
    """
    includes = []
    for line in src_code.splitlines():
        if not line.startswith("#include "):
            break
        includes.append(line[len("#include "):].strip())
    return bool(includes) and includes[0] == "<Python.h>" and set(_REQUIRED) <= set(includes)


def _compiler_arguments(preargs, include_dirs):
    """The arguments ``compile_str`` gives g++ that shape the compiled code (no files, no -l)."""
    from theano import config
    from theano.gof import cmodule
    flags = [flag for flag in preargs or ()
             if not (config.cmodule.remove_gxx_opt and flag.startswith("-O"))]
    directories = [d for d in include_dirs or () if d] + cmodule.std_include_dirs()
    return ["-g"] + flags + ["-I%s" % d for d in directories] + ["-fvisibility=hidden"]


def _run(command):
    """Run a compiler command (the shared includes on its standard input).

    Returns its standard output as bytes, or None if it could not run or failed.
    """
    try:
        completed = subprocess.run(command, input=_HEADER_TEXT.encode(), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout if completed.returncode == 0 else None


def _build(compiler, arguments, directory):
    """Write ``directory/Python.h.gch`` (atomically); False if g++ could not build it.

    g++ reads a header to precompile from a file only: the shared includes are
    written next to it first (``shared_includes.h``, one per process).
    """
    os.makedirs(directory, exist_ok=True)
    handle, header = tempfile.mkstemp(prefix="shared_includes.", suffix=".h", dir=directory)
    with os.fdopen(handle, "w") as header_file:
        header_file.write(_HEADER_TEXT)
    partial = header[:-len(".h")] + ".gch"
    built = _run([compiler] + arguments + ["-x", "c++-header", "-o", partial, header]) is not None
    if built:
        os.replace(partial, os.path.join(directory, "Python.h.gch"))
    os.remove(header)
    return built


def header_directory(preargs, include_dirs):
    """The directory holding a precompiled header for this command, built if needed.

    Parameters
    ----------
    preargs : list of str
        The compile flags Theano passes to ``compile_str``.
    include_dirs : list of str
        The include directories Theano passes (its standard ones are added,
        as ``compile_str`` adds them).

    Returns
    -------
    str or None
        ``<compiledir>/agentnet_pch/<digest>``, where the digest covers the
        compiler, the arguments and the preprocessed includes; None when the
        header cannot be built (the module then compiles without it).
    """
    from theano import config
    arguments = _compiler_arguments(preargs, include_dirs)
    command_key = (config.cxx,) + tuple(arguments)
    if command_key not in _directories:
        _directories[command_key] = _prepare(config.cxx, arguments, config.compiledir)
    return _directories[command_key]


def _prepare(compiler, arguments, compiledir):
    """Digest the command and the preprocessed includes; build the header where missing."""
    preprocessed = _run([compiler] + arguments + ["-x", "c++", "-E", "-"])
    if preprocessed is None:
        return None
    digest = hashlib.sha256("\0".join([compiler] + arguments).encode() + b"\0" + preprocessed)
    directory = os.path.join(compiledir, "agentnet_pch", digest.hexdigest()[:24])
    if os.path.exists(os.path.join(directory, "Python.h.gch")):
        return directory
    try:
        built = _build(compiler, arguments, directory)
    except OSError:  # a compile directory we may not write to, a full disk
        built = False
    return directory if built else None


def install():
    """Wrap ``GCC_compiler.compile_str`` (idempotent); run by the start-up import hook."""
    from theano.gof import cmodule
    original = cmodule.GCC_compiler.compile_str
    if getattr(original, _MARK, False):
        return

    def compile_with_precompiled_header(module_name, src_code, location=None,
                                        include_dirs=None, lib_dirs=None, libs=None,
                                        preargs=None, py_module=True, hide_symbols=True):
        if hide_symbols and uses_shared_includes(src_code):
            directory = header_directory(preargs, include_dirs)
            if directory is not None:
                include_dirs = [directory] + list(include_dirs or ())
        return original(module_name, src_code, location=location, include_dirs=include_dirs,
                        lib_dirs=lib_dirs, libs=libs, preargs=preargs, py_module=py_module,
                        hide_symbols=hide_symbols)

    compile_with_precompiled_header.__doc__ = (
        "``GCC_compiler.compile_str`` with the shared includes precompiled "
        "(:mod:`agentnet_compat.precompiled_headers`).")
    setattr(compile_with_precompiled_header, _MARK, True)
    cmodule.GCC_compiler.compile_str = staticmethod(compile_with_precompiled_header)
