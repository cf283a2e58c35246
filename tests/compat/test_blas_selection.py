"""The start-up hook's choice of OpenBLAS kernel (``OPENBLAS_CORETYPE``).

The decision is tested with fake ``/proc/cpuinfo`` texts and a fake probe;
what a fresh interpreter really gets after ``import theano`` is tested in
subprocesses with their own kernel cache (``XDG_CACHE_HOME``) and without
any ``OPENBLAS_CORETYPE`` this runner's hook may have set.
"""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from agentnet_compat import blas as hook
from agentnet_compat.threads import THREAD_VARIABLES

AVX512_FLAGS = "fpu sse sse2 ssse3 sse4_1 sse4_2 avx fma avx2 avx512f avx512cd avx512bw " \
               "avx512dq avx512vl avx512_fp16"
CPUINFO = {
    "avx512": "processor\t: 0\nmodel name\t: Fake AVX-512 CPU\nflags\t\t: %s\n" % AVX512_FLAGS,
    "avx2": "processor\t: 0\nmodel name\t: Fake AVX2 CPU\nflags\t\t: fpu sse sse2 avx fma avx2\n",
    "avx-only": "processor\t: 0\nmodel name\t: Fake AVX CPU\nflags\t\t: fpu sse sse2 sse4_2 avx\n",
    "unreadable": "",
}
OPENBLAS = "-lopenblas"
CHECK = {"c": [1.0, -2.0, 3.5], "abs": [4.0, 2.0, 3.5]}


def report(corename, seconds, products=None):
    """A probe report as :func:`agentnet_compat.blas.probe_openblas` returns it."""
    products = CHECK if products is None else products
    return {"corename": corename, "seconds": seconds, "k": 301,
            "sgemm": products, "dgemm": products}


class FakeProbe(object):
    """Answers ``probe(coretype)`` from a table; remembers what was asked."""

    def __init__(self, detected="Prescott", seconds=None, overrides=None):
        self.detected = detected
        self.seconds = dict({"generic": 6.0, "Haswell": 2.0, "SkylakeX": 1.0}, **(seconds or {}))
        self.overrides = overrides or {}
        self.calls = []

    def __call__(self, coretype):
        self.calls.append(coretype)
        if coretype in self.overrides:
            return self.overrides[coretype]
        if coretype is None:
            return report(self.detected, self.seconds["generic"])
        return report(coretype, self.seconds[coretype])


def decide(cpu="avx512", environ=None, ldflags=OPENBLAS, probe=None):
    probe = FakeProbe() if probe is None else probe
    return hook.decide_openblas_coretype({} if environ is None else environ, ldflags,
                                         CPUINFO[cpu], probe)


# ------------------------------------------------------------------ the decision

@pytest.mark.parametrize("generic", ["Prescott", "Core2", "Katmai", "Nehalem", "Sandybridge"])
def test_a_generic_kernel_on_an_avx2_cpu_becomes_haswell(generic):
    probe = FakeProbe(detected=generic)
    assert decide("avx2", probe=probe) == "Haswell"
    assert probe.calls == [None, "Haswell"]


def test_a_generic_kernel_on_an_avx512_cpu_becomes_skylakex_when_it_is_faster():
    probe = FakeProbe()
    assert decide("avx512", probe=probe) == "SkylakeX"
    assert probe.calls == [None, "SkylakeX", "Haswell"]


@pytest.mark.parametrize("skylakex_seconds, expected", [(1.0, "SkylakeX"), (2.0, "SkylakeX"),
                                                        (2.5, "Haswell")],
                         ids=["faster", "tie", "slower"])
def test_skylakex_is_kept_only_when_at_least_as_fast_as_haswell(skylakex_seconds, expected):
    assert decide(probe=FakeProbe(seconds={"SkylakeX": skylakex_seconds})) == expected


@pytest.mark.parametrize("detected", ["SkylakeX", "Cooperlake", "Haswell", "Zen"])
def test_a_recognised_kernel_is_left_alone(detected):
    probe = FakeProbe(detected=detected)
    assert decide("avx512", probe=probe) is None
    assert probe.calls == [None]


