"""Plugin setup of SQLAlchemy's compliance suite run (``sqlalchemy.testing``), and the exclusions.

The run takes the test classes listed in ``SELECTED.txt`` (with why the others are left out), less
the tests listed with the reason in ``EXCLUDED.txt`` (one ``Class::test prefix  # reason`` per
line); both files are read here, so they are the one place to read what runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, List

import pytest
from sqlalchemy.dialects import registry

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("SQLA_TESTING", "1")

registry.register("ignite", "pyignite.sqlalchemy", "IgniteDialect")
registry.register("ignite.async", "pyignite.sqlalchemy", "IgniteAsyncDialect")
pytest.register_assert_rewrite("sqlalchemy.testing.assertions")

from sqlalchemy.testing.plugin.pytestplugin import *  # noqa: E402,F403


def _entries(name: str) -> List[str]:
    out = []
    for line in (HERE / name).read_text().splitlines():
        entry = line.split("  #", 1)[0].strip() if not line.startswith("#") else ""
        if entry:
            out.append(entry)
    return out


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: Any, config: Any, items: List[Any]) -> None:
    prefixes = _entries("EXCLUDED.txt")
    selected = set(_entries("SELECTED.txt"))
    keep, drop = [], []
    for item in items:
        name = item.nodeid.split("::", 1)[-1]
        chosen = name.split("::", 1)[0] in selected and not any(name.startswith(p) for p in prefixes)
        (keep if chosen else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_sessionfinish(session: Any, exitstatus: Any) -> None:
    """Leave the node as found: the suite drops its tables, but not the view HasTableTest makes
    (its drop hangs on a requirement that is closed here) nor the tables of tests whose setup
    failed half way, and a second run on the same node would then fail on them."""
    from sqlalchemy.testing import config

    from pyignite import dbapi

    try:
        url = config.db.url
    except Exception:  # the plugin did not get as far as connecting
        return
    try:
        conn = dbapi.connect(host=url.host, port=url.port)
    except dbapi.Error:
        return
    with conn:
        cur = conn.cursor()
        cur.execute("SELECT SCHEMA, NAME FROM SYS.VIEWS WHERE SCHEMA = 'PUBLIC'")
        for schema, name in cur.fetchall():
            cur.execute(f'DROP VIEW IF EXISTS "{schema}"."{name}"')
        for table in ("TEST_TABLE", "RELATED", "quote ' one", 'quote "" two'):
            try:
                cur.execute(f'DROP TABLE IF EXISTS "PUBLIC"."{table}"')
            except dbapi.Error:
                pass
