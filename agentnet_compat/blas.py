"""The BLAS Theano links, and the OpenBLAS kernel it runs.

Called by the start-up hook (:mod:`agentnet_compat.hook`) right after Theano
has read ``THEANO_FLAGS`` and ``.theanorc``: when neither sets
``blas.ldflags``, a default is added (``-lopenblas`` when the OpenBLAS
development library is installed, else the empty string, Theano's NumPy
C-API fallback; without a value Theano 1.0.5 crashes at import under
numpy >= 1.22). Then, when Theano links OpenBLAS, its kernel is chosen (see
:func:`decide_openblas_coretype`).

This module imports only ``os`` and ``sys`` at import time: it runs at every
interpreter start, and as a bare script (``-I -S``) for the probe subprocess.

OpenBLAS kernel
---------------
A DYNAMIC_ARCH OpenBLAS picks its kernel when it loads; one older than the CPU
falls back to a generic pre-AVX2 kernel (Debian's 0.3.21 runs ``Prescott`` on
an AVX-512 Xeon of family 6, model 207 (Emerald Rapids): a Nature-DQN training
step takes about 1.7x the processor time it takes with ``SkylakeX``). Before
any libopenblas is loaded by Theano, and unless the user set
``OPENBLAS_CORETYPE`` or opted out with ``AGENTNET_NO_BLAS_TUNING=1``, the
hook sets ``OPENBLAS_CORETYPE`` to ``SkylakeX`` (AVX-512) or ``Haswell``
(AVX2) when the library would fall back, the kernel is not slower and its gemm
agrees with the generic one. The probing runs in short subprocesses once per
CPU and library; the answer is cached in
``$XDG_CACHE_HOME/agentnet/openblas_kernel.json`` (default ``~/.cache``).
``AGENTNET_SET_OPENBLAS_CORETYPE`` records the value the hook set, so child
processes and ``python -m agentnet.info`` can tell it from a user's.
"""
import os
import sys

__all__ = ["configure_blas", "default_blas_ldflags", "decide_openblas_coretype",
           "choose_openblas_kernel", "openblas_kernel_candidates", "blas_tuning_allowed",
           "gemm_results_agree", "cpu_flags", "probe_openblas", "openblas_coretype_origin",
           "loaded_openblas_libraries", "openblas_cache_file"]

_LIBRARY_DIRS = ("/usr/lib", "/usr/lib64", "/usr/local/lib", "/lib")

CORETYPE = "OPENBLAS_CORETYPE"
CORETYPE_MARK = "AGENTNET_SET_OPENBLAS_CORETYPE"
OPT_OUT = "AGENTNET_NO_BLAS_TUNING"
_OPENBLAS_RUNTIME = "libopenblas.so.0"
_PROBE_ARGUMENT = "--probe-openblas"
# Kernels without AVX2: what a DYNAMIC_ARCH OpenBLAS falls back to on a CPU
# newer than itself (0.3.21 runs Prescott on unknown Intel models).
_PRE_AVX2_KERNELS = frozenset((
    "katmai", "coppermine", "northwood", "prescott", "banias", "core2", "penryn",
    "dunnington", "nehalem", "atom", "athlon", "opteron", "opteron(sse3)", "barcelona",
    "bobcat", "nano", "sandybridge", "bulldozer", "piledriver", "unknown"))
_AVX2_FLAGS = frozenset(("avx2", "fma"))
# SkylakeX's kernels use these AVX-512 subsets.
_AVX512_FLAGS = frozenset(("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"))
_CPU_KEY_FIELDS = ("vendor_id", "cpu family", "model", "model name", "stepping", "flags")
# The numerics check multiplies (M x K) by (K x N); sizes off every kernel's
# block size so that edge paths run too. The timing uses a square product.
_CHECK_M, _CHECK_N, _CHECK_K = 47, 53, 301
_TIMING_SIZE, _TIMING_CALLS, _TIMING_ROUNDS = 384, 4, 3


