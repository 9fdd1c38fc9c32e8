"""The ``pyignite`` command: an SQL shell, cache and cluster tools, bulk load and dump.

It lives in the optional ``cli`` extra (``pip install 'pyignite[cli]'``) so that the client library
itself stays free of dependencies: nothing outside this package imports click, rich,
prompt-toolkit or pyarrow. This module imports none of them either, so that a missing extra is
reported in one line instead of an ``ImportError`` traceback.
"""

from __future__ import annotations

import sys
from typing import List, Optional

__all__ = ["main"]

#: what to install when a dependency of the command line tool is missing
INSTALL_HINT = "pip install 'pyignite[cli]'"

_CLI_MODULES = ("click", "rich", "prompt_toolkit")


def _missing() -> Optional[str]:
    """The first dependency of the extra that cannot be imported (checked without importing it:
    most commands never load prompt-toolkit, and a missing one must not surface mid-command)."""
    import importlib.util

    names = list(_CLI_MODULES)
    if sys.version_info < (3, 11):
        names.append("tomli")
    for name in names:
        try:
            if sys.modules.get(name, True) is None or importlib.util.find_spec(name) is None:
                return name
        except (ImportError, ValueError):
            return name
    return None


def main(argv: Optional[List[str]] = None) -> int:
    """Run the ``pyignite`` command with ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    Exit codes: 0 success, 1 a query or server error, 2 a usage error, 3 no connection.
    """
    missing = _missing()
    if missing is not None:
        sys.stderr.write(f"pyignite: the command line tool needs the '{missing}' package, which is not "
                         f"installed: {INSTALL_HINT}\n")
        return 2
    from pyignite.cli.app import run

    return run(argv)
