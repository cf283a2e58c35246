"""The docs build refuses pages that load assets from another host (docs/_ext/offline_check.py)."""
import os
import sys

import pytest

sphinx_application = pytest.importorskip("sphinx.application")

DOCS_EXTENSIONS = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "_ext")
sys.path.insert(0, os.path.abspath(DOCS_EXTENSIONS))

from offline_check import remote_assets  # noqa: E402


@pytest.mark.parametrize("html, expected", [
    ('<script src="https://cdn.example.org/mathjax.js"></script>',
     ["https://cdn.example.org/mathjax.js"]),
    ('<link rel="stylesheet" href="//fonts.example.com/a.css">', ["//fonts.example.com/a.css"]),
    ('<script src="_static/mathjax/tex-chtml.js"></script><link href="../_static/furo.css">', []),
    ('<a href="https://github.com/">source</a><img src="data:image/png;base64,AAAA">', []),
], ids=["cdn-script", "protocol-relative-css", "local-assets", "links-and-data-urls"])
def test_remote_assets_finds_only_fetched_remote_urls(html, expected):
    assert remote_assets(html) == expected


def _build(tmp_path, extra_conf):
    source = tmp_path / "source"
    source.mkdir()
    (source / "conf.py").write_text(
        "import sys\nsys.path.insert(0, %r)\nextensions = ['offline_check']\n%s\n"
        % (os.path.abspath(DOCS_EXTENSIONS), extra_conf))
    (source / "index.rst").write_text("Title\n=====\n\nText.\n")
    app = sphinx_application.Sphinx(str(source), str(source), str(tmp_path / "html"),
                                    str(tmp_path / "doctrees"), "html", status=None,
                                    warning=None, freshenv=True)
    app.build()


def test_build_fails_when_a_page_loads_a_cdn_script(tmp_path):
    from sphinx.errors import ExtensionError
    with pytest.raises(ExtensionError,
                       match=r"(?s)render offline.*index.html: https://cdn.example.org/x.js"):
        _build(tmp_path, "html_js_files = ['https://cdn.example.org/x.js']")


def test_build_passes_with_local_assets_only(tmp_path):
    _build(tmp_path, "")
    assert (tmp_path / "html" / "index.html").exists()
