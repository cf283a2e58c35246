"""Scale out on Ray: game workers as Ray actors and training runs as Ray Tune trials.

Ray is optional (``pip install 'agentnet[ray]'``); it is imported when a
:class:`RayEnvPool` starts or a Tune helper runs, not when this package is.
"""
from .ray_pool import RayEnvPool, WorkerRestartWarning

__all__ = ["RayEnvPool", "WorkerRestartWarning"]
