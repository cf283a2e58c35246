"""Sphinx configuration. Builds and renders offline: no intersphinx, no downloads, no CDN.

MathJax ships with the build (``sphinx-mathjax-offline``); ``_ext/offline_check.py``
fails the build if a page still loads an asset from another host.
"""
import os
import sys

sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, os.path.abspath("_ext"))

import agentnet  # noqa: E402

project = "AgentNet"
author = "AgentNet contributors"
copyright = "2026, AgentNet contributors"
release = agentnet.__version__  # the one source of the version; setup.py reads it too

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx.ext.coverage",
    "sphinx-mathjax-offline",
    "offline_check",
    "signature_check",
]
#: Every public function, method and class here documents all its parameters.
signature_check_complete_modules = ["agentnet.agent", "agentnet.environment", "agentnet.learning"]
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
nitpicky = False
html_theme = "furo"
html_title = "AgentNet %s" % release
exclude_patterns = ["_build"]
coverage_show_missing_items = True
coverage_statistics_to_stdout = False
