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


def main(argv: Optional[List[str]] = None) -> int:
    """Run the ``pyignite`` command with ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    Exit codes: 0 success, 1 a query or server error, 2 a usage error, 3 no connection.
    """
    try:
        from pyignite.cli.app import run
    except ImportError as exc:
        missing = getattr(exc, "name", None) or ""
        if missing.split(".")[0] not in _CLI_MODULES and not (sys.version_info < (3, 11) and missing == "tomli"):
            raise
        sys.stderr.write(
            f"pyignite: the command line tool needs the '{missing.split('.')[0]}' package, "
            f"which is not installed: {INSTALL_HINT}\n"
        )
        return 2
    return run(argv)