def default_blas_ldflags():
    """Return the ``blas.ldflags`` value to use when the user set none.

    Returns
    -------
    str
        ``"-lopenblas"`` when ``libopenblas.so`` is in a standard library
        directory (Debian: ``apt-get install libopenblas-dev``), otherwise
        ``""``, which makes Theano call BLAS through NumPy's C API.
    """
    multiarch = getattr(sys.implementation, "_multiarch", "")
    directories = list(_LIBRARY_DIRS)
    if multiarch:
        directories += [os.path.join(d, multiarch) for d in ("/usr/lib", "/lib")]
    for directory in directories:
        if os.path.exists(os.path.join(directory, "libopenblas.so")):
            return "-lopenblas"
    return ""


# ------------------------------------------------------------------ OpenBLAS kernel

def cpu_flags(cpuinfo):
    """Feature flags of the first processor in the text of ``/proc/cpuinfo``.

    Parameters
    ----------
    cpuinfo : str
        Text in the format of Linux's ``/proc/cpuinfo`` (``name : value``
        lines); ``""`` where it cannot be read.

    Returns
    -------
    frozenset of str
        The words of the first ``flags`` line, e.g. ``{"avx2", "fma", ...}``.
    """
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def openblas_kernel_candidates(flags, corename):
    """OpenBLAS kernels to try instead of ``corename``, preferred first.

    Parameters
    ----------
    flags : frozenset of str
        The CPU's feature flags (:func:`cpu_flags`).
    corename : str
        The kernel OpenBLAS picks by itself (``openblas_get_corename()``).

    Returns
    -------
    list of str
        ``[]`` unless ``corename`` is a kernel without AVX2 and the CPU has
        AVX2 and FMA; then ``["SkylakeX", "Haswell"]`` when it also has
        AVX-512 F, CD, BW, DQ and VL, else ``["Haswell"]``.
    """
    if corename.lower() not in _PRE_AVX2_KERNELS or not _AVX2_FLAGS <= flags:
        return []
    return ["SkylakeX", "Haswell"] if _AVX512_FLAGS <= flags else ["Haswell"]


def blas_tuning_allowed(environ, ldflags):
    """Whether AgentNet may choose OpenBLAS's kernel in this process.

    Parameters
    ----------
    environ : mapping of str to str
        The process environment.
    ldflags : str
        Theano's ``blas.ldflags``, the user's or AgentNet's default.

    Returns
    -------
    bool
        False when ``AGENTNET_NO_BLAS_TUNING`` is set (to anything but ``""``
        or ``"0"``), when ``OPENBLAS_CORETYPE`` is set at all, or when
        ``ldflags`` is not exactly ``-lopenblas`` (another library, or a
        directory the probe would not look in); True otherwise.
    """
    if environ.get(OPT_OUT, "") not in ("", "0"):
        return False
    return CORETYPE not in environ and ldflags.split() == ["-lopenblas"]


def _products_agree(reference, trial, gamma):
    pairs = zip(reference["c"], trial["c"], reference["abs"])
    return (len(reference["c"]) == len(trial["c"])
            and all(abs(c - r) <= gamma * bound for r, c, bound in pairs))


def gemm_results_agree(reference, trial):
    r"""Whether two kernels' gemm products agree to floating-point tolerance.

    Parameters
    ----------
    reference, trial : dict
        Reports of :func:`probe_openblas` for the generic and the candidate
        kernel: ``"k"`` (inner dimension) and, for ``"sgemm"`` and
        ``"dgemm"``, ``{"c": C, "abs": |A| |B|}`` as flat lists of the same
        ``M x N`` product.

    Returns
    -------
    bool
        True when every entry of both products is within the bound below
        (a NaN never is).

    Notes
    -----
    A correctly rounded dot product of length :math:`K` in unit roundoff
    :math:`u` (:math:`2^{-24}` single, :math:`2^{-53}` double) obeys
    :math:`|\hat C_{ij} - C_{ij}| \le \gamma_K (|A||B|)_{ij}` with
    :math:`\gamma_K \approx K u` whatever the summation order (Higham,
    *Accuracy and Stability of Numerical Algorithms*, 2002, section 3.5), so
    two correct kernels differ by at most :math:`2 K u (|A||B|)_{ij}`.
    """
    gamma = 2 * reference["k"]
    return (_products_agree(reference["sgemm"], trial["sgemm"], gamma * 2.0 ** -24)
            and _products_agree(reference["dgemm"], trial["dgemm"], gamma * 2.0 ** -53))


