"""Verbosity-aware warnings and the ``deprecated`` decorator."""
import functools
import warnings

from .config import config

__all__ = ["warn", "deprecated"]


def warn(message="Hello, world!", verbosity_level=1, **kwargs):
    """Emit ``warnings.warn("[Verbose>=<level>] <message>")`` if verbose enough.

    Parameters
    ----------
    message : str
    verbosity_level : int
        1 for essential warnings, 2 for chatty hints. Nothing is emitted when
        ``agentnet.config.verbose < verbosity_level``.
    **kwargs
        Passed to :func:`warnings.warn` (e.g. ``category``, ``stacklevel``).
    """
    if config.verbose >= verbosity_level:
        kwargs.setdefault("stacklevel", 2)
        warnings.warn("[Verbose>=%s] %s" % (verbosity_level, message), **kwargs)


class deprecated(object):
    """Decorator marking a function as deprecated.

    Parameters
    ----------
    new_name : str or None
        What to use instead, mentioned in the warning.
    removed_after : str
        When the function goes away.
    """

    def __init__(self, new_name=None, removed_after="next major patch"):
        self.new_name = new_name
        self.removed_after = removed_after

    def __call__(self, function):
        message = "%s is deprecated and will be removed in %s." % (
            function.__name__, self.removed_after)
        if self.new_name is not None:
            message += " Use %s instead." % self.new_name

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            warn(message, category=DeprecationWarning, stacklevel=3)
            return function(*args, **kwargs)
        return wrapper
