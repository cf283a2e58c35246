"""The docs build's own checks: no asset from another host (docs/_ext/offline_check.py), and
Parameters sections that agree with their signatures (docs/_ext/signature_check.py)."""
import io
import os
import sys
import textwrap

import pytest

sphinx_application = pytest.importorskip("sphinx.application")
from sphinx.errors import ExtensionError  # noqa: E402
from sphinx.util.docutils import docutils_namespace  # noqa: E402

DOCS_EXTENSIONS = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, "docs",
                                               "_ext"))
sys.path.insert(0, DOCS_EXTENSIONS)

from offline_check import remote_assets  # noqa: E402
from signature_check import documented_parameters, mismatches  # noqa: E402

PLAIN_INDEX = "Title\n=====\n\nText.\n"


@pytest.mark.parametrize("html, expected", [
    ('<script src="https://cdn.example.org/mathjax.js"></script>',
     ["https://cdn.example.org/mathjax.js"]),
    ('<link rel="stylesheet" href="//fonts.example.com/a.css">', ["//fonts.example.com/a.css"]),
    ('<script src="_static/mathjax/tex-chtml.js"></script><link href="../_static/furo.css">', []),
    ('<a href="https://github.com/">source</a><img src="data:image/png;base64,AAAA">', []),
], ids=["cdn-script", "protocol-relative-css", "local-assets", "links-and-data-urls"])
def test_remote_assets_finds_only_fetched_remote_urls(html, expected):
    assert remote_assets(html) == expected


def _build(tmp_path, extensions, extra_conf="", index=PLAIN_INDEX):
    """Build a one-page Sphinx project in tmp_path with warnings as errors.

    Returns (status code, warnings text): Sphinx 8 finishes the build and sets
    a non-zero status when ``warningiserror`` met a warning.
    """
    source = tmp_path / "source"
    source.mkdir()
    (source / "conf.py").write_text("import sys\nsys.path[:0] = [%r, %r]\nextensions = %r\n%s\n"
                                    % (DOCS_EXTENSIONS, str(tmp_path), extensions, extra_conf))
    (source / "index.rst").write_text(index)
    warnings = io.StringIO()
    with docutils_namespace():  # each build registers its node classes afresh
        app = sphinx_application.Sphinx(str(source), str(source), str(tmp_path / "html"),
                                        str(tmp_path / "doctrees"), "html", status=None,
                                        warning=warnings, freshenv=True, warningiserror=True)
        app.build()
    return app.statuscode, warnings.getvalue()


def test_build_fails_when_a_page_loads_a_cdn_script(tmp_path):
    with pytest.raises(ExtensionError,
                       match=r"(?s)render offline.*index.html: https://cdn.example.org/x.js"):
        _build(tmp_path, ["offline_check"], "html_js_files = ['https://cdn.example.org/x.js']")


def test_build_passes_with_local_assets_only(tmp_path):
    _build(tmp_path, ["offline_check"])
    assert (tmp_path / "html" / "index.html").exists()


DOCSTRING = textwrap.dedent('''\
    Add things.

    Parameters
    ----------
    a, b : int
        The terms.
    scale : float, optional
        Multiplies the sum.

    Returns
    -------
    int
    ''')


def test_documented_parameters_reads_the_numpydoc_section():
    assert documented_parameters(DOCSTRING.splitlines()) == ["a", "b", "scale"]
    assert documented_parameters(["No sections."]) is None


@pytest.mark.parametrize("documented, signature, var_keyword, problem", [
    (["a", "b"], ["a", "b"], False, None),
    (["a", "c"], ["a", "b"], False, "documents c, not in the signature"),
    (["a", "c"], ["a", "b", "**kwargs"], True, "does not document b"),
    (["a", "b", "extra"], ["a", "b", "**kwargs"], True, None),
    (["b", "a"], ["a", "b"], False, "another order"),
    (["a"], ["a", "*args", "**kwargs"], True, None),
], ids=["agree", "unknown-name", "missing", "kwargs-extra", "order", "varargs-optional"])
def test_mismatches(documented, signature, var_keyword, problem):
    found = mismatches(documented, signature, var_keyword)
    assert (found == []) if problem is None else any(problem in p for p in found), found


def _document_function(tmp_path, parameters_section):
    source = 'def scale(x, factor):\n    """Scale.\n\n    Parameters\n    ----------\n%s    """\n'
    body = source % textwrap.indent(parameters_section, " " * 4)
    (tmp_path / "probe_module.py").write_text(body)
    sys.modules.pop("probe_module", None)  # another test's version of the module
    return _build(tmp_path, ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "signature_check"],
                  index="Probe\n=====\n\n.. automodule:: probe_module\n   :members:\n")


def test_build_fails_on_a_parameters_section_that_disagrees(tmp_path):
    status, warnings = _document_function(tmp_path, "x : float\nsize : int\n")
    assert status != 0
    assert "probe_module.scale: Parameters section documents size, not in the signature" \
        in warnings
    assert "does not document factor" in warnings


def test_build_passes_when_parameters_agree(tmp_path):
    status, warnings = _document_function(tmp_path, "x : float\nfactor : float\n")
    assert (status, warnings) == (0, ""), warnings[:2000]
