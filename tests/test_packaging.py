"""setup.py's extras and requirements-dev.txt (what ``make`` installs) pin the same versions."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)


def _normalise(requirement):
    """'NumPy >=1.21, <1.24' -> ('numpy', {'>=1.21', '<1.24'}) for an order-free comparison."""
    name, _, spec = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(\[[^\]]*\])?\s*(.*)", requirement).groups()
    pins = frozenset(part.strip() for part in spec.split(",") if part.strip())
    return name.lower().replace("_", "-"), pins


def _dev_requirements():
    with open(os.path.join(ROOT, "requirements-dev.txt")) as handle:
        lines = (line.split("#")[0].strip() for line in handle)
        return dict(_normalise(line) for line in lines if line)


@pytest.fixture(scope="module")
def extras(tmp_path_factory):
    egg_base = tmp_path_factory.mktemp("egg")
    subprocess.run([sys.executable, "setup.py", "-q", "egg_info", "--egg-base", str(egg_base)],
                   cwd=ROOT, check=True, capture_output=True)
    sections, section = {None: []}, None
    for line in (egg_base / "agentnet.egg-info" / "requires.txt").read_text().splitlines():
        if line.startswith("["):
            section = line.strip("[]")
            sections[section] = []
        elif line.strip():
            sections[section].append(_normalise(line))
    return sections


@pytest.mark.parametrize("extra", ["gym", "atari", "notebooks", "ray", "all", None],
                         ids=["gym", "atari", "notebooks", "ray", "all", "install_requires"])
def test_every_pin_matches_requirements_dev(extras, extra):
    dev = _dev_requirements()
    assert extras[extra], "extra %r is empty" % extra
    for name, spec in extras[extra]:
        assert dev.get(name) == spec, "%s: setup.py %s, requirements-dev.txt %s" % (
            name, sorted(spec), sorted(dev.get(name, ())))


def test_atari_extra_brings_the_emulator_and_gymnasium(extras):
    names = {name for name, _ in extras["atari"]}
    assert {"gymnasium", "ale-py", "opencv-python-headless"} <= names
    assert "gym" not in names
