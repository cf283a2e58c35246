"""Metrics and print_sessions, headless."""
import numpy as np

from agentnet.display import Metrics, print_sessions


def test_metrics_plot_writes_a_figure(tmp_path):
    metrics = Metrics()
    for x in (3, 1, 2):
        metrics["reward"][x] = x * 2
    path = tmp_path / "curve.png"
    figure = metrics.plot(show=False, save_path=str(path))
    line = figure.axes[0].lines[0]
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
    assert path.stat().st_size > 0


def test_print_sessions_stops_at_the_end(capsys):
    policy = np.arange(12, dtype=float).reshape(1, 4, 3)
    print_sessions(policy, [[0, 2, 1, 1]], [[1, -1, 0, 5]], action_names=["a", "b", "c"],
                   is_alive_seq=[[1, 1, 0, 0]], plot_policy=False)
    out = capsys.readouterr().out
    assert "a(qv = 0.0) -> 1" in out and "c(qv = 5.0) -> -1" in out and "-> 5" not in out
    print_sessions(policy[0], [0, 1, 2, 0], [0, 0, 0, 0], plot_policy=True)
    assert "reached max session length" in capsys.readouterr().out


def test_empty_metrics_plot_without_a_legend_warning(tmp_path):
    import warnings
    from agentnet.display import Metrics
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = Metrics().plot(show=False, save_path=str(tmp_path / "empty.png"))
    assert figure.axes[0].get_legend() is None and (tmp_path / "empty.png").exists()
