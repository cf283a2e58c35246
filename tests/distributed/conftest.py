"""One local Ray (2 CPUs, loopback address only) for every test of this folder."""
import os
import time

import psutil
import pytest

# Ray reads this when it is imported: with it off, a local node takes the loopback address
# (127.0.0.1) instead of the machine's network address, so the tests listen on no network.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

RAY_PROCESS_NAMES = ("raylet", "gcs_server", "ray::", "default_worker.py")


def ray_processes():
    """Pids of this test process's descendants that belong to a Ray instance.

    Only descendants count: a Ray that another program (or another pytest-xdist
    worker) runs on this machine is not this fixture's to check.
    """
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            text = " ".join([process.name()] + process.cmdline())
        except psutil.Error:
            continue
        if any(name in text for name in RAY_PROCESS_NAMES):
            found.append(process.pid)
    return found


@pytest.fixture(scope="session")
def local_ray():
    """Start Ray once; at the end, shut it down and check that none of its processes is left."""
    pytest.importorskip("ray")
    from agentnet.distributed._ray import start_ray, stop_ray
    assert start_ray(num_cpus=2), "a Ray instance was already running in the test process"
    import ray
    assert ray.util.get_node_ip_address() == "127.0.0.1"
    assert ray_processes(), "the local Ray's processes should be this process's descendants"
    yield
    stop_ray()
    deadline = time.monotonic() + 30
    while ray_processes() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert ray_processes() == [], "Ray processes left behind after shutdown"
