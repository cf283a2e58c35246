"""Starting and stopping Ray for AgentNet's workers, and what the workers inherit."""
import os

import theano

from agentnet_compat.threads import game_worker_environment

__all__ = ["require_ray", "start_ray", "stop_ray", "theano_env_vars"]


def require_ray():
    """The ``ray`` module, or an ImportError saying how to install it."""
    try:
        import ray
    except ImportError as error:
        raise ImportError("agentnet.distributed needs Ray: pip install 'agentnet[ray]' "
                          "(or 'ray[tune]>=2.60,<2.61')") from error
    return ray


def start_ray(address=None, num_cpus=None):
    """Connect to Ray; returns True when this call started a local instance.

    Parameters
    ----------
    address : str or None
        A cluster to join (``"auto"``, ``"host:6379"``, ``"ray://host:10001"``).
        None: keep the instance this process already joined, or start a
        local one without the dashboard. Tasks and actors started through
        it (Tune trials too) get :func:`theano_env_vars`.
    num_cpus : int or None
        CPUs of a local instance (None: all of the machine's).
    """
    ray = require_ray()
    if ray.is_initialized():
        return False
    runtime_env = {"env_vars": theano_env_vars()}
    if address is not None:
        ray.init(address=address, runtime_env=runtime_env)
        return False
    ray.init(num_cpus=num_cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
             runtime_env=runtime_env)
    return True


def stop_ray():
    """Shut the Ray instance of this process down (its local processes end with it)."""
    require_ray().shutdown()


def theano_env_vars():
    """Environment of the worker actors: this process's Theano compile cache, floatX and BLAS
    (one OpenMP thread per actor when AgentNet chose the threads here).

    Workers on this machine then share the learner's compile directory (the
    first compile is paid once per machine); on other machines the same path
    under their home holds their own cache.
    """
    config = theano.config
    flags = "base_compiledir=%s,floatX=%s" % (config.base_compiledir, config.floatX)
    user_flags = os.environ.get("THEANO_FLAGS", "")
    env_vars = {"THEANO_FLAGS": flags + ("," + user_flags if user_flags else "")}
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if name in os.environ:
            env_vars[name] = os.environ[name]
    env_vars.update(game_worker_environment())
    return env_vars
