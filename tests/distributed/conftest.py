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
    """Pids of processes of a Ray instance on this machine."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        try:
            text = " ".join([process.info["name"] or ""] + (process.info["cmdline"] or []))
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
    others = set(ray_processes())  # another program's Ray on this machine is not ours to check
    assert start_ray(num_cpus=2), "a Ray instance was already running in the test process"
    import ray
    assert ray.util.get_node_ip_address() == "127.0.0.1"
    yield
    stop_ray()
    deadline = time.monotonic() + 30
    while set(ray_processes()) - others and time.monotonic() < deadline:
        time.sleep(0.5)
    assert set(ray_processes()) - others == set(), "Ray processes left behind after shutdown"
