"""Benchmark: encoding and decoding values (the type codecs alone), against the official pyignite 0.6.1.

    .venv/bin/python bench/bench_codec.py [--repeat 5] [--min-time 0.2]

No server: both clients serialize the same payloads in memory. The payloads are built by the same code
(``PAYLOADS``, stdlib only, fixed seed) in this process and in the official client's virtualenv, each
value with a hint class *name* that both packages export (``MapObject``...) or none (inference); the
values are written so that both APIs take them as they are (a map is a ``(kind, dict)`` tuple, an
Object array a ``(type_id, list)`` tuple, a Timestamp a ``(datetime, nanos)`` tuple). Kinds: longs,
doubles, ASCII and non-ASCII strings, UUIDs, timestamps, decimals, 1 KiB byte arrays, long arrays,
string arrays, mixed Object arrays, maps of mixed values, and "records" (a map with a bit of
everything, the shape of a typical cached document).

Measured, per kind and in total: encode ops/s (one value written into a fresh buffer) and decode ops/s
(one value read back from its bytes). The official client writes through ``infer_from_python`` into a
``BinaryStream`` and reads with ``AnyDataObject.parse`` + ``to_python`` (what its cache operations
do). The table also says whether both clients wrote identical bytes for each kind (same wire format),
and the results go to ``bench/results/codec.json``. Known difference: timestamps -- the official client
computes milliseconds as ``int(dt.timestamp() * 1000)``, a float product that truncates to one
millisecond less for about 0.5% of values; this package computes them exactly.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from typing import Any, Callable, Dict, List, Tuple

from common import ROOT, best_rate, print_table, run_official, save_results

sys.path.insert(0, str(ROOT))

# Builds {kind: [(value, hint name or None), ...]}: run by both clients (stdlib only).
PAYLOADS = r"""
import datetime, decimal, random, uuid

