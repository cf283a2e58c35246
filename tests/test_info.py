"""``python -m agentnet.info``: versions, Theano's BLAS and its kernel, who chose it."""
import subprocess
import sys

import lasagne
import numpy as np
import pytest
import theano

from agentnet import info
from tests.compat.test_blas_selection import fresh_environment, needs_avx2, needs_openblas


def run_info(environ):
    completed = subprocess.run([sys.executable, "-m", "agentnet.info"], env=environ,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               universal_newlines=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout.strip().splitlines()


def test_describe_names_the_versions_floatx_and_ldflags():
    lines = info.describe().splitlines()
    assert len(lines) == 3
    for part in ["Theano %s" % theano.__version__, "numpy %s" % np.__version__,
                 "Lasagne %s" % lasagne.__version__, "floatX=%s" % theano.config.floatX,
                 "blas.ldflags=%r" % theano.config.blas.ldflags]:
        assert part in lines[0]
    assert lines[1].startswith("BLAS: ")
    assert "OPENBLAS_NUM_THREADS" in lines[2] and "OMP_NUM_THREADS" in lines[2]
    assert "GOMP_SPINCOUNT" in lines[2]


def test_each_library_reports_a_kernel_and_threads():
    for library in info.blas_libraries(theano.config.blas.ldflags):
        assert library["owner"] in ("Theano's", "numpy's", "system")
        assert library["corename"] and library["threads"] >= 1
        assert library["version"] == "?" or library["version"].count(".") >= 2


@pytest.mark.parametrize("config, version", [
    ("OpenBLAS 0.3.21 NO_AFFINITY SkylakeX MAX_THREADS=64", "0.3.21"),
    ("USE64BITINT NO_AFFINITY OpenBLAS 0.3.20 DYNAMIC_ARCH", "0.3.20"),
    ("NO_AFFINITY Haswell", "?")])
def test_the_openblas_version_is_found_wherever_the_build_puts_it(config, version):
    assert info._version_in(config) == version


@pytest.mark.slow
@needs_openblas
@needs_avx2
def test_the_diagnostic_shows_the_kernel_and_who_set_it(tmp_path):
    lines = run_info(fresh_environment(tmp_path, OPENBLAS_CORETYPE="Haswell",
                                       OPENBLAS_NUM_THREADS="1"))
    assert "Theano's OpenBLAS" in lines[1] and "kernel Haswell, threads 1" in lines[1]
    assert lines[2].startswith("OPENBLAS_CORETYPE=Haswell (set by user) | "
                               "OPENBLAS_NUM_THREADS=1 | ")
    # the user chose the threads; denormals are flushed unless the user keeps them
    assert lines[2].endswith(" | convolutions and dense products serial"
                             " | denormals flushed in compiled functions")
    lines = run_info(fresh_environment(tmp_path, AGENTNET_NO_BLAS_TUNING="1",
                                       AGENTNET_KEEP_DENORMALS="1"))
    assert lines[2].startswith("OPENBLAS_CORETYPE unset | ")
    assert lines[2].endswith(" | denormals kept in compiled functions")
