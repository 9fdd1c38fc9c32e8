"""Sphinx configuration for the pyignite documentation.

Build: ``scripts/docs`` (``sphinx-build -W --keep-going -b html docs docs/_build/html``): every warning
is an error. ``tests/test_docs.py`` runs the same build in the test suite and checks that every
public name of :mod:`pyignite` is in the API reference.
"""

import os
import sys

DOCS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(DOCS))  # the checkout: pyignite, bench
sys.path.insert(0, os.path.join(DOCS, "_ext"))

import pyignite  # noqa: E402

project = "pyignite"
author = "the pyignite authors"
copyright = "2026, the pyignite authors"
version = release = pyignite.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "pyignite_docs",  # docs/_ext: generated tables (inference, benchmarks), re-export entries
]
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": True, "show-inheritance": True}
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"
nitpicky = False
html_theme = "alabaster"
html_theme_options = {"description": "A thin client for Apache Ignite 2.x", "fixed_sidebar": True}
exclude_patterns = ["_build", "_ext"]
# Docstrings refer to names by their short or relative form (``:class:`Cache```); a few of those
# resolve to more than one target or to private helpers. Such references render as plain text.
suppress_warnings = ["ref.python"]
