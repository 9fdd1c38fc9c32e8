"""The documentation builds without a warning and documents every public name (no Ignite node needed).

One Sphinx build (``-W``: warnings are errors, as ``scripts/docs``) into a temporary directory; then
the objects inventory it wrote (``objects.inv``) must hold every public name of pyignite: the names of
``pyignite.__all__`` and the ``__all__`` of every module of the API reference
(``docs/_ext/pyignite_docs.py``: ``PUBLIC_MODULES``), and the public methods and properties of the
classes ``pyignite`` exports. The hand-written tables of the data types and cache properties pages are
checked against the code.
"""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

sys.path.insert(0, str(DOCS / "_ext"))
import pyignite_docs  # noqa: E402
import sphinx.util.inventory as sphinx_inventory  # noqa: E402  (Sphinx: the docs and dev extras)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    res = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q", "-b", "html",
         "-d", str(out / "doctrees"), str(DOCS), str(out / "html")],
        capture_output=True, text=True, timeout=300, cwd=str(ROOT),
    )
    assert res.returncode == 0, f"the docs build failed or warned:\n{res.stdout[-3000:]}\n{res.stderr[-6000:]}"
    return out / "html"


@pytest.fixture(scope="module")
def inventory(built: Path) -> Dict[str, str]:
    """``{full name: role}`` of every Python object the built docs describe."""
    with open(built / "objects.inv", "rb") as f:
        inv = sphinx_inventory.InventoryFile.load(f, "", lambda base, uri: uri)
    # Sphinx 8.2+ returns an _Inventory object; older versions a dict {role: {name: item}}
    data = getattr(inv, "data", inv)
    names: Dict[str, str] = {}
    for role, items in data.items():
        if role.startswith("py:"):
            for name in items:
                names[name] = role
    return names


def test_every_public_name_is_documented(inventory: Dict[str, str]) -> None:
    missing = []
    for module_name in pyignite_docs.PUBLIC_MODULES:
        if f"{module_name}" not in inventory:
            missing.append(f"module {module_name}")
        for name in pyignite_docs.public_names(module_name):
            if f"{module_name}.{name}" not in inventory:
                missing.append(f"{module_name}.{name}")
    assert not missing, "not in the API reference (docs/api/):\n" + "\n".join(missing)


def _documented_home(obj: object, inventory: Dict[str, str]) -> List[str]:
    """Full names under which the class ``obj`` is documented."""
    homes = []
    for module_name in pyignite_docs.PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in pyignite_docs.public_names(module_name):
            if getattr(module, name, None) is obj and f"{module_name}.{name}" in inventory:
                homes.append(f"{module_name}.{name}")
    return homes


def _public_members(cls: type) -> Dict[str, type]:
    """Public methods and properties a user calls, each with the pyignite class that defines it."""
    members: Dict[str, type] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("pyignite"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            if inspect.isfunction(value) or isinstance(value, (property, classmethod, staticmethod)):
                members[name] = klass
    return members


def test_public_methods_are_documented(inventory: Dict[str, str]) -> None:
    """Members of the classes ``pyignite`` exports are documented with the class, or with the public
    base class that defines them (``Bases:`` links there)."""
    import pyignite

    missing = []
    for name in pyignite.__all__:
        obj = getattr(pyignite, name)
        if not inspect.isclass(obj) or issubclass(obj, int):  # enums: their members are data
            continue
        homes = _documented_home(obj, inventory)
        if not homes:
            missing.append(f"{name}: not documented")
            continue
        for member, owner in sorted(_public_members(obj).items()):
            places = homes + _documented_home(owner, inventory)
            if not any(f"{home}.{member}" in inventory for home in places):
                missing.append(f"{homes[0]}.{member}")
    assert not missing, "methods or properties not in the API reference:\n" + "\n".join(missing)


def _list_table_rows(text: str) -> List[List[str]]:
    """Rows (lists of cell texts) of the ``list-table`` directives in ``text``."""
    rows: List[List[str]] = []
    for line in text.splitlines():
        if line.startswith("   * - "):
            rows.append([line[7:].strip()])
        elif line.startswith("     - ") and rows:
            rows[-1].append(line[7:].strip())
    return rows


def test_data_types_table_matches_the_code() -> None:
    import pyignite.datatypes as dt
    from pyignite.datatypes.base import IgniteDataType

    rows = _list_table_rows((DOCS / "datatypes.rst").read_text())
    seen = set()
    problems = []
    for row in rows:
        m = re.fullmatch(r":class:`~pyignite\.datatypes\.(\w+)`", row[-1])
        if m is None or len(row) != 5:
            continue
        hint = getattr(dt, m.group(1))
        seen.add(m.group(1))
        code = int(row[0].split()[0])
        if code & 0xFF != hint.type_code & 0xFF:
            problems.append(f"{m.group(1)}: type code {code} in the docs, {hint.type_code} in the code")
        java = getattr(hint, "java_type", None)
        if (f"``{java}``" if java else "--") != row[2]:
            problems.append(f"{m.group(1)}: Java type {row[2]} in the docs, {java} in the code")
    hints = {
        n for n in dt.__all__
        if inspect.isclass(getattr(dt, n)) and issubclass(getattr(dt, n), IgniteDataType) and n != "IgniteDataType"
    }
    assert hints - seen == set(), f"hint classes missing from docs/datatypes.rst: {sorted(hints - seen)}"
    assert not problems, "\n".join(problems)


def test_cache_properties_table_matches_the_code() -> None:
    from pyignite.datatypes import prop_codes

    rows = _list_table_rows((DOCS / "cache_properties.rst").read_text())
    documented = {}
    for row in rows:
        m = re.fullmatch(r":data:`~pyignite\.datatypes\.prop_codes\.(PROP_\w+)`", row[0])
        if m:
            documented[m.group(1)] = int(row[1])
    actual = {name: getattr(prop_codes, name) for name in prop_codes.__all__}
    assert documented == actual


def test_examples_shown_in_the_docs_exist() -> None:
    """Every ``literalinclude`` of the docs names a file that exists (Sphinx only warns otherwise)."""
    missing = []
    for page in DOCS.rglob("*.rst"):
        for target in re.findall(r"\.\. literalinclude:: (\S+)", page.read_text()):
            if not (page.parent / target).resolve().exists():
                missing.append(f"{page.relative_to(DOCS)}: {target}")
    assert not missing, missing
