"""What Theano asks g++ in every process is asked once per compiler and processor."""
import json
import os

import pytest

from agentnet_compat import compiler_facts
from tests.compat.fresh_interpreter import run_json_script

# Records the g++ commands the child runs, then asks Theano what it asks g++ about.
ASK_THEANO = """
import json, subprocess
commands = []
original = subprocess.Popen.__init__
def recording(self, args, *rest, **options):
    commands.append(args if isinstance(args, str) else " ".join(args))
    original(self, args, *rest, **options)
subprocess.Popen.__init__ = recording
import theano
from theano.gof.cmodule import GCC_compiler
from theano.gof.op import OpenMPOp
arguments = GCC_compiler.compile_args()
print(json.dumps({"march_flags": GCC_compiler.march_flags, "arguments": arguments,
                  "openmp": OpenMPOp.test_gxx_support(), "commands": commands,
                  "facts": theano.config.compiledir + "/agentnet_compiler_facts.json"}))
"""
DETECTION = ("-march=native", "try_march", "test_omp")


def ask_theano(compile_dir, cxxflags=None):
    flags = "base_compiledir=%s" % compile_dir
    if cxxflags:
        flags += ",gcc.cxxflags=%s" % cxxflags
    return run_json_script(ASK_THEANO, THEANO_FLAGS=flags)


def detections(result):
    return [c for c in result["commands"] if any(mark in c for mark in DETECTION)]


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    compile_dir = str(tmp_path_factory.mktemp("facts"))
    return ask_theano(compile_dir), ask_theano(compile_dir), compile_dir


def test_the_first_process_asks_gxx_and_the_next_one_reads_the_answers(two_processes):
    first, second, _ = two_processes
    assert len(detections(first)) >= 3 and detections(second) == []
    assert second["march_flags"] == first["march_flags"]
    assert second["arguments"] == first["arguments"]
    assert second["openmp"] == first["openmp"] is True


def test_the_stored_answers_are_what_gxx_said(two_processes):
    first, _, _ = two_processes
    with open(first["facts"]) as stored:
        facts = json.load(stored)
    assert list(facts.values()) == [{"march_flags": first["march_flags"], "openmp": True}]
    assert any(flag.startswith("-march=") for flag in first["march_flags"])


def test_an_unreadable_facts_file_is_ignored_and_rewritten(tmp_path, two_processes):
    first, _, _ = two_processes
    compile_dir = os.path.dirname(first["facts"])
    damaged = tmp_path / os.path.basename(compile_dir)
    damaged.mkdir()
    (damaged / compiler_facts.FILE_NAME).write_text("{not json")
    result = ask_theano(str(tmp_path))
    assert result["march_flags"] == first["march_flags"] and len(detections(result)) >= 3
    with open(result["facts"]) as stored:
        assert list(json.load(stored).values())[0]["march_flags"] == first["march_flags"]


def test_a_march_of_the_users_own_is_neither_replaced_nor_stored(tmp_path, two_processes):
    result = ask_theano(str(tmp_path), cxxflags="-march=x86-64")
    assert "-march=x86-64" in result["arguments"]
    assert not any(flag in result["arguments"] for flag in two_processes[0]["march_flags"]
                   if flag.startswith("-march="))
    with open(result["facts"]) as stored:
        assert [sorted(entry) for entry in json.load(stored).values()] == [["openmp"]]


def test_facts_are_filed_per_processor(tmp_path, monkeypatch):
    monkeypatch.setattr(compiler_facts, "facts_path", lambda: str(tmp_path / "facts.json"))
    monkeypatch.setattr(compiler_facts, "_processor_description", lambda: "processor A")
    compiler_facts.remember("openmp", False)
    monkeypatch.setattr(compiler_facts, "_processor_description", lambda: "processor B")
    assert compiler_facts.recall("openmp") is None
    compiler_facts.remember("openmp", True)
    monkeypatch.setattr(compiler_facts, "_processor_description", lambda: "processor A")
    assert compiler_facts.recall("openmp") is False
    assert len(json.loads((tmp_path / "facts.json").read_text())) == 2
