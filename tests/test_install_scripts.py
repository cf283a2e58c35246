"""scripts/install-requirements.sh and scripts/uv_index_options.py: uv gets pip's sources, and
pip installs when uv is turned off or cannot be had."""
import importlib.util
import os
import subprocess

import pytest

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "scripts")


@pytest.fixture(scope="module")
def uv_index_options():
    spec = importlib.util.spec_from_file_location(
        "uv_index_options", os.path.join(SCRIPTS, "uv_index_options.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PIP_LISTING = """\
global.cert='/etc/ssl/certs/ca-certificates.crt'
global.constraint='/etc/pip/constraints.txt'
global.extra-index-url='file:///opt/a/simple file:///opt/b/simple'
global.find-links='/opt/wheels-old'
:env:.find-links='/opt/wheels'
:env:.default-timeout='180'
download.index-url='https://ignored.example/simple'
"""


def test_the_environment_overrides_pips_files_and_other_commands_are_ignored(uv_index_options):
    settings = uv_index_options.pip_settings(PIP_LISTING)
    assert settings == {"cert": "/etc/ssl/certs/ca-certificates.crt",
                        "constraint": "/etc/pip/constraints.txt",
                        "extra-index-url": "file:///opt/a/simple file:///opt/b/simple",
                        "find-links": "/opt/wheels", "default-timeout": "180"}


def test_every_source_becomes_a_uv_option_and_pip_s_version_choice_is_kept(uv_index_options):
    options = uv_index_options.uv_options(uv_index_options.pip_settings(PIP_LISTING))
    assert options == ["--index-strategy", "unsafe-best-match",
                       "--extra-index-url", "file:///opt/a/simple",
                       "--extra-index-url", "file:///opt/b/simple",
                       "--find-links", "/opt/wheels",
                       "--constraint", "/etc/pip/constraints.txt"]
    assert uv_index_options.uv_options({}) == ["--index-strategy", "unsafe-best-match"]


# A stand-in interpreter: creating a venv fails (so uv cannot be had), pip records its arguments.
FAKE_PYTHON = """#!/usr/bin/env bash
if [ "$1 $2" = "-m venv" ]; then exit 1; fi
echo "$@" >> "{log}"
"""


@pytest.mark.parametrize("environment", [{"AGENTNET_NO_UV": "1"}, {}],
                         ids=["uv turned off", "uv cannot be had"])
def test_pip_installs_when_uv_is_off_or_missing(tmp_path, environment):
    log = tmp_path / "calls.log"
    python = tmp_path / "python"
    python.write_text(FAKE_PYTHON.format(log=log))
    python.chmod(0o755)
    env = {name: value for name, value in os.environ.items() if name != "AGENTNET_NO_UV"}
    env.update(AGENTNET_UV_HOME=str(tmp_path / "uv"), **environment)
    completed = subprocess.run(
        [os.path.join(SCRIPTS, "install-requirements.sh"), str(python), "requirements.txt"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert completed.returncode == 0, completed.stderr
    assert log.read_text().splitlines()[-1] == (
        "-m pip install --quiet --disable-pip-version-check -r requirements.txt")
    assert ("installing with pip" in completed.stderr) == (not environment)
