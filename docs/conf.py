"""Sphinx configuration for the pyignite documentation (build: scripts/docs)."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

project = "pyignite"
author = "the pyignite authors"
copyright = "2026, the pyignite authors"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "description"
nitpicky = False
html_theme = "alabaster"
exclude_patterns = ["_build"]
suppress_warnings = ["ref.python"]
