"""Sphinx directives of the pyignite documentation: tables computed from the code, so they cannot rot.

``.. pyignite-reexports:: <module>``
    One short entry per name of ``<module>.__all__`` that is documented in full in another public
    module (``pyignite.Client`` -> :class:`pyignite.client.Client`), so every public name has its
    own entry in the API reference and the objects inventory without being described twice.

``.. pyignite-data:: <module>``
    An entry (with its value) for each data name of ``<module>.__all__`` that autodoc leaves out:
    module constants without a ``#:`` doc comment, and constants imported from internal modules.

``.. pyignite-inference::``
    The default Ignite type of plain Python values: each sample value is given to
    :func:`pyignite.datatypes.base.infer_hint` while the docs are built.

``.. pyignite-benchmarks::``
    The benchmark table of the latest ``scripts/bench`` run (``bench/results/summary.json``).

:data:`PUBLIC_MODULES` is the list of modules the API reference covers; ``tests/test_docs.py`` checks
the built inventory against it.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
from typing import Any, Dict, List, Optional

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

DOCS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(DOCS)
RESULTS = os.path.join(ROOT, "bench", "results")

#: the modules of the API reference (docs/api/); every name in their ``__all__`` is documented
PUBLIC_MODULES = [
    "pyignite",
    "pyignite.client",
    "pyignite.cache",
    "pyignite.aio_client",
    "pyignite.aio_cache",
    "pyignite.cursors",
    "pyignite.binary",
    "pyignite.transaction",
    "pyignite.cluster",
    "pyignite.compute",
    "pyignite.services",
    "pyignite.streamer",
    "pyignite.index_query",
    "pyignite.datastructures",
    "pyignite.monitoring",
    "pyignite.exceptions",
    "pyignite.datatypes",
    "pyignite.datatypes.prop_codes",
    "pyignite.datatypes.cache_config",
    "pyignite.datatypes.expiry_policy",
    "pyignite.retry",
    "pyignite.connection",
    "pyignite.connection.roundrobin",
    "pyignite.connection.ssl_context",
    "pyignite.connection.protocol_context",
    "pyignite.datatypes.key_value",
    "pyignite.utils",
    "pyignite.constants",
    "pyignite.dbapi",
    "pyignite.dbapi.aio",
    "pyignite.sqlalchemy",
]


def public_names(module_name: str) -> List[str]:
    """The public names of a module: its ``__all__``, or its names without a leading underscore."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_") and not inspect.ismodule(getattr(module, n))]
    return list(names)


def canonical_home(module_name: str, name: str) -> Optional[str]:
    """The other public module that documents ``module_name.name`` in full, if any.

    That is the module the object was defined in when it is public, else the first public module
    (in :data:`PUBLIC_MODULES` order) that exports the same object.
    """
    obj = getattr(importlib.import_module(module_name), name)
    candidates = []
    home = getattr(obj, "__module__", None)
    if home in PUBLIC_MODULES:
        candidates.append(home)
    candidates += PUBLIC_MODULES
    for other in candidates:
        if other == module_name:
            continue
        module = importlib.import_module(other)
        if name in public_names(other) and getattr(module, name, None) is obj:
            return other
    return None


def _kind(obj: Any) -> str:
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return "function"
    return "data"


class ReexportsDirective(SphinxDirective):
    required_arguments = 1

    def run(self) -> List[nodes.Node]:
        module_name = self.arguments[0]
        module = importlib.import_module(module_name)
        lines: List[str] = []
        for name in public_names(module_name):
            home = canonical_home(module_name, name)
            if home is None:
                continue
            obj = getattr(module, name)
            kind = _kind(obj)
            role = {"exception": "exc", "class": "class", "function": "func"}.get(kind, "data")
            lines += [
                f".. py:{kind}:: {name}",
                f"   :module: {module_name}",
                "",
                f"   The same object as :{role}:`{home}.{name}` (documented there).",
                "",
            ]
        return self._parse(lines)

    def _parse(self, lines: List[str]) -> List[nodes.Node]:
        node = nodes.container()
        self.state.nested_parse(StringList(lines, source="<pyignite-reexports>"), self.content_offset, node)
        return node.children