@pytest.mark.parametrize("cpu", ["avx-only", "unreadable"])
def test_without_avx2_nothing_is_probed_or_changed(cpu):
    probe = FakeProbe()
    assert decide(cpu, probe=probe) is None
    assert probe.calls == []


def test_a_users_openblas_coretype_is_never_overridden():
    probe = FakeProbe()
    assert decide(environ={"OPENBLAS_CORETYPE": "Prescott"}, probe=probe) is None
    assert decide(environ={"OPENBLAS_CORETYPE": ""}, probe=probe) is None
    assert probe.calls == []


@pytest.mark.parametrize("ldflags", ["-lmkl_rt", "", "-L/opt/openblas/lib -lopenblas", "-lblas"])
def test_a_user_blas_other_than_plain_openblas_is_left_alone(ldflags):
    probe = FakeProbe()
    assert decide(ldflags=ldflags, probe=probe) is None
    assert probe.calls == []


def test_a_users_own_plain_openblas_ldflags_still_get_the_fast_kernel():
    assert decide(ldflags=" -lopenblas ") == "SkylakeX"


@pytest.mark.parametrize("value, expected", [("1", None), ("yes", None), ("0", "SkylakeX"),
                                             ("", "SkylakeX")])
def test_the_opt_out_variable(value, expected):
    assert decide(environ={"AGENTNET_NO_BLAS_TUNING": value}) == expected


def test_a_kernel_whose_gemm_disagrees_is_rejected():
    wrong = dict(CHECK, c=[1.0, -2.0, 3.6])
    probe = FakeProbe(overrides={"SkylakeX": report("SkylakeX", 1.0, wrong)})
    assert decide(probe=probe) == "Haswell"
    probe = FakeProbe(detected="Core2", overrides={"Haswell": report("Haswell", 1.0, wrong)})
    assert decide("avx2", probe=probe) is None


def test_a_kernel_that_crashes_or_is_silently_replaced_is_rejected():
    assert decide(probe=FakeProbe(overrides={"SkylakeX": None})) == "Haswell"
    # OpenBLAS ran another kernel than the one asked for.
    assert decide(probe=FakeProbe(overrides={"SkylakeX": report("Haswell", 1.0)})) == "Haswell"
    assert decide(probe=FakeProbe(overrides={None: None})) is None


def test_a_candidate_slower_than_the_generic_kernel_is_rejected():
    assert decide(probe=FakeProbe(seconds={"generic": 0.5})) is None


def test_cpu_flags_reads_the_first_processor():
    text = CPUINFO["avx2"] + "\nprocessor\t: 1\nflags\t\t: avx512f\n"
    assert hook.cpu_flags(text) == {"fpu", "sse", "sse2", "avx", "fma", "avx2"}
    assert hook.cpu_flags("") == frozenset()


@pytest.mark.parametrize("environ, expected", [
    ({}, "unset"),
    ({"OPENBLAS_CORETYPE": "Haswell"}, "user"),
    ({"OPENBLAS_CORETYPE": "Haswell", "AGENTNET_SET_OPENBLAS_CORETYPE": "Haswell"}, "agentnet"),
    ({"OPENBLAS_CORETYPE": "Zen", "AGENTNET_SET_OPENBLAS_CORETYPE": "Haswell"}, "user"),
], ids=["unset", "user", "agentnet", "user-changed-it"])
def test_who_set_openblas_coretype(environ, expected):
    assert hook.openblas_coretype_origin(environ) == expected


# ------------------------------------------------------------------ the numerics check