def build_payloads(n):
    rnd = random.Random(20240611)
    epoch = datetime.datetime(2000, 1, 1)

    def ts():
        return epoch + datetime.timedelta(milliseconds=rnd.randrange(0, 10**12))

    def dec():
        # no trailing zeros: the official client normalizes decimals (and so would drop them)
        return decimal.Decimal(f"{rnd.randrange(-10**12, 10**12)}.{rnd.randrange(1, 10**4):04d}1")

    def text(alphabet, size):
        return "".join(rnd.choice(alphabet) for _ in range(size))

    ascii_ = "abcdefghijklmnopqrstuvwxyz0123456789 "
    other = "\u00e9\u00df\u0436\u6c34\u20ac\U0001f600abc "
    p = {}
    p["long"] = [(rnd.randrange(-2**63, 2**63), None) for _ in range(n)]
    p["double"] = [(rnd.uniform(-1e9, 1e9), None) for _ in range(n)]
    p["string (ascii, 20)"] = [(text(ascii_, 20), None) for _ in range(n)]
    p["string (non-ascii, 20)"] = [(text(other, 20), None) for _ in range(n)]
    p["uuid"] = [(uuid.UUID(int=rnd.getrandbits(128)), None) for _ in range(n)]
    p["timestamp"] = [((ts(), 0), "TimestampObject") for _ in range(n)]
    p["decimal"] = [(dec(), None) for _ in range(n)]
    p["byte array (1 KiB)"] = [(rnd.randbytes(1024), None) for _ in range(n // 10)]
    p["long array (100)"] = [([rnd.randrange(-2**40, 2**40) for _ in range(100)], None) for _ in range(n // 10)]
    p["string array (10)"] = [([text(ascii_, 8) for _ in range(10)], None) for _ in range(n // 10)]
    p["object array (mixed, 8)"] = [
        ((-1, [rnd.randrange(10**6), text(ascii_, 6), rnd.random(), uuid.UUID(int=rnd.getrandbits(128)),
               None, rnd.randrange(10**6), text(other, 4), rnd.random()]), "ObjectArrayObject")
        for _ in range(n // 10)
    ]
    p["map (str -> mixed, 8)"] = [
        ((1, {f"k{i}": v for i, v in enumerate([rnd.randrange(10**9), text(ascii_, 10), rnd.random(), True,
                                                 None, dec(), text(other, 5), rnd.randrange(10)])}), "MapObject")
        for _ in range(n // 10)
    ]
    p["record (nested map)"] = [
        ((1, {"id": rnd.randrange(10**9), "name": text(other, 12), "score": rnd.random(), "active": True,
              "uid": uuid.UUID(int=rnd.getrandbits(128)), "amount": dec(), "tags": [text(ascii_, 5) for _ in range(3)],
              "counts": [rnd.randrange(1000) for _ in range(5)], "blob": rnd.randbytes(32)}), "MapObject")
        for _ in range(n // 10)
    ]
    return p
"""

# The official client's half: same payloads, its own API; prints JSON {kind: {...}}.
OFFICIAL = PAYLOADS + r"""
import hashlib, json, sys, time
from pyignite import Client
import pyignite.datatypes as dt
from pyignite.datatypes.internal import AnyDataObject, infer_from_python
from pyignite.stream import BinaryStream

n, repeat, min_time = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
client = Client()

def best_rate(fn):
    rates = []
    for _ in range(repeat):
        done, start = 0, time.perf_counter()
        while True:
            done += fn()
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        rates.append(done / elapsed)
    return max(rates)

out = {}
for kind, items in build_payloads(n).items():
    values = [(v, getattr(dt, h)) if h else v for v, h in items]

    def encode_one(v):
        with BinaryStream(client) as stream:
            infer_from_python(stream, v)
            return stream.getvalue()

    blobs = [encode_one(v) for v in values]

    def decode_one(b):
        # as its response parser does: parse builds a ctypes class, read_ctype fills it, to_python converts
        with BinaryStream(client, b) as stream:
            c_type = AnyDataObject.parse(stream)
            return AnyDataObject.to_python(stream.read_ctype(c_type, position=0))

    for v, b in zip(values, blobs[:3]):
        decode_one(b)

    def enc():
        for v in values:
            encode_one(v)
        return len(values)

    def dec():
        for b in blobs:
            decode_one(b)
        return len(blobs)

    digest = hashlib.sha256(b"".join(blobs)).hexdigest()
    out[kind] = {"encode": best_rate(enc), "decode": best_rate(dec), "sha256": digest,
                 "bytes": sum(map(len, blobs)), "count": len(blobs)}
print(json.dumps(out))
"""


def run_ours(n: int, repeat: int, min_time: float) -> Dict[str, Dict[str, Any]]:
    import pyignite.datatypes as dt
    from pyignite.datatypes.base import decode, encode

    namespace: Dict[str, Any] = {}
    exec(PAYLOADS, namespace)
    out: Dict[str, Dict[str, Any]] = {}
    for kind, items in namespace["build_payloads"](n).items():
        values: List[Tuple[Any, Any]] = [(v, getattr(dt, h) if h else None) for v, h in items]

        def encode_one(v: Any, hint: Any) -> bytes:
            buf = bytearray()
            encode(buf, v, hint)
            return bytes(buf)

        blobs = [encode_one(v, hint) for v, hint in values]

        def enc(values: List[Tuple[Any, Any]] = values) -> int:
            for v, hint in values:
                buf = bytearray()
                encode(buf, v, hint)
            return len(values)

        def dec(blobs: List[bytes] = blobs) -> int:
            for b in blobs:
                decode(b, 0)
            return len(blobs)

        out[kind] = {
            "encode": best_rate(enc, repeat, min_time), "decode": best_rate(dec, repeat, min_time),
            "sha256": hashlib.sha256(b"".join(blobs)).hexdigest(), "bytes": sum(map(len, blobs)),
            "count": len(blobs),
        }
    return out


def _combined(rates: Dict[str, Any]) -> float:
    """ops/s of encode+decode of one value: 1 / (1/encode + 1/decode)."""
    return 1.0 / (1.0 / rates["encode"] + 1.0 / rates["decode"])


def _total(results: Dict[str, Dict[str, Any]], key: Callable[[Dict[str, Any]], float]) -> float:
    """Values per second over the whole mix (every kind's values once): total count / total time."""
    count = sum(r["count"] for r in results.values())
    seconds = sum(r["count"] / key(r) for r in results.values())
    return count / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--values", type=int, default=2000, help="values per scalar kind (arrays: a tenth)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.2)
    args = parser.parse_args()

    started = time.time()
    ours = run_ours(args.values, args.repeat, args.min_time)
    theirs = run_official(OFFICIAL, str(args.values), str(args.repeat), str(args.min_time))

    rows = []
    for kind in ours:
        rows.append((f"{kind}: encode", ours[kind]["encode"], theirs[kind]["encode"], None))
        rows.append((f"{kind}: decode", ours[kind]["decode"], theirs[kind]["decode"], None))
    rows.append(("ALL KINDS: encode", _total(ours, lambda r: r["encode"]), _total(theirs, lambda r: r["encode"]), None))
    rows.append(("ALL KINDS: decode", _total(ours, lambda r: r["decode"]), _total(theirs, lambda r: r["decode"]), None))
    rows.append(("ALL KINDS: encode+decode", _total(ours, _combined), _total(theirs, _combined), None))
    text = print_table("Codec: values encoded/decoded per second (no server)", rows, unit="values/s")

    same = [k for k in ours if ours[k]["sha256"] == theirs[k]["sha256"]]
    differ = [k for k in ours if k not in same]
    print(f"identical bytes from both clients: {len(same)}/{len(ours)} kinds"
          + (f"; different: {', '.join(differ)}" if differ else ""))
    print(f"({time.time() - started:.0f} s)")
    save_results("codec", {"ours": ours, "official": theirs, "table": text, "identical_bytes": same,
                           "different_bytes": differ})
    return 0


if __name__ == "__main__":
    sys.exit(main())
