"""Library-wide settings."""

__all__ = ["config"]


class config(object):
    """Namespace of AgentNet settings.

    Attributes
    ----------
    verbose : int
        How much the library warns: 0 silent, 1 essential warnings (default),
        2 everything, including hints about dict ordering and updates.
    """

    verbose = 1

    @staticmethod
    def shut_up():
        """Silence every library warning (``verbose = 0``)."""
        config.verbose = 0
