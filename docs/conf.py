"""Sphinx configuration. Builds offline: no intersphinx, no downloads."""
import os
import sys

sys.path.insert(0, os.path.abspath(".."))

project = "AgentNet"
author = "AgentNet contributors"
copyright = "2026, AgentNet contributors"
release = "0.10.6"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx.ext.coverage",
]
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
nitpicky = False
html_theme = "alabaster"
exclude_patterns = ["_build"]
coverage_show_missing_items = True
coverage_statistics_to_stdout = False