def choose_openblas_kernel(flags, probe):
    """The OpenBLAS kernel to force on this CPU, or None to keep OpenBLAS's choice.

    Parameters
    ----------
    flags : frozenset of str
        The CPU's feature flags (:func:`cpu_flags`).
    probe : callable
        ``probe(coretype)`` loads OpenBLAS with ``OPENBLAS_CORETYPE=coretype``
        (unset for None) and returns its report (:func:`probe_openblas`), or
        None when the library failed to load or crashed.

    Returns
    -------
    str or None
        Of :func:`openblas_kernel_candidates`, the fastest one (by its
        report's ``"seconds"``; ties go to the one listed first, so SkylakeX
        wins a tie with Haswell) that OpenBLAS really runs, whose gemm agrees
        with the generic kernel's (:func:`gemm_results_agree`) and that is not
        slower than it; None when none qualifies.
    """
    reference = probe(None)
    if reference is None:
        return None
    trials = [(name, probe(name))
              for name in openblas_kernel_candidates(flags, reference["corename"])]
    passed = [(trial["seconds"], rank, name) for rank, (name, trial) in enumerate(trials)
              if trial is not None and trial["corename"] == name
              and trial["seconds"] <= reference["seconds"]
              and gemm_results_agree(reference, trial)]
    return min(passed)[2] if passed else None


def decide_openblas_coretype(environ, ldflags, cpuinfo, probe):
    """The ``OPENBLAS_CORETYPE`` AgentNet sets, or None to leave OpenBLAS alone.

    Parameters
    ----------
    environ : mapping of str to str
        The process environment (the user's ``OPENBLAS_CORETYPE`` and
        ``AGENTNET_NO_BLAS_TUNING`` are read from it).
    ldflags : str
        Theano's ``blas.ldflags`` (the user's or the default).
    cpuinfo : str
        Text of ``/proc/cpuinfo`` (at least the first processor).
    probe : callable
        As in :func:`choose_openblas_kernel`; not called when tuning is not
        allowed (:func:`blas_tuning_allowed`) or the CPU lacks AVX2.

    Returns
    -------
    str or None
        ``"SkylakeX"`` or ``"Haswell"`` when OpenBLAS would fall back to a
        generic kernel on this AVX2 CPU and the candidate qualifies
        (:func:`choose_openblas_kernel`); None otherwise.
    """
    flags = cpu_flags(cpuinfo)
    if not blas_tuning_allowed(environ, ldflags) or not _AVX2_FLAGS <= flags:
        return None
    return choose_openblas_kernel(flags, probe)


def openblas_coretype_origin(environ=None):
    """Who set ``OPENBLAS_CORETYPE``: ``"user"``, ``"agentnet"`` or ``"unset"``.

    AgentNet records the value it sets in ``AGENTNET_SET_OPENBLAS_CORETYPE``;
    a value that differs from that record is the user's.
    """
    environ = os.environ if environ is None else environ
    if CORETYPE not in environ:
        return "unset"
    return "agentnet" if environ.get(CORETYPE_MARK) == environ[CORETYPE] else "user"


def _runtime_library_dirs():
    multiarch = getattr(sys.implementation, "_multiarch", "")
    extra = [os.path.join(d, multiarch) for d in ("/usr/lib", "/lib")] if multiarch else []
    user = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d]
    return user + extra + list(_LIBRARY_DIRS)


def _openblas_runtime_file():
    """Real path of the ``libopenblas.so.0`` the dynamic loader would find, or ``""``."""
    for directory in _runtime_library_dirs():
        candidate = os.path.join(directory, _OPENBLAS_RUNTIME)
        if os.path.exists(candidate):
            return os.path.realpath(candidate)
    return ""


