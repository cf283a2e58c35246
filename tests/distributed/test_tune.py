"""run_sweep: a training function as Tune trials; the table and the curves it returns."""
import numpy as np
import pytest

tune = pytest.importorskip("ray.tune")

from agentnet.distributed.tune import run_sweep  # noqa: E402


def linear_curve(config, report):
    """Return after step k: seed + lr * k, for k = 1..4 (at 10 env steps per step)."""
    for k in range(1, 5):
        report(env_steps=10 * k, score=config["seed"] + config["lr"] * k)


@pytest.fixture(scope="module")
def sweep(local_ray, tmp_path_factory):
    return run_sweep(linear_curve, {"seed": tune.grid_search([0, 1]),
                                    "lr": tune.grid_search([0.5, 2.0])},
                     metric="score", storage_path=str(tmp_path_factory.mktemp("tune")),
                     name="linear")


def test_every_configuration_ran_with_its_whole_curve(sweep):
    assert len(sweep.curves) == 4
    for seed in (0, 1):
        for lr in (0.5, 2.0):
            x, y = sweep.curves["lr=%s, seed=%s" % (lr, seed)]
            np.testing.assert_allclose(x, [10, 20, 30, 40])
            np.testing.assert_allclose(y, seed + lr * np.arange(1, 5))


def test_table_ranks_trials_by_their_best_value(sweep):
    table = sweep.table
    assert list(table["best score"]) == [9.0, 8.0, 3.0, 2.0]
    assert list(zip(table["seed"], table["lr"]))[0] == (1, 2.0)
    assert (table["env_steps"] == 40).all() and (table["error"] == "").all()
    assert "best score" in str(sweep)


def test_plot_draws_one_line_per_trial(sweep, tmp_path):
    figure = sweep.plot(save_path=str(tmp_path / "curves.png"))
    assert len(figure.axes[0].lines) == 4 and (tmp_path / "curves.png").stat().st_size > 0


def test_mode_must_be_max_or_min():
    with pytest.raises(ValueError, match="`mode` must be 'max' or 'min', got 'best'"):
        run_sweep(linear_curve, {}, metric="score", mode="best")
