"""The shared includes of Theano's C modules, precompiled (agentnet_compat.precompiled_headers)."""
import ast
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from theano.gof import cmodule

from agentnet_compat import precompiled_headers
from tests.compat.test_parallel_compile import fresh_compile_dir_env

THEANO_PREAMBLE = "".join("#include %s\n" % name for name in precompiled_headers.SHARED_INCLUDES)


@pytest.mark.parametrize("source, expected", [
    (THEANO_PREAMBLE + "int f() { return 1; }\n", True),
    (THEANO_PREAMBLE.replace("#include <vector>\n#include <algorithm>\n", ""), True),
    ("#include <stdio.h>\n" + THEANO_PREAMBLE, False),
    (THEANO_PREAMBLE.replace("#include <numpy/arrayobject.h>\n", ""), False),
    ("#include <Python.h>\nint x;\n#include <iostream>\n", False),
    ("int main() { return 0; }\n", False),
], ids=["theano-module", "without-vector-and-algorithm", "python-h-not-first",
        "without-numpy", "includes-after-code", "no-includes"])
def test_which_sources_use_the_precompiled_header(source, expected):
    assert precompiled_headers.uses_shared_includes(source) is expected


#: Compiles two functions in a fresh compile directory, recording for each g++
#: run on a module with the shared includes whether it read a precompiled
#: header (the "!" line of ``-H``), then prints the functions' values and what
#: was recorded.
COMPILE_AND_WATCH_GCC = """
    import os, sys
    import numpy as np, theano, theano.tensor as T
    from theano.gof import cmodule
    from agentnet_compat import precompiled_headers
    corrupt = sys.argv[1] == "corrupt"
    if corrupt:
        for root, _, files in os.walk(theano.config.compiledir):
            if "Python.h.gch" in files:
                with open(os.path.join(root, "Python.h.gch"), "wb") as damaged:
                    damaged.write(b"not a precompiled header")
    run = cmodule.output_subprocess_Popen
    used = []
    def watching(command, **kwargs):
        if "-shared" not in command:
            return run(command, **kwargs)
        result = run(command + ["-H"], **kwargs)
        lines = result[1].decode() if isinstance(result[1], bytes) else result[1]
        source = next(argument for argument in command if argument.endswith(".cpp"))
        with open(source) as module_source:
            if precompiled_headers.uses_shared_includes(module_source.read()):
                used.append(any(line.startswith("! ") and line.endswith("Python.h.gch")
                                for line in lines.splitlines()))
        return result
    cmodule.output_subprocess_Popen = watching
    x = T.matrix()
    unary = getattr(T, sys.argv[2])
    f = theano.function([x], (unary(x) * 3.25 + T.exp(-x)).sum(axis=1))
    g = theano.function([x], unary(T.dot(x, x.T)))
    data = np.arange(6, dtype=theano.config.floatX).reshape(2, 3) / 7
    headers = [files for _, _, files in os.walk(theano.config.compiledir)
               if "Python.h.gch" in files]
    print(repr({"used": used, "headers": len(headers),
                "f": f(data).tolist(), "g": g(data).tolist()}))
"""


def run_in_compile_dir(compile_dir, *arguments):
    """Run the script in a fresh interpreter on ``compile_dir``; the value it prints."""
    env = fresh_compile_dir_env(compile_dir)
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(COMPILE_AND_WATCH_GCC)] + list(arguments),
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        universal_newlines=True, timeout=900)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return ast.literal_eval(completed.stdout.strip().splitlines()[-1])


def expected_values(unary):
    """The script's two values, in numpy, for the elementwise function ``unary``."""
    data = np.arange(6).reshape(2, 3) / 7
    return (unary(data) * 3.25 + np.exp(-data)).sum(axis=1), unary(data @ data.T)


@pytest.fixture(scope="module")
def compile_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("compiledir")


@pytest.mark.slow
def test_modules_compile_against_the_precompiled_header_with_the_same_values(compile_dir):
    result = run_in_compile_dir(compile_dir, "keep", "tanh")
    assert result["headers"] >= 1
    assert result["used"] and all(result["used"])
    expected_f, expected_g = expected_values(np.tanh)
    np.testing.assert_allclose(result["f"], expected_f, rtol=1e-5)
    np.testing.assert_allclose(result["g"], expected_g, rtol=1e-5)


@pytest.mark.slow
def test_a_damaged_header_is_ignored_by_gcc_and_changes_no_value(compile_dir):
    run_in_compile_dir(compile_dir, "keep", "tanh")
    result = run_in_compile_dir(compile_dir, "corrupt", "arctan")  # another function: new modules
    assert result["used"] and not any(result["used"])
    expected_f, expected_g = expected_values(np.arctan)
    np.testing.assert_allclose(result["f"], expected_f, rtol=1e-5)
    np.testing.assert_allclose(result["g"], expected_g, rtol=1e-5)


def test_the_header_directory_depends_on_the_flags():
    first = precompiled_headers.header_directory(["-O1", "-DAGENTNET_TEST_FLAG=1"], [])
    second = precompiled_headers.header_directory(["-O1", "-DAGENTNET_TEST_FLAG=2"], [])
    assert first and second and first != second
    assert os.path.isfile(os.path.join(first, "Python.h.gch"))
    assert precompiled_headers.header_directory(["-O1", "-DAGENTNET_TEST_FLAG=1"], []) == first


def test_a_header_that_cannot_be_written_leaves_modules_to_compile_without_it(monkeypatch):
    def cannot_write(*args, **kwargs):
        raise PermissionError("read-only compile directory")
    monkeypatch.setattr(precompiled_headers.os, "makedirs", cannot_write)
    flags = ["-O1", "-DAGENTNET_TEST_UNWRITABLE=%d" % os.getpid()]
    assert precompiled_headers.header_directory(flags, []) is None


def test_install_is_idempotent():
    wrapped = cmodule.GCC_compiler.compile_str
    precompiled_headers.install()
    assert cmodule.GCC_compiler.compile_str is wrapped
    assert getattr(wrapped, precompiled_headers._MARK)
