"""Theano starts without importing scipy.signal for nothing or running scipy.stats before use."""
import importlib.util
import sys
import types

import numpy as np
import pytest

from agentnet_compat import scipy_imports
from tests.compat.fresh_interpreter import run_json_script

THEANO_THEN_SCIPY = """
import importlib.util, json, sys
import theano
from theano.tensor.nnet import abstract_conv, conv
import inspect
inspect.getmodule(theano.function)  # what Theano's optimizer calls when it rejects a rewrite
report = {"signal_loaded": "scipy.signal" in sys.modules,
          "stats_ran": "scipy.stats._stats_py" in sys.modules,
          "theano_flags": [abstract_conv.imported_scipy_signal, conv.imported_scipy_signal]}
from theano.scalar.basic_scipy import chi2sf
report["chi2sf"] = float(chi2sf.impl(3.0, 2.0))
import scipy.stats.distributions
report["norm_cdf"] = float(scipy.stats.norm.cdf(0.0))
report["same_norm"] = scipy.stats.distributions.norm is scipy.stats.norm
report["sigtools_exists"] = importlib.util.find_spec("scipy.signal.sigtools") is not None
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def report():
    return run_json_script(THEANO_THEN_SCIPY)


def test_theano_sets_its_scipy_flags_as_the_imports_would_without_running_them(report):
    assert report["theano_flags"] == [report["sigtools_exists"]] * 2
    assert report["signal_loaded"] == report["sigtools_exists"]
    assert report["stats_ran"] is False


def test_scipy_stats_runs_when_first_used(report):
    assert report["chi2sf"] == np.exp(-1.5)  # chi-squared survival with 2 degrees: exp(-x / 2)
    assert report["norm_cdf"] == 0.5 and report["same_norm"]


DEFERRED_SOURCE = """
import time
RUNS.append(1)
time.sleep(0.05)
VALUE = 42
"""


def test_a_deferred_module_runs_once_when_threads_look_up_a_name_together(tmp_path):
    import importlib.util
    import threading
    path = tmp_path / "deferred_example.py"
    path.write_text(DEFERRED_SOURCE)
    spec = scipy_imports.lazy(importlib.util.spec_from_file_location("deferred_example", path))
    module = importlib.util.module_from_spec(spec)
    module.RUNS = []
    spec.loader.exec_module(module)
    assert module.__file__ == str(path) and module.RUNS == []
    values = []
    threads = [threading.Thread(target=lambda: values.append(module.VALUE)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert values == [42] * 8 and module.RUNS == [1] and type(module) is types.ModuleType


def test_scipy_imported_before_theano_loads_as_usual():
    report = run_json_script("""
        import json, sys
        import scipy.stats, scipy.signal
        import theano
        print(json.dumps([type(sys.modules["scipy.stats"]).__name__,
                          "scipy.stats._stats_py" in sys.modules]))
        """)
    assert report == ["module", True]


def test_sigtools_is_looked_up_among_scipy_signal_files(tmp_path, monkeypatch):
    signal = tmp_path / "signal"
    signal.mkdir()
    (signal / "_sigtools.cpython-310-x86_64-linux-gnu.so").write_text("")
    monkeypatch.setitem(sys.modules, "scipy", types.SimpleNamespace(__path__=[str(tmp_path)]))
    assert not scipy_imports.has_sigtools()
    (signal / "sigtools.cpython-310-x86_64-linux-gnu.so").write_text("")
    assert scipy_imports.has_sigtools()


def test_the_installed_scipy_agrees_with_the_file_lookup():
    import scipy.signal  # noqa: F401  (the ground truth imports the package)
    assert scipy_imports.has_sigtools() == (
        importlib.util.find_spec("scipy.signal.sigtools") is not None)
