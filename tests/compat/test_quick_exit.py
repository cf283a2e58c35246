"""At exit, a process that loaded Theano's compiled functions freezes the collector's objects."""
from tests.compat.fresh_interpreter import run_json_script

# Registered before anything else, so that atexit runs it after every later handler.
REPORT_AT_EXIT = """
import atexit, gc, json, sys
finalized = []
def report():
    print(json.dumps({"frozen": gc.get_freeze_count(), "finalized": finalized}))
atexit.register(report)
"""

UNREACHABLE_CYCLE = """
class Node:
    def __del__(self):
        finalized.append("cycle")
node = Node()
node.self = node
del node
gc.disable()  # only an explicit collection can find the cycle now
"""


def test_theano_processes_exit_with_their_objects_frozen_after_one_collection():
    result = run_json_script(REPORT_AT_EXIT + "import theano.compile.function_module\n"
                             + UNREACHABLE_CYCLE)
    assert result["frozen"] > 10000
    assert result["finalized"] == ["cycle"]


def test_processes_without_theano_keep_the_default_exit():
    result = run_json_script(REPORT_AT_EXIT + "import numpy\n" + UNREACHABLE_CYCLE)
    assert result == {"frozen": 0, "finalized": []}