def products(a, b):
    """Slow reference: C = A B and |A| |B| entry by entry, in float64, as flat lists."""
    m, k = a.shape
    n = b.shape[1]
    c = np.zeros((m, n))
    bound = np.zeros((m, n))
    for i in range(m):
        for j in range(n):
            for t in range(k):
                c[i, j] += a[i, t] * b[t, j]
                bound[i, j] += abs(a[i, t]) * abs(b[t, j])
    return {"c": c.ravel().tolist(), "abs": bound.ravel().tolist()}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gemm_agreement_within_the_rounding_bound_and_not_beyond(dtype, rng):
    k = 40
    a, b = rng.uniform(-1, 1, (5, k)), rng.uniform(-1, 1, (k, 6))
    exact = products(a, b)
    rounded = dict(exact, c=(a.astype(dtype) @ b.astype(dtype)).ravel().tolist())
    unit = 2.0 ** (-24 if dtype == "float32" else -53)
    reference = {"k": k, "sgemm": exact, "dgemm": exact}

    def trial(product):
        return dict(reference, **{"sgemm" if dtype == "float32" else "dgemm": product})
    assert hook.gemm_results_agree(reference, trial(rounded))
    # Just inside and just outside 2 K u (|A||B|)_ij at one entry.
    for factor, agrees in [(1.9, True), (2.1, False)]:
        moved = list(exact["c"])
        moved[7] += factor * k * unit * exact["abs"][7]
        assert hook.gemm_results_agree(reference, trial(dict(exact, c=moved))) is agrees
    moved = list(exact["c"])
    moved[0] = float("nan")
    assert not hook.gemm_results_agree(reference, trial(dict(exact, c=moved)))


# ------------------------------------------------------------------ fresh interpreters

def _has_avx2():
    with open("/proc/cpuinfo") as source:
        return {"avx2", "fma"} <= hook.cpu_flags(source.read())


def _user_coretype():
    """The runner's own OPENBLAS_CORETYPE if its user (not AgentNet) set it, else None."""
    return os.environ["OPENBLAS_CORETYPE"] if hook.openblas_coretype_origin() == "user" else None


needs_openblas = pytest.mark.skipif(
    hook.default_blas_ldflags() != "-lopenblas" or not os.path.exists("/proc/cpuinfo"),
    reason="Debian's libopenblas-dev is not installed")
needs_avx2 = pytest.mark.skipif(not os.path.exists("/proc/cpuinfo") or not _has_avx2(),
                                reason="the CPU lacks AVX2 and FMA")
needs_free_coretype = pytest.mark.skipif(
    _user_coretype() is not None,
    reason="this environment sets OPENBLAS_CORETYPE itself; tests keep it")

REPORT_KERNEL = """
    import ctypes, json, os, sys
    import numpy as np
    import theano, theano.tensor as T
    from agentnet_compat import blas as hook
    library = ctypes.CDLL("libopenblas.so.0")
    library.openblas_get_corename.restype = ctypes.c_char_p
    result = {"corename": library.openblas_get_corename().decode(),
              "coretype": os.environ.get("OPENBLAS_CORETYPE"),
              "origin": hook.openblas_coretype_origin(),
              "ldflags": theano.config.blas.ldflags}
"""
# FAST_RUN puts Theano's own BLAS ops (Dot22, linked with blas.ldflags) in the graph;
# fast_compile would leave numpy.dot, i.e. numpy's bundled OpenBLAS.
GEMM = """
    a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
    for dtype in ("float32", "float64"):
        x, y = T.matrix(dtype=dtype), T.matrix(dtype=dtype)
        f = theano.function([x, y], T.dot(x, y), mode="FAST_RUN")
        result[dtype] = f(a.astype(dtype), b.astype(dtype)).tolist()
        result[dtype + "_ops"] = [type(n.op).__name__ for n in f.maker.fgraph.toposort()]
"""


@pytest.fixture(scope="module")
def cache_home(tmp_path_factory):
    """One kernel cache for this module's subprocesses (probed once, by the first)."""
    return tmp_path_factory.mktemp("xdg-cache")


def fresh_environment(cache_home, theano_flags_extra="", **variables):
    """This runner's environment without any kernel choice, thread count or user BLAS setting."""
    theanorc = os.path.join(str(cache_home), "theanorc")
    open(theanorc, "w").close()
    flags = [f for f in os.environ.get("THEANO_FLAGS", "").split(",")
             if f and not f.startswith("blas.ldflags")] + [theano_flags_extra]
    dropped = ("OPENBLAS_CORETYPE", "AGENTNET_SET_OPENBLAS_CORETYPE", "AGENTNET_NO_BLAS_TUNING",
               "AGENTNET_SET_THREADS", "AGENTNET_NO_THREAD_TUNING", "AGENTNET_KEEP_DENORMALS"
               ) + THREAD_VARIABLES
    environ = {k: v for k, v in os.environ.items() if k not in dropped}
    environ.update(THEANO_FLAGS=",".join(f for f in flags if f), THEANORC=theanorc,
                   XDG_CACHE_HOME=str(cache_home), **variables)
    return environ


