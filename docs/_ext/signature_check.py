"""Fail the docs build when a documented Parameters section disagrees with its signature.

For every function, method and class that autodoc renders, the numpydoc
``Parameters`` section (read before napoleon turns it into fields) is compared
with :func:`inspect.signature` (a class with its ``__init__``):

* every documented name must be a parameter, unless the signature takes
  ``**kwargs`` (then extra names document keywords passed on);
* every parameter must be documented, in the signature's order (``self``,
  ``cls``, ``*args`` and ``**kwargs`` may be left out; ``a, b : int`` documents
  both);
* objects in ``signature_check_complete_modules`` must have a Parameters
  section whenever their signature has a parameter.

Docstrings a method inherits from its base class (Lasagne's, say) are not checked.

Each disagreement is a Sphinx warning naming the object, so ``-W`` fails the build.
"""
import inspect
import re

from sphinx.util import logging

logger = logging.getLogger(__name__)

SECTION_HEADER = re.compile(r"^\s*-{3,}\s*$")
ENTRY = re.compile(r"^(\*{0,2}[A-Za-z_][\w]*(?:\s*,\s*\*{0,2}[A-Za-z_][\w]*)*)\s*(?::.*)?$")
OPTIONAL = {"self", "cls"}


def documented_parameters(lines):
    """Names in the numpydoc ``Parameters`` section of docstring ``lines``; None without one."""
    for start in range(len(lines) - 1):
        if lines[start].strip() == "Parameters" and SECTION_HEADER.match(lines[start + 1]):
            return _entries(lines[start + 2:], len(lines[start]) - len(lines[start].lstrip()))
    return None


def _entries(lines, indent):
    names = []
    for index, line in enumerate(lines):
        if index + 1 < len(lines) and SECTION_HEADER.match(lines[index + 1]):
            break
        if line.strip() and len(line) - len(line.lstrip()) == indent:
            match = ENTRY.match(line.strip())
            if match:
                names.extend(name.strip() for name in match.group(1).split(","))
    return names


def signature_parameters(obj, what):
    """(names, takes_var_keyword) of the call signature; None when it cannot be read."""
    target = obj.__init__ if what in ("class", "exception") else obj
    try:
        parameters = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return None
    names = [("*" if p.kind == p.VAR_POSITIONAL else "**" if p.kind == p.VAR_KEYWORD else "")
             + p.name for p in parameters]
    return [n for n in names if n not in OPTIONAL], any(n.startswith("**") for n in names)


def mismatches(documented, signature, takes_var_keyword):
    """Human-readable disagreements between documented names and the signature's."""
    bare = [name.lstrip("*") for name in documented]
    required = [name for name in signature if not name.startswith("*")]
    problems = []
    unknown = [n for n in bare if n not in {s.lstrip("*") for s in signature}]
    if unknown and not takes_var_keyword:
        problems.append("documents %s, not in the signature" % ", ".join(unknown))
    missing = [name for name in required if name not in bare]
    if missing:
        problems.append("does not document %s" % ", ".join(missing))
    in_order = [name for name in bare if name in required]
    if not missing and in_order != [name for name in required if name in in_order]:
        problems.append("documents them in another order than the signature (%s)"
                        % ", ".join(required))
    return problems


def _inherited_docstring(obj):
    """A method without a docstring of its own (autodoc shows its base class's)."""
    return getattr(obj, "__doc__", None) is None


def _in_complete_module(app, name):
    return any(name == module or name.startswith(module + ".")
               for module in app.config.signature_check_complete_modules)


def check_docstring(app, what, name, obj, options, lines):
    """``autodoc-process-docstring`` handler (runs before napoleon)."""
    if what not in ("function", "method", "class", "exception") or _inherited_docstring(obj):
        return
    signature = signature_parameters(obj, what)
    if signature is None:
        return
    documented = documented_parameters(lines)
    if documented is None:
        if signature[0] and [n for n in signature[0] if not n.startswith("*")] \
                and _in_complete_module(app, name):
            logger.warning("%s: no Parameters section for %s", name, ", ".join(signature[0]),
                           type="signature_check")
        return
    for problem in mismatches(documented, *signature):
        logger.warning("%s: Parameters section %s", name, problem, type="signature_check")


def setup(app):
    app.add_config_value("signature_check_complete_modules", [], "env")
    app.connect("autodoc-process-docstring", check_docstring, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