class DataDirective(SphinxDirective):
    required_arguments = 1

    def run(self) -> List[nodes.Node]:
        from sphinx.pycode import ModuleAnalyzer

        module_name = self.arguments[0]
        module = importlib.import_module(module_name)
        try:
            attr_docs = ModuleAnalyzer.for_module(module_name).find_attr_docs()
        except Exception:  # pragma: no cover - a module without source
            attr_docs = {}
        lines: List[str] = []
        for name in public_names(module_name):
            obj = getattr(module, name)
            if _kind(obj) != "data" or inspect.ismodule(obj) or ("", name) in attr_docs:
                continue
            if canonical_home(module_name, name) is not None:
                continue
            lines += [
                f".. py:data:: {name}",
                f"   :module: {module_name}",
                f"   :value: {obj!r}",
                "",
            ]
        node = nodes.container()
        self.state.nested_parse(StringList(lines, source="<pyignite-data>"), self.content_offset, node)
        return node.children


#: sample values for the inference table: (Python source shown, note)
INFERENCE_SAMPLES = [
    ("None", ""),
    ("True", "``bool`` is checked before ``int``"),
    ("42", "beyond the i64 range: ``ValueError`` (use ``DecimalObject``)"),
    ("2.5", ""),
    ("'text'", ""),
    ("b'bytes'", "also ``bytearray`` and ``memoryview``; decoded as ``bytes``"),
    ("uuid.UUID(int=1)", ""),
    ("datetime.datetime(2024, 1, 2, 3, 4, 5, 678901)",
     "decoded as ``(datetime, nanos)``; the specification's default was Date (see below)"),
    ("datetime.date(2024, 1, 2)", "decoded as a ``datetime`` (midnight UTC)"),
    ("datetime.timedelta(hours=1)", "whole milliseconds"),
    ("datetime.time(12, 30)", "whole milliseconds; decoded as ``timedelta``"),
    ("decimal.Decimal('1.50')", "the scale is kept"),
    ("[1, 2, 3]", "every element an ``int``"),
    ("[1.5, 2.5]", ""),
    ("[True, False]", ""),
    ("['a', None, 'c']", "``None`` is allowed in arrays of objects"),
    ("[uuid.UUID(int=1)]", ""),
    ("[datetime.datetime(2024, 1, 2)]", ""),
    ("[datetime.date(2024, 1, 2)]", ""),
    ("[datetime.timedelta(1)]", ""),
    ("[decimal.Decimal('1')]", ""),
    ("[1, 'a', 2.5]", "mixed types: each element inferred on its own; decoded as ``(-1, list)``"),
    ("[1, True]", "never a Long array that turns ``True`` into 1"),
    ("[]", ""),
    ("(1, 2)", "a tuple is inferred like a list"),
    ("(1, [1, 'a'])", "``(kind, list)``, ``kind`` -1..5: a Collection, as the official client writes it"),
    ("(1, {'a': 1})", "``(kind, dict)``, ``kind`` 1 or 2: a Map, as the official client writes it"),
    ("(datetime.datetime(2024, 1, 2), 5)", "``(datetime, nanos)``: how a Timestamp is read"),
    ("(2024, ['a'])", "no collection kind first: an Object array of the two items"),
    ("{'a': 1}", "``HASH_MAP``; decoded as ``(1, dict)``"),
    ("OrderedDict(a=1)", "``LINKED_HASH_MAP``; decoded as ``(2, OrderedDict)``"),
    ("{1, 2}", "also ``frozenset``; ``HASH_SET``, decoded as ``(3, list)``"),
]


class InferenceDirective(SphinxDirective):
    def run(self) -> List[nodes.Node]:
        import datetime
        import decimal
        import uuid
        from collections import OrderedDict

        from pyignite.datatypes.base import infer_hint

        namespace: Dict[str, Any] = {
            "datetime": datetime, "decimal": decimal, "uuid": uuid, "OrderedDict": OrderedDict,
        }
        lines = [
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: 40 25 10 25",
            "",
            "   * - Python value",
            "     - inferred hint",
            "     - type code",
            "     - notes",
        ]
        for source, note in INFERENCE_SAMPLES:
            hint = infer_hint(eval(source, namespace))  # our own constant samples
            lines += [
                f"   * - ``{source}``",
                f"     - :class:`~pyignite.datatypes.{hint.__name__}`",
                f"     - {hint.type_code}",
                f"     - {note}",
            ]
        node = nodes.container()
        self.state.nested_parse(StringList(lines, source="<pyignite-inference>"), self.content_offset, node)
        return node.children


def _fmt_rate(value: Optional[float]) -> str:
    if value is None:
        return "--"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