def _first_cpu_info(path="/proc/cpuinfo"):
    """The first processor's block of ``/proc/cpuinfo`` (reading stops there), or ``""``."""
    lines = []
    try:
        with open(path) as source:
            for line in source:
                if not line.strip():
                    break
                lines.append(line)
    except OSError:
        return ""
    return "".join(lines)


def _machine_key(cpuinfo, library):
    """Hash of the CPU's identity and flags and of the library file's path, size and mtime."""
    import hashlib
    fields = [line for line in cpuinfo.splitlines()
              if line.partition(":")[0].strip() in _CPU_KEY_FIELDS]
    stat = os.stat(library) if library else None
    fields.append("%s %s %s" % (library, stat and stat.st_size, stat and stat.st_mtime_ns))
    return hashlib.sha1("\n".join(fields).encode()).hexdigest()


def openblas_cache_file():
    """Path of the cached kernel decisions: ``$XDG_CACHE_HOME/agentnet/openblas_kernel.json``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "agentnet", "openblas_kernel.json")


def _read_cache(path):
    import json
    try:
        with open(path) as source:
            cache = json.load(source)
    except (OSError, ValueError):
        return {}
    return cache if isinstance(cache, dict) else {}


def _write_cache(path, cache):
    """Replace the cache file atomically; a read-only home just means no cache."""
    import json
    temporary = "%s.%d" % (path, os.getpid())
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "w") as target:
            json.dump(cache, target, indent=1, sort_keys=True)
        os.replace(temporary, path)
    except OSError:
        pass


def _cached_coretype(ldflags):
    """:func:`decide_openblas_coretype` for this machine, probed once and cached."""
    cpuinfo, library = _first_cpu_info(), _openblas_runtime_file()
    key, path = _machine_key(cpuinfo, library), openblas_cache_file()
    cache = _read_cache(path)
    entry = cache.get(key)
    if not isinstance(entry, dict):
        coretype = decide_openblas_coretype(os.environ, ldflags, cpuinfo, probe_openblas)
        entry = cache[key] = {"coretype": coretype, "library": library,
                              "cpu": _cpu_model_name(cpuinfo)}
        _write_cache(path, cache)
    return entry.get("coretype")


def _cpu_model_name(cpuinfo):
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "model name":
            return value.strip()
    return ""


def _tune_openblas(ldflags):
    """Set ``OPENBLAS_CORETYPE`` (and its record) when this machine's decision says so."""
    if not blas_tuning_allowed(os.environ, ldflags):
        return
    coretype = _cached_coretype(ldflags)
    if coretype:
        os.environ[CORETYPE] = os.environ[CORETYPE_MARK] = coretype


def _user_blas_ldflags(configparser):
    """``blas.ldflags`` from THEANO_FLAGS, else from .theanorc, else None."""
    if "blas.ldflags" in configparser.THEANO_FLAGS_DICT:
        return configparser.THEANO_FLAGS_DICT["blas.ldflags"]
    if configparser.theano_cfg.has_option("blas", "ldflags"):
        return configparser.theano_cfg.get("blas", "ldflags")
    return None


def configure_blas(configparser):
    """Add a default ``blas.ldflags`` unless THEANO_FLAGS or .theanorc set one,
    then choose OpenBLAS's kernel before Theano loads the library."""
    ldflags = _user_blas_ldflags(configparser)
    if ldflags is None:
        ldflags = configparser.THEANO_FLAGS_DICT["blas.ldflags"] = default_blas_ldflags()
    _tune_openblas(ldflags)


# ------------------------------------------------------------------ the probe subprocess

