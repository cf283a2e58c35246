"""Every public function and method of agent, environment and learning that returns a value
documents it in a numpydoc ``Returns`` (or ``Yields``) section (issue 15).

The source is read with :mod:`ast`, not imported: public functions and methods
of public classes in public modules (no leading underscore; ``__init__`` and
other dunder methods excluded) whose own body has ``return <value>`` (not a
bare ``return`` or ``return None``, not a nested function's); properties are
excluded, as their docstring describes an attribute.
"""
import ast
import os
import pathlib
import textwrap

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "agentnet"
COMPLETE_PACKAGES = ["agent", "environment", "learning"]
SECTION = ("Returns", "Yields")
NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _is_value(node):
    """Whether ``node`` (the value of a ``return``) is something other than nothing."""
    return node is not None and not (isinstance(node, ast.Constant) and node.value is None)


def _own_nodes(function):
    """``function`` and the nodes under it, except nested functions, lambdas and classes."""
    pending = [function]
    while pending:
        node = pending.pop()
        yield node
        pending.extend(child for child in ast.iter_child_nodes(node)
                       if not isinstance(child, NESTED_SCOPES))


def returns_value(function):
    """Whether ``function`` returns a value or is a generator."""
    return any((isinstance(node, ast.Return) and _is_value(node.value))
               or isinstance(node, (ast.Yield, ast.YieldFrom))
               for node in _own_nodes(function))


def is_property(function):
    """Whether ``function`` is decorated as a property, its setter/deleter or a cached one."""
    names = {getattr(decorator, "id", None) or getattr(decorator, "attr", None)
             for decorator in function.decorator_list}
    return bool(names & {"property", "cached_property", "setter", "deleter"})


def has_returns_section(docstring):
    """Whether a cleaned docstring has a ``Returns`` or ``Yields`` header over a dash line."""
    lines = [line.strip() for line in (docstring or "").splitlines()]
    return any(line in SECTION and len(following) >= 3 and set(following) == {"-"}
               for line, following in zip(lines, lines[1:]))


def _public(name):
    return not name.startswith("_")


def _definitions(node, prefix=""):
    """(qualified name, def node) of the public functions and methods under ``node``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            if _public(child.name):
                yield from _definitions(child, prefix + child.name + ".")
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if _public(child.name):
                yield prefix + child.name, child
        elif not isinstance(child, ast.Lambda):
            yield from _definitions(child, prefix)


def undocumented_returns(source, label):
    """``"label:line name"`` for each public def of ``source`` that lacks its Returns section."""
    tree = ast.parse(source)
    return ["%s:%i %s" % (label, function.lineno, name)
            for name, function in _definitions(tree)
            if returns_value(function) and not is_property(function)
            and not has_returns_section(ast.get_docstring(function))]


def public_modules(package):
    """The ``.py`` files of ``package`` whose path has no private part (``__init__`` counts)."""
    for path in sorted((PACKAGE / package).rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if all(_public(part) or part == "__init__" for part in parts):
            yield path


@pytest.mark.parametrize("package", COMPLETE_PACKAGES)
def test_every_public_function_that_returns_documents_it(package):
    modules = list(public_modules(package))
    assert modules, "no module found under %s" % (PACKAGE / package)
    missing = [entry for path in modules
               for entry in undocumented_returns(path.read_text(),
                                                 os.path.relpath(path, PACKAGE.parent))]
    assert not missing, "no Returns/Yields section in:\n" + "\n".join(missing)


def _missing(source):
    return [entry.split(" ", 1)[1]
            for entry in undocumented_returns(textwrap.dedent(source), "m")]


def test_checker_names_each_undocumented_function_and_method():
    source = '''
        def f():
            """Summary."""
            return 1

        class A:
            def g(self):
                """Mentions Returns in a sentence, not as a section."""
                return 2

            def h(self):
                """Summary.

                Returns
                -------
                int
                """
                return 3
    '''
    assert _missing(source) == ["f", "A.g"]


def test_checker_accepts_yields_and_requires_it_of_generators():
    source = '''
        def documented():
            """Summary.

            Yields
            ------
            int
            """
            yield 1

        def undocumented():
            """Summary."""
            yield 1
    '''
    assert _missing(source) == ["undocumented"]


def test_checker_skips_what_needs_no_returns_section():
    source = '''
        def bare():
            """No value."""
            return

        def none():
            """Returns None explicitly."""
            return None

        def nested():
            """Only the inner function returns."""
            def inner():
                return 1
            inner()

        def _private():
            return 1

        class _Hidden:
            def method(self):
                return 1

        class Shown:
            def __init__(self):
                return None

            def __len__(self):
                return 0

            @property
            def size(self):
                """An attribute."""
                return 1
    '''
    assert _missing(source) == []


def test_checker_finds_definitions_under_module_level_blocks():
    source = '''
        try:
            def inside_try():
                """Summary."""
                return 1
        except ImportError:
            pass
    '''
    assert _missing(source) == ["inside_try"]


def test_public_modules_leave_out_private_ones():
    names = {path.name for path in public_modules("agent")}
    assert "mdp_agent.py" in names and "__init__.py" in names
    assert not any(name.startswith("_") and name != "__init__.py" for name in names)