class BenchmarksDirective(SphinxDirective):
    option_spec = {"results": directives.unchanged}

    def run(self) -> List[nodes.Node]:
        path = os.path.join(RESULTS, self.options.get("results") or "summary.json")
        self.env.note_dependency(path)
        if not os.path.exists(path):
            para = nodes.paragraph(text="No benchmark results yet: run scripts/bench.")
            return [para]
        with open(path) as f:
            summary = json.load(f)
        lines = [
            f"Measured on {summary['date']} on {summary.get('host') or summary['machine']} "
            f"({summary.get('python', 'Python')}; "
            f"mode ``{summary.get('mode', 'full')}``; the whole run took {summary.get('seconds', 0):.0f} s).",
            "",
        ]
        skipped = summary.get("failed") or {}
        if skipped:
            lines += ["Benchmarks that failed in that run (their rows are missing):", ""]
            lines += [f"* ``{name}``: {reason.splitlines()[0] if reason else 'failed'}" for name, reason in
                      sorted(skipped.items())]
            lines.append("")
        lines += [
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: 40 12 6 14 14 8 14 8",
            "",
            "   * - operation",
            "     - benchmark",
            "     - unit",
            "     - pyignite",
            "     - official 0.6.1",
            "     - ratio",
            "     - raw-socket floor",
            "     - ours/floor",
        ]
        for row in summary["rows"]:
            ours, theirs, floor = row.get("ours"), row.get("theirs"), row.get("floor")
            # bench_floor's rows carry their ratios (medians of each round's own ratio)
            rt = row.get("ratio") or (ours / theirs if ours and theirs else None)
            rf = row.get("ours/floor") or (ours / floor if ours and floor else None)
            ratio = f"{rt:.2f}x" if rt else "--"
            op = row["operation"].replace("*", r"\*").replace("`", "'")
            lines += [
                f"   * - {op}",
                f"     - {row['benchmark']}",
                f"     - {row['unit']}",
                f"     - {_fmt_rate(ours)}",
                f"     - {_fmt_rate(theirs)}",
                f"     - {ratio}",
                f"     - {_fmt_rate(row.get('floor'))}",
                f"     - {rf:.2f}" if rf else "     - --",
            ]
        node = nodes.container()
        self.state.nested_parse(StringList(lines, source="<pyignite-benchmarks>"), self.content_offset, node)
        return node.children


class CapabilitiesDirective(SphinxDirective):
    """The table of :data:`pyignite.protocol.capabilities.CAPABILITIES`: the same data the client's
    checks read, so the page cannot drift from the code."""

    def run(self) -> List[nodes.Node]:
        from pyignite.protocol.capabilities import table_rows

        lines = [
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: 20 40 10 25 10",
            "",
            "   * - capability",
            "     - what it is",
            "     - protocol",
            "     - feature bit",
            "     - Ignite release",
        ]
        for name, description, version, feature, since in table_rows():
            lines += [
                f"   * - {name}",
                f"     - {description}",
                f"     - {version}",
                f"     - ``{feature}``" if feature != "-" else "     - --",
                f"     - {since}" if since != "-" else "     - --",
            ]
        node = nodes.container()
        self.state.nested_parse(StringList(lines, source="<pyignite-capabilities>"), self.content_offset, node)
        return node.children


class RetryTableDirective(SphinxDirective):
    """The retry table of :mod:`pyignite.retry`, generated from ``RETRY_TABLE`` (so the docs cannot
    drift from what the client does)."""

    def run(self) -> List[nodes.Node]:
        from pyignite.protocol import op_codes
        from pyignite.retry import BOUND, IDEMPOTENT, RETRY_TABLE

        names = {v: k for k, v in vars(op_codes).items() if k.startswith("OP_")}
        verdict = {
            IDEMPOTENT: ("yes", "yes"),
            BOUND: ("no", "no"),
        }
        lines = [
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: 30 30 16 12 12",
            "",
            "   * - operation",
            "     - op code",
            "     - kind",
            "     - resent when it may have reached the node",
            "     - resent when it was never written",
        ]
        for code, (name, kind) in sorted(RETRY_TABLE.items()):
            sent, unsent = verdict.get(kind, ("no", "yes"))
            lines += [
                f"   * - {name}",
                f"     - ``{names.get(code, code)}`` ({code})",
                f"     - {kind}",
                f"     - {sent}",
                f"     - {unsent}",
            ]
        node = nodes.container()
        self.state.nested_parse(StringList(lines, source="<pyignite-retry-table>"), self.content_offset, node)
        return node.children


def setup(app: Any) -> Dict[str, Any]:
    app.add_directive("pyignite-capabilities", CapabilitiesDirective)
    app.add_directive("pyignite-retry-table", RetryTableDirective)
    app.add_directive("pyignite-reexports", ReexportsDirective)
    app.add_directive("pyignite-data", DataDirective)
    app.add_directive("pyignite-inference", InferenceDirective)
    app.add_directive("pyignite-benchmarks", BenchmarksDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
