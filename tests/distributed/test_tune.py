"""Ray Tune sweeps: SweepResults' table and curves (numbers against hand values), and the
CartPole sweep example end to end in smoke mode (a local Ray of its own, loopback only)."""
import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("ray")

from agentnet.distributed.tune import SweepResults, run_sweep  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir)


def _trial(seed, lr, error=None):
    """What Tune returns for a trial that reported score = seed + lr * k at env_steps 10 k."""
    k = np.arange(1, 5)
    history = pd.DataFrame({"env_steps": 10 * k, "score": seed + lr * k})
    return SimpleNamespace(config={"seed": seed, "lr": lr, "budget": 40},
                           metrics_dataframe=history, error=error)


@pytest.fixture
def results():
    trials = [_trial(seed, lr) for seed in (0, 1) for lr in (0.5, 2.0)]
    trials.append(SimpleNamespace(config={"seed": 2, "lr": 0.5, "budget": 40},
                                  metrics_dataframe=None, error=RuntimeError("broke")))
    return SweepResults(trials, metric="score", mode="max", x_axis="env_steps")


def test_curves_are_labelled_by_what_varies(results):
    assert sorted(results.curves) == ["lr=0.5, seed=0", "lr=0.5, seed=1", "lr=0.5, seed=2",
                                      "lr=2.0, seed=0", "lr=2.0, seed=1"]
    x, y = results.curves["lr=2.0, seed=1"]
    np.testing.assert_allclose(x, [10, 20, 30, 40])
    np.testing.assert_allclose(y, [3, 5, 7, 9])
    assert len(results.curves["lr=0.5, seed=2"][0]) == 0


def test_table_ranks_trials_best_first_and_names_failures(results):
    table = results.table
    np.testing.assert_allclose(table["best score"][:4], [9.0, 8.0, 3.0, 2.0])
    np.testing.assert_allclose(table["last score"][:4], [9.0, 8.0, 3.0, 2.0])
    assert list(zip(table["seed"], table["lr"]))[0] == (1, 2.0)
    assert table["error"].tolist() == ["", "", "", "", "RuntimeError"]
    assert "best score" in str(results)


def test_min_mode_ranks_the_lowest_first():
    trials = [_trial(seed, 1.0) for seed in (3, 1, 2)]
    table = SweepResults(trials, metric="score", mode="min", x_axis="env_steps").table
    assert table["seed"].tolist() == [1, 2, 3]


def test_plot_draws_one_line_per_trial(results, tmp_path):
    figure = results.plot(save_path=str(tmp_path / "curves.png"))
    assert len(figure.axes[0].lines) == 5 and (tmp_path / "curves.png").stat().st_size > 0


def test_mode_must_be_max_or_min():
    with pytest.raises(ValueError, match="`mode` must be 'max' or 'min', got 'best'"):
        run_sweep(lambda config, report: None, {}, metric="score", mode="best")


def test_cartpole_sweep_example_writes_its_table_and_plot(tmp_path):
    env = dict(os.environ, RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", AGENTNET_SMOKE="1")
    completed = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", "ray_tune_cartpole.py"),
         "--out", str(tmp_path)], env=env, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    table = completed.stdout[completed.stdout.index("seed"):]
    assert "best greedy_return" in table and len(table.strip().splitlines()) >= 3
    assert (tmp_path / "ray_tune_cartpole.png").stat().st_size > 0
