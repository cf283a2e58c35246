"""Verbosity-aware warnings, the ``deprecated`` decorator and the stack level of user code."""
import functools
import sys
import warnings

from .config import config

__all__ = ["warn", "deprecated", "user_stacklevel"]


def warn(message="Hello, world!", verbosity_level=1, **kwargs):
    """Emit ``warnings.warn("[Verbose>=<level>] <message>")`` if verbose enough.

    Parameters
    ----------
    message : str
    verbosity_level : int
        1 for essential warnings, 2 for chatty hints. Nothing is emitted when
        ``agentnet.config.verbose < verbosity_level``.
    **kwargs
        Passed to :func:`warnings.warn` (e.g. ``category``). ``stacklevel``
        defaults to the user's line: the first caller outside agentnet (and
        outside Python's import machinery, for warnings at import time).
    """
    if config.verbose >= verbosity_level:
        kwargs.setdefault("stacklevel", user_stacklevel())
        warnings.warn("[Verbose>=%s] %s" % (verbosity_level, message), **kwargs)


def user_stacklevel():
    """``stacklevel`` making :func:`warnings.warn` point at the first caller outside agentnet.

    Counted from the function that calls this one (level 1), so a warning
    raised deep inside the library names the user's line, however many
    agentnet functions and decorators lie in between. Python's import
    machinery is passed over too (``importlib.import_module`` and the frozen
    bootstrap, whose frames :func:`warnings.warn` skips without counting), so
    a warning emitted while an agentnet module is imported names the user's
    ``import`` line.
    """
    frame, level = sys._getframe(1), 1
    while frame is not None and _is_library_frame(frame):
        frame = frame.f_back
        if frame is not None and not _skipped_by_warnings(frame):
            level += 1
    return level


def _skipped_by_warnings(frame):
    """Frames of importlib's bootstrap: :func:`warnings.warn` does not count them."""
    filename = frame.f_code.co_filename
    return "importlib" in filename and "_bootstrap" in filename


def _is_library_frame(frame):
    module = frame.f_globals.get("__name__", "")
    return module.split(".")[0] in ("agentnet", "importlib") or _skipped_by_warnings(frame)


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
            warn(message, category=DeprecationWarning)
            return function(*args, **kwargs)
        return wrapper