def run_kernel_report(environ, code="", arguments=()):
    script = textwrap.dedent(REPORT_KERNEL) + textwrap.dedent(code) + "print(json.dumps(result))"
    completed = subprocess.run([sys.executable, "-c", script] + list(arguments), env=environ,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, timeout=900)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@needs_openblas
@needs_avx2
@needs_free_coretype
def test_a_fresh_interpreter_after_import_theano_runs_a_non_generic_kernel(cache_home):
    result = run_kernel_report(fresh_environment(cache_home))
    assert result["ldflags"] == "-lopenblas"
    assert result["corename"].lower() not in hook._PRE_AVX2_KERNELS
    if result["origin"] == "agentnet":
        assert result["corename"] == result["coretype"]
    with open(os.path.join(str(cache_home), "agentnet", "openblas_kernel.json")) as source:
        entries = list(json.load(source).values())
    assert [e["coretype"] for e in entries] == [result["coretype"]]


@pytest.mark.slow
@needs_openblas
@needs_avx2
def test_a_cached_decision_is_used_without_probing_again(tmp_path):
    """The cache says Haswell (the probe would say SkylakeX on an AVX-512 CPU)."""
    key = hook._machine_key(hook._first_cpu_info(), hook._openblas_runtime_file())
    cache_file = tmp_path / "agentnet" / "openblas_kernel.json"
    cache_file.parent.mkdir()
    cache_file.write_text(json.dumps({key: {"coretype": "Haswell"}}))
    result = run_kernel_report(fresh_environment(tmp_path))
    assert (result["coretype"], result["origin"], result["corename"]) == \
        ("Haswell", "agentnet", "Haswell")


@pytest.mark.slow
@needs_openblas
@needs_avx2
def test_a_users_openblas_coretype_is_kept_in_a_fresh_interpreter(cache_home):
    value = _user_coretype() or "Haswell"
    result = run_kernel_report(fresh_environment(cache_home, OPENBLAS_CORETYPE=value))
    assert (result["coretype"], result["origin"], result["corename"]) == (value, "user", value)


@pytest.mark.slow
@needs_openblas
def test_user_blas_ldflags_and_the_opt_out_leave_openblas_alone(cache_home):
    environ = fresh_environment(cache_home, "blas.ldflags=-lopenblas -lm")
    result = run_kernel_report(environ)
    assert (result["ldflags"], result["coretype"], result["origin"]) == \
        ("-lopenblas -lm", None, "unset")
    result = run_kernel_report(fresh_environment(cache_home, AGENTNET_NO_BLAS_TUNING="1"))
    assert (result["ldflags"], result["coretype"], result["origin"]) == \
        ("-lopenblas", None, "unset")


@pytest.mark.slow
@needs_openblas
@needs_avx2
@needs_free_coretype
def test_theano_gemm_is_the_same_with_the_generic_and_the_selected_kernel(cache_home, tmp_path,
                                                                          rng):
    a, b = rng.uniform(-1, 1, (67, 129)), rng.uniform(-1, 1, (129, 45))
    arguments = [str(tmp_path / "a.npy"), str(tmp_path / "b.npy")]
    np.save(arguments[0], a)
    np.save(arguments[1], b)
    generic = run_kernel_report(fresh_environment(cache_home, AGENTNET_NO_BLAS_TUNING="1"),
                                GEMM, arguments)
    selected = run_kernel_report(fresh_environment(cache_home), GEMM, arguments)
    assert selected["corename"].lower() not in hook._PRE_AVX2_KERNELS
    expected = np.array(products(a, b)["c"]).reshape(67, 45)
    for dtype, rtol in (("float32", 1e-5), ("float64", 1e-12)):
        for report in (generic, selected):   # Theano's Dot22 or agentnet_compat's DenseDot22
            assert any(name.endswith("Dot22") for name in report[dtype + "_ops"])
        np.testing.assert_allclose(selected[dtype], generic[dtype], rtol=rtol, atol=rtol)
        np.testing.assert_allclose(selected[dtype], expected, rtol=rtol, atol=rtol)