def probe_openblas(coretype, timeout=120):
    """Load OpenBLAS in a fresh interpreter and report its kernel, gemm and speed.

    Parameters
    ----------
    coretype : str or None
        ``OPENBLAS_CORETYPE`` for the subprocess; None removes it (and
        AgentNet's record of it), so OpenBLAS picks by itself.
    timeout : float
        Seconds before the subprocess counts as failed.

    Returns
    -------
    dict or None
        ``{"corename", "config", "library", "k", "sgemm", "dgemm",
        "seconds"}`` (see :func:`gemm_results_agree`; ``"seconds"`` is the
        best time of one single-precision ``384 x 384 x 384`` product), or
        None when the library could not be loaded or the process failed.
    """
    import json
    import subprocess
    environ = {k: v for k, v in os.environ.items() if k not in (CORETYPE, CORETYPE_MARK)}
    if coretype is not None:
        environ[CORETYPE] = coretype
    command = [sys.executable, "-I", "-S", os.path.abspath(__file__), _PROBE_ARGUMENT]
    try:
        done = subprocess.run(command, env=environ, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=timeout, check=True)
        return json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def loaded_openblas_libraries():
    """Real paths of the OpenBLAS libraries mapped into this process (Linux), in load order."""
    paths = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split(None, 5)[-1].strip()
                if "openblas" in os.path.basename(path).lower() and path not in paths:
                    paths.append(path)
    except OSError:
        return []
    return paths


def _pseudo_random(count, seed):
    """``count`` deterministic numbers in [-1, 1] (no ``random``: the probe starts bare)."""
    return [((i * 7919 + seed * 104729) % 2003) / 1001.0 - 1.0 for i in range(count)]


def _gemm(function, ctype, a, b, m, n, k):
    """Row-major ``C = A B`` through a CBLAS ``?gemm``; ``a``, ``b`` flat ctypes arrays."""
    c = (ctype * (m * n))()
    # cblas_?gemm(RowMajor=101, NoTrans=111, NoTrans=111, M, N, K, alpha, A, lda, B, ldb,
    #             beta, C, ldc)
    function(101, 111, 111, m, n, k, ctype(1.0), a, k, b, n, ctype(0.0), c, n)
    return c


def _gemm_check(function, ctype):
    """``{"c": A B, "abs": |A| |B|}`` for the fixed check matrices, as flat lists."""
    m, n, k = _CHECK_M, _CHECK_N, _CHECK_K
    a, b = _pseudo_random(m * k, 1), _pseudo_random(k * n, 2)
    arrays = [(ctype * len(x))(*x) for x in (a, b, [abs(v) for v in a], [abs(v) for v in b])]
    return {"c": list(_gemm(function, ctype, arrays[0], arrays[1], m, n, k)),
            "abs": list(_gemm(function, ctype, arrays[2], arrays[3], m, n, k))}


def _gemm_seconds(function, ctype):
    """Best seconds per call of a square single-precision product, over a few rounds."""
    import time
    size = _TIMING_SIZE
    a, b = ((ctype * (size * size))(*_pseudo_random(size * size, seed)) for seed in (3, 4))
    _gemm(function, ctype, a, b, size, size, size)
    best = float("inf")
    for _ in range(_TIMING_ROUNDS):
        started = time.perf_counter()
        for _ in range(_TIMING_CALLS):
            _gemm(function, ctype, a, b, size, size, size)
        best = min(best, (time.perf_counter() - started) / _TIMING_CALLS)
    return best


def _text(library, symbol):
    import ctypes
    function = getattr(library, symbol)
    function.restype = ctypes.c_char_p
    return function().decode()


def _probe_main():
    """Body of the probe subprocess: print :func:`probe_openblas`'s report as JSON."""
    import ctypes
    import json
    library = ctypes.CDLL(_OPENBLAS_RUNTIME)
    report = {"corename": _text(library, "openblas_get_corename"),
              "config": _text(library, "openblas_get_config"),
              "library": (loaded_openblas_libraries() or [""])[0], "k": _CHECK_K,
              "sgemm": _gemm_check(library.cblas_sgemm, ctypes.c_float),
              "dgemm": _gemm_check(library.cblas_dgemm, ctypes.c_double),
              "seconds": _gemm_seconds(library.cblas_sgemm, ctypes.c_float)}
    print(json.dumps(report))


if __name__ == "__main__" and sys.argv[1:] == [_PROBE_ARGUMENT]:
    _probe_main()
