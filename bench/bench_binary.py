"""Complex objects: encode and decode 100,000 objects of a 10-field class, offline (no server).

Both clients serialize the same objects (a :class:`GenericObjectMeta` class with ints, floats, a bool and
strings) into one buffer and read them back; the official pyignite 0.6.1 does it through its
``BinaryStream`` with a client whose registry already holds the class (its codec needs a client object,
never a connection). Both buffers must be byte-identical, which the benchmark checks.

    .venv/bin/python bench/bench_binary.py [--count N] [--repeat R]

Prints objects/s for each side and the ratio, and saves ``bench/results/binary.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from typing import Any, Callable, List, Tuple

from common import print_table, run_official, save_results

from pyignite import GenericObjectMeta
from pyignite.binary import BinaryRegistry
from pyignite.datatypes import (
    BinaryObject,
    BoolObject,
    ByteObject,
    DoubleObject,
    FloatObject,
    IntObject,
    LongObject,
    ShortObject,
    String,
)
from pyignite.datatypes.base import DECODERS
from pyignite.protocol.request import take_prerequisites

# the class and the data, as source shared by both sides (the official client runs it too)
SETUP = r'''
from collections import OrderedDict

SCHEMA = OrderedDict([
    ('id', IntObject), ('account', LongObject), ('balance', DoubleObject), ('name', String),
    ('email', String), ('active', BoolObject), ('age', ShortObject), ('score', FloatObject),
    ('level', ByteObject), ('city', String),
])


class Customer(metaclass=GenericObjectMeta, type_name='BenchCustomer', schema=SCHEMA):
    pass


CITIES = ['Moscow', 'Berlin', 'Lisbon', 'Osaka', 'Austin', 'Nairobi', 'Lima', 'Oslo']


def make_objects(n):
    return [
        Customer(
            id=i, account=10_000_000_000 + i * 7, balance=i * 1.25, name=f'Customer {i}',
            email=f'customer{i}@example.com', active=i % 3 != 0, age=18 + i % 60, score=(i % 100) / 4.0,
            level=i % 100 - 50, city=CITIES[i % len(CITIES)],
        )
        for i in range(n)
    ]
'''

OFFICIAL = r'''
import hashlib, json, sys, time
from pyignite import Client, GenericObjectMeta
from pyignite.datatypes import (
    BinaryObject, BoolObject, ByteObject, DoubleObject, FloatObject, IntObject, LongObject, ShortObject, String,
)
from pyignite.stream import BinaryStream, READ_BACKWARD

SETUP_CODE

count, repeat = int(sys.argv[1]), int(sys.argv[2])
objects = make_objects(count)
client = Client(compact_footer=True)
client._registry[Customer.type_id][Customer.schema_id] = Customer  # offline: the class is known

def encode_all():
    with BinaryStream(client) as stream:
        for obj in objects:
            BinaryObject.from_python(stream, obj)
        return stream.getvalue()

def decode_all(data):
    out = []
    with BinaryStream(client, data) as stream:
        for _ in range(count):
            ctype = BinaryObject.parse(stream)
            out.append(BinaryObject.to_python(stream.read_ctype(ctype, direction=READ_BACKWARD), client=client))
    return out

def best(fn, *args):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - start)
    return min(times), result

enc_time, data = best(encode_all)
dec_time, decoded = best(decode_all, data)
assert decoded[123].email == objects[123].email and decoded[-1].score == objects[-1].score
print(json.dumps({"encode": count / enc_time, "decode": count / dec_time,
                  "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}))
'''

namespace: dict = {
    "GenericObjectMeta": GenericObjectMeta, "IntObject": IntObject, "LongObject": LongObject,
    "DoubleObject": DoubleObject, "String": String, "BoolObject": BoolObject, "ShortObject": ShortObject,
    "FloatObject": FloatObject, "ByteObject": ByteObject,
}
exec(SETUP, namespace)  # our own source, shared with the official side
Customer = namespace["Customer"]
make_objects: Callable[[int], List[Any]] = namespace["make_objects"]


def ours(count: int, repeat: int) -> Tuple[float, float, bytes]:
    objects = make_objects(count)
    registry = BinaryRegistry(compact_footer=True)
    registry.register(Customer, sent=True)  # offline: as if the cluster knew the type
    encode = BinaryObject.encode

    def encode_all() -> bytes:
        buf = bytearray()
        for obj in objects:
            encode(buf, obj, registry)
        return bytes(buf)

    decode_object = DECODERS[103]

    def decode_all(data: bytes) -> list:
        out = []
        append = out.append
        pos = 0
        for _ in range(count):
            value, pos = decode_object(data, pos + 1, registry)
            append(value)
        return out

    def best(fn: Callable[..., Any], *args: Any) -> Tuple[float, Any]:
        times = []
        result = None
        for _ in range(repeat):
            start = time.perf_counter()
            result = fn(*args)
            times.append(time.perf_counter() - start)
        return min(times), result

    enc_time, data = best(encode_all)
    take_prerequisites()
    dec_time, decoded = best(decode_all, data)
    assert decoded == objects, "decoded objects differ from the originals"
    return count / enc_time, count / dec_time, data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    enc, dec, data = ours(args.count, args.repeat)
    theirs = run_official(OFFICIAL.replace("SETUP_CODE", SETUP), str(args.count), str(args.repeat))
    identical = hashlib.sha256(data).hexdigest() == theirs["sha256"]
    text = print_table(
        f"Complex objects: {args.count:,} objects of a 10-field class (offline, best of {args.repeat})",
        [("encode", enc, theirs["encode"], None), ("decode", dec, theirs["decode"], None)],
        unit="objects/s",
    )
    print(f"byte-identical output: {'yes' if identical else 'NO'} ({len(data):,} bytes)")
    save_results("binary", {
        "count": args.count, "repeat": args.repeat, "encode": {"ours": enc, "official": theirs["encode"]},
        "decode": {"ours": dec, "official": theirs["decode"]}, "byte_identical": identical, "table": text,
    })
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
