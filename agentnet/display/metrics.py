"""Learning curves: ``metrics[name][x] = y``, plotted as one line per metric."""
from collections import defaultdict

from ._backend import pyplot

__all__ = ["Metrics"]


class Metrics(defaultdict):
    """A ``defaultdict(dict)`` of learning curves.

    Examples
    --------
    >>> metrics = Metrics()
    >>> metrics["reward"][100] = 1.5
    >>> metrics["reward"][200] = 2.5
    >>> sorted(metrics["reward"].items())
    [(100, 1.5), (200, 2.5)]
    """

    def __init__(self):
        super(Metrics, self).__init__(dict)

    def plot(self, title="metrics", legend_loc="best", show=True, save_path=None):
        """Draw every metric as a line over sorted x; optionally save the figure.

        Parameters
        ----------
        title : str
        legend_loc : str
        show : bool
            Call ``plt.show()`` (does nothing on a headless backend).
        save_path : str or None
            Also write the figure there (e.g. a PNG).

        Returns
        -------
        matplotlib.figure.Figure
        """
        plt = pyplot()
        figure = plt.figure()
        for name, curve in self.items():
            xs = sorted(curve)
            plt.plot(xs, [curve[x] for x in xs], label=name)
        plt.title(title)
        plt.grid(True)
        if len(self):  # an empty figure (nothing measured yet) has no legend to draw
            plt.legend(loc=legend_loc)
        if save_path is not None:
            figure.savefig(save_path)
        if show:
            plt.show()
        return figure
