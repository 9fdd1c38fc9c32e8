"""``python -m pyignite``: the ``pyignite`` command line tool (the optional ``cli`` extra)."""

import sys

from pyignite.cli import main

if __name__ == "__main__":
    sys.exit(main())
