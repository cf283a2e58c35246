"""AgentNet training runs as Ray Tune trials: a sweep in one call, its table and its curves.

A training function written for AgentNet takes its hyperparameters and a
``report`` callback::

    def train(config, report):
        ...                                        # build, compile, train
        report(env_steps=env_steps, greedy_return=score)   # one point of the curve

:func:`run_sweep` runs it as a Tune function trainable for every
configuration of ``param_space`` (Tune's ``grid_search``, ``choice``...)
and returns :class:`SweepResults`: one row per trial (its configuration,
the last and the best value of the metric) and every trial's curve, which
:meth:`SweepResults.plot` draws in one figure.
"""
import numpy as np

from ._ray import require_ray, start_ray, stop_ray

__all__ = ["run_sweep", "SweepResults"]


def _tune_trainable(train_function):
    """A Tune function trainable calling ``train_function(config, report)``."""
    from ray import tune

    def trainable(config):
        train_function(config, lambda **metrics: tune.report(dict(metrics)))
    trainable.__name__ = getattr(train_function, "__name__", "agentnet_trainable")
    return trainable


def run_sweep(train_function, param_space, metric, mode="max", x_axis="env_steps",
              name="agentnet_sweep", storage_path=None, max_concurrent_trials=None,
              cpus_per_trial=1, address=None, num_cpus=None):
    """Run ``train_function`` once per configuration of ``param_space`` with Ray Tune.

    Parameters
    ----------
    train_function : callable
        ``train_function(config, report)``; ``report(**metrics)`` records one
        point (a dict of numbers including ``x_axis`` and ``metric``).
    param_space : dict
        Tune's search space, e.g. ``{"seed": tune.grid_search([0, 1, 2])}``.
    metric : str
        The reported value that ranks trials.
    mode : "max" or "min"
    x_axis : str
        The reported value the curves are drawn against.
    name : str
        Tune's experiment name (a directory under ``storage_path``).
    storage_path : str or None
        Where Tune writes its results (None: ``~/ray_results``).
    max_concurrent_trials : int or None
    cpus_per_trial : float
    address, num_cpus
        As in :class:`agentnet.distributed.RayEnvPool` (a local Ray started
        here is stopped again at the end).

    Returns
    -------
    SweepResults
    """
    if mode not in ("max", "min"):
        raise ValueError("`mode` must be 'max' or 'min', got %r" % (mode,))
    require_ray()
    from ray import tune
    started = start_ray(address, num_cpus)
    try:
        tuner = tune.Tuner(
            tune.with_resources(_tune_trainable(train_function), {"cpu": cpus_per_trial}),
            param_space=param_space,
            tune_config=tune.TuneConfig(metric=metric, mode=mode,
                                        max_concurrent_trials=max_concurrent_trials),
            run_config=tune.RunConfig(name=name, storage_path=storage_path, verbose=0))
        return SweepResults(tuner.fit(), metric, mode, x_axis)
    finally:
        if started:
            stop_ray()


def _labels(configs):
    """A label per configuration naming only the keys whose values differ between trials."""
    keys = sorted({key for config in configs for key in config})
    varying = [key for key in keys if len({repr(c.get(key)) for c in configs}) > 1] or keys
    return [", ".join("%s=%s" % (key, config.get(key)) for key in varying) for config in configs]


def _curve(result, x_axis, metric):
    """``(x, y)`` float arrays of a trial's reports (empty when it reported nothing)."""
    history = result.metrics_dataframe
    if history is None or metric not in getattr(history, "columns", ()):
        return np.zeros(0), np.zeros(0)
    return history[x_axis].to_numpy(float), history[metric].to_numpy(float)


class SweepResults(object):
    """What a sweep found: a table of trials and every trial's curve.

    Parameters
    ----------
    result_grid : iterable of ray.tune.Result
        What ``Tuner.fit()`` returned (anything with ``config``,
        ``metrics_dataframe`` and ``error`` per trial).
    metric, mode, x_axis : str
        As given to :func:`run_sweep`.

    Attributes
    ----------
    curves : dict {str: (x, y)}
        Per trial, labelled by the configuration values that differ between
        trials: ``x_axis`` and ``metric`` at every report, as float arrays.
    table : pandas.DataFrame
        One row per trial: its configuration, ``last <metric>``,
        ``best <metric>``, the last ``x_axis`` and its error type (if it
        failed), best trials first.
    """

    def __init__(self, result_grid, metric, mode, x_axis):
        import pandas as pd
        self.metric, self.mode, self.x_axis = metric, mode, x_axis
        results = list(result_grid)
        curves = [_curve(result, x_axis, metric) for result in results]
        self.curves = dict(zip(_labels([r.config for r in results]), curves))
        rows = [self._row(result, x, y) for result, (x, y) in zip(results, curves)]
        self.table = pd.DataFrame(rows).sort_values("best " + metric, ascending=mode == "min",
                                                    ignore_index=True)

    def _row(self, result, x, y):
        best = np.nan if not len(y) else np.max(y) if self.mode == "max" else np.min(y)
        return dict(result.config, **{
            "last " + self.metric: y[-1] if len(y) else np.nan, "best " + self.metric: best,
            self.x_axis: x[-1] if len(x) else np.nan,
            "error": "" if result.error is None else type(result.error).__name__})

    def __str__(self):
        return self.table.to_string(index=False)

    def plot(self, save_path=None, title=None):
        """Every trial's ``metric`` against ``x_axis`` in one figure; optionally saved.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from ..display._backend import pyplot
        plt = pyplot()
        figure, axes = plt.subplots(figsize=(8, 5))
        for label, (x, y) in sorted(self.curves.items()):
            axes.plot(x, y, marker=".", label=label)
        axes.set_xlabel(self.x_axis)
        axes.set_ylabel(self.metric)
        axes.set_title(title or "%s over %i trials" % (self.metric, len(self.curves)))
        axes.grid(True)
        axes.legend(fontsize="small")
        if save_path is not None:
            figure.savefig(save_path, bbox_inches="tight")
        return figure
