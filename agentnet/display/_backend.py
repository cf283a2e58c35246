"""matplotlib's pyplot, on the non-interactive Agg backend when there is no display."""
import os

__all__ = ["pyplot"]


def pyplot():
    """Import ``matplotlib.pyplot`` lazily, choosing Agg on a headless machine."""
    import matplotlib
    if not os.environ.get("DISPLAY") and "MPLBACKEND" not in os.environ:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt
