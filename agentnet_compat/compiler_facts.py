"""What Theano learns about g++ in every process, remembered in the compile directory.

Before a process compiles or looks up its first C module, Theano runs g++ to
learn two facts that change only with the compiler and the processor: the
flags that ``-march=native`` stands for (``g++ -march=native -E -v -`` and
``g++ -E -v -``, then a test program compiled with those flags and run), and
whether g++ builds OpenMP code (another test program). That is five
subprocesses and two compilations, 0.15-0.19 s of every process that compiles
(measured 2026-12-02 on the CartPole demo with a warm compile cache).

:func:`remember_march_flags` wraps ``GCC_compiler.compile_args`` (before
Theano compiles its own modules on an empty compile directory) and
:func:`remember_openmp_support` ``OpenMPOp.test_gxx_support``: the first
process to learn a fact writes it to
``<compiledir>/agentnet_compiler_facts.json``; later processes read it there
instead of asking g++. Facts are filed under a digest of everything they
depend on: the compiler command and its version, ``gcc.cxxflags``, the
machine and the processor's model and feature flags (``/proc/cpuinfo``), so
a compile directory shared by several machines or compilers keeps one entry
for each. When ``gcc.cxxflags`` names a ``-march``, Theano detects nothing and
neither is anything stored. The file holds JSON only; it is written to a
temporary file and renamed, and an unreadable file is ignored (the facts are
then learnt again and the file rewritten).
"""
import hashlib
import json
import os
import platform
import tempfile

__all__ = ["remember_march_flags", "remember_openmp_support", "facts_path", "facts_key",
           "recall", "remember"]

FILE_NAME = "agentnet_compiler_facts.json"
_MARK = "_agentnet_remembers_compiler_facts"
_CPUINFO_FIELDS = ("vendor_id", "model name", "flags")


def facts_path():
    """The facts file of Theano's configured compile directory."""
    from theano import config
    return os.path.join(config.compiledir, FILE_NAME)


def _processor_description():
    """The vendor, model and feature flags of the first processor listed in /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            first_processor = cpuinfo.read().split("\n\n")[0]
    except OSError:
        return platform.processor()
    fields = dict(line.split(":", 1) for line in first_processor.splitlines() if ":" in line)
    return "|".join(fields.get(name, "").strip() for name in _CPUINFO_FIELDS)


def facts_key():
    """Digest of the compiler command, its version, ``gcc.cxxflags``, machine and processor."""
    from theano import config
    from theano.gof import cmodule
    described = "\n".join([config.cxx, cmodule.gcc_version_str, config.gcc.cxxflags,
                           platform.machine(), _processor_description()])
    return hashlib.sha256(described.encode("utf-8")).hexdigest()


def _read_all():
    try:
        with open(facts_path()) as stored:
            facts = json.load(stored)
    except (OSError, ValueError):
        return {}
    return facts if isinstance(facts, dict) else {}


def recall(name):
    """The fact ``name`` stored for this compiler and processor, or None."""
    entry = _read_all().get(facts_key())
    return entry.get(name) if isinstance(entry, dict) else None


def remember(name, value):
    """Store the fact ``name`` for this compiler and processor (atomically; failures ignored)."""
    facts = _read_all()
    key = facts_key()
    entry = facts.get(key) if isinstance(facts.get(key), dict) else {}
    entry[name] = value
    facts[key] = entry
    directory = os.path.dirname(facts_path())
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=FILE_NAME, dir=directory)
        with os.fdopen(descriptor, "w") as stored:
            json.dump(facts, stored, indent=1, sort_keys=True)
        os.replace(temporary, facts_path())
    except OSError:
        return


def _names_a_march(cxxflags):
    return any(flag.startswith(("-march=", "--march=")) for flag in cxxflags.split())


def _remembering_compile_args(original):
    """``compile_args`` that takes the ``-march=native`` flags from the facts file when stored."""
    def compile_args(march_flags=True):
        from theano import config
        from theano.gof.cmodule import GCC_compiler
        detects = (march_flags and GCC_compiler.march_flags is None
                   and not _names_a_march(config.gcc.cxxflags))
        stored = None
        if detects:
            stored = recall("march_flags")
            if isinstance(stored, list) and all(isinstance(flag, str) for flag in stored):
                GCC_compiler.march_flags = list(stored)
        arguments = original(march_flags)
        if detects and GCC_compiler.march_flags is not None and stored is None:
            remember("march_flags", list(GCC_compiler.march_flags))
        return arguments
    return compile_args


def _remembering_openmp_test(original):
    """``test_gxx_support`` that answers from the facts file when stored."""
    def test_gxx_support():
        stored = recall("openmp")
        if isinstance(stored, bool):
            return stored
        supported = bool(original())
        remember("openmp", supported)
        return supported
    return test_gxx_support


def _wrap_once(owner, name, make_wrapper, description):
    original = getattr(owner, name)
    if getattr(original, _MARK, False):
        return
    wrapper = make_wrapper(original)
    setattr(wrapper, _MARK, True)
    wrapper.__doc__ = "``%s`` remembered (:mod:`agentnet_compat.compiler_facts`)." % description
    setattr(owner, name, staticmethod(wrapper))


def remember_march_flags():
    """Wrap ``GCC_compiler.compile_args`` (idempotent); run once Theano's C linker is loaded,
    before anything compiles."""
    from theano.gof.cmodule import GCC_compiler
    _wrap_once(GCC_compiler, "compile_args", _remembering_compile_args,
               "GCC_compiler.compile_args")


def remember_openmp_support():
    """Wrap ``OpenMPOp.test_gxx_support`` (idempotent)."""
    from theano.gof.op import OpenMPOp
    _wrap_once(OpenMPOp, "test_gxx_support", _remembering_openmp_test,
               "OpenMPOp.test_gxx_support")
