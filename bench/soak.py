"""Chaos soak: a 3-node cluster under a mixed sync and asyncio workload while nodes die and freeze.

``scripts/soak --minutes N`` (or ``python bench/soak.py --minutes N``) starts three Ignite nodes with
SQL through ``server/harness.py`` and runs, for N minutes:

* **the workload** -- two blocking clients (one partition-aware, one through a single connection with
  round-robin failover) shared by several threads, and two asyncio clients (the same two kinds) with
  several tasks each. Each writer puts keys it numbers itself (``<writer>-<sequence>``, every key
  written once, its value derived from the key), readers ``get`` keys whose write was acknowledged,
  scanners read a page of a scan query, SQL workers count and select rows of a table seeded at the
  start, transaction workers put two keys in one PESSIMISTIC transaction;
* **the chaos loop** -- every few seconds either kills a random node with SIGKILL and restarts it, or
  freezes one with SIGSTOP for a few seconds and resumes it with SIGCONT. Only one node is ever down
  or frozen, and after a restart the loop waits until the cluster has rebalanced (every cache's
  partition map names every node again, see :func:`wait_rebalanced`), then ``--settle`` seconds: the
  caches keep one backup, so losing a second node before the first one's data is copied again could
  lose data legitimately, which is not what this soak is about.

Both caches have one backup and FULL_SYNC write synchronization: a write is acknowledged only once
the primary and the backup have it, so no single node failure may lose an acknowledged write. The
key-value cache is ATOMIC, the transaction cache TRANSACTIONAL.

**What is checked.** Every call's outcome is recorded. A write whose call returned is *acknowledged*;
one whose call raised is *uncertain* (the request may or may not have been applied) and is retried
with the same key and value a few times. At the end, with every node back up, every acknowledged
key must be readable with its value (else it is *lost*), both keys of every committed transaction
too, and the two keys of an uncertain transaction must be both present or both absent (else *torn*).
During the run, a ``get`` of an acknowledged key must return its value (else a *stale read*), a
scanned entry must carry its key's value and the SQL answers must match the seeded table (else a
*wrong answer*). Every call is timed: one that took longer than its bound (``timeout`` per request
it makes, ``handshake_timeout`` per connection attempt its client made meanwhile, plus a margin) *hung*.
Exceptions are counted by type; one outside pyignite's documented exceptions is *unexpected*. When
``Client(retry_policy=...)`` exists, the clients use the default policy through a wrapper that counts
the resends it allows, by operation.

The run prints one summary line and exits 1 when anything was lost, torn, stale, wrong, hung or
unexpected (``--json`` adds a JSON document of the details on the line before it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import faulthandler
import json
import logging
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))
sys.path.insert(0, str(ROOT))

import harness  # noqa: E402

from pyignite import AioClient, Client  # noqa: E402
from pyignite import exceptions as pyexc  # noqa: E402
from pyignite.connection import RoundRobin  # noqa: E402
from pyignite.datatypes import IntObject  # noqa: E402
from pyignite.datatypes.cache_config import CacheAtomicityMode, CacheMode, WriteSynchronizationMode  # noqa: E402
from pyignite.datatypes.prop_codes import (  # noqa: E402
    PROP_BACKUPS_NUMBER,
    PROP_CACHE_ATOMICITY_MODE,
    PROP_CACHE_MODE,
    PROP_NAME,
    PROP_WRITE_SYNCHRONIZATION_MODE,
)
from pyignite.transaction import TransactionConcurrency, TransactionIsolation  # noqa: E402

KV_CACHE = "soak_kv"
TX_CACHE = "soak_tx"
SQL_TABLE = "SOAK_SQL"
SQL_ROWS = 200
WRITE_ATTEMPTS = 3  # the same write is tried this often before it stays uncertain
SCAN_PAGE = 100
#: exceptions a call may raise under chaos (connection loss, timeouts, server errors): counted, fine
EXPECTED = (pyexc.SocketError, pyexc.ReconnectError, pyexc.CacheError, pyexc.HandshakeError, OSError)


def cache_settings(name: str, atomicity: int) -> dict:
    return {
        PROP_NAME: name,
        PROP_CACHE_MODE: CacheMode.PARTITIONED,
        PROP_BACKUPS_NUMBER: 1,
        PROP_WRITE_SYNCHRONIZATION_MODE: WriteSynchronizationMode.FULL_SYNC,
        PROP_CACHE_ATOMICITY_MODE: atomicity,
    }


def value_of(key: str) -> str:
    return "v:" + key


class Stats:
    """Thread-safe counters and the write ledger (shared by threads and the asyncio thread)."""

    def __init__(self, timeout: float, handshake_timeout: float, margin: float) -> None:
        self.lock = threading.Lock()
        self.timeout = timeout
        self.handshake_timeout = handshake_timeout
        self.margin = margin
        self.ops = 0
        self.calls = 0
        self.max_call = 0.0
        self.max_call_op = ""
        self.started = time.monotonic()
        self.hung: List[Tuple[str, float, float, float]] = []  # (op, seconds, bound, start: s into the run)
        self.events: List[Tuple[float, str]] = []  # (s into the run, chaos action)
        self.stalls: List[Tuple[float, float]] = []  # (s into the run, seconds this process did not run)
        self.errors: Counter = Counter()
        self.unexpected: List[str] = []
        self.retries: Counter = Counter()  # resends the retry policy allowed, by operation
        self.app_retries = 0  # writes the workload sent again itself after an uncertain outcome
        self.acked: Dict[str, List[str]] = {}  # writer -> acknowledged keys (value_of(key))
        self.uncertain: Set[str] = set()
        self.tx_acked: List[Tuple[str, str]] = []
        self.tx_uncertain: List[Tuple[str, str]] = []
        self.stale_reads: List[str] = []
        self.wrong: List[str] = []
        self.kills = 0
        self.unplanned_deaths = 0
        self.freezes = 0
        self.chaos_errors: List[str] = []

    def bound(self, requests: int, handshakes: int = 0) -> float:
        """The longest a call may take by the client's own rules: ``timeout`` for each request it
        sends (and each resend its retry policy allowed), ``handshake_timeout`` for each connection attempt
        its client made while it ran (a failover tries nodes until one answers; a frozen node
        accepts TCP connections but never answers the handshake; another thread's reconnection holds
        the client's connection lock), plus the margin."""
        return requests * self.timeout + handshakes * self.handshake_timeout + self.margin

    def record_call(self, op: str, seconds: float, requests: int, handshakes: int) -> None:
        bound = self.bound(requests, handshakes)
        with self.lock:
            self.calls += 1
            if seconds > self.max_call:
                self.max_call, self.max_call_op = seconds, op
            if seconds > bound:
                start = time.monotonic() - seconds - self.started
                self.hung.append((op, round(seconds, 2), round(bound, 1), round(start, 1)))

    def record_error(self, op: str, error: BaseException) -> None:
        with self.lock:
            self.errors[type(error).__name__] += 1
            if not isinstance(error, EXPECTED):
                self.unexpected.append(f"{op}: {type(error).__name__}: {error}"[:300])

    def event(self, what: str) -> None:
        with self.lock:
            self.events.append((round(time.monotonic() - self.started, 1), what))

    def count_retry(self, op: str) -> None:
        with self.lock:
            self.retries[op] += 1

    def op_done(self) -> None:
        with self.lock:
            self.ops += 1


#: the resends the retry policy allowed during the current call (each call sets a fresh counter; a
#: context variable, so threads and asyncio tasks each see their own: the policy runs in the caller's)
CALL_RESENDS: contextvars.ContextVar[List[int]] = contextvars.ContextVar("CALL_RESENDS")


class CallMeter:
    """A client's connection event listener: counts the client's connection attempts, which bound
    a call's duration with its requests (see :meth:`Stats.bound`). It has no query methods: a query
    listener would move every request off the client's fast path, which is the path to test."""

    def __init__(self) -> None:
        self.handshakes = 0

    def on_handshake_start(self, event: Any) -> None:
        self.handshakes += 1

    def measure(self, stats: Stats, op: str, requests: int) -> Callable[[], None]:
        """Start timing a call of ``requests`` requests; the returned function records it."""
        resends = [0]
        token = CALL_RESENDS.set(resends)
        t0 = time.monotonic()
        handshakes = self.handshakes

        def done() -> None:
            CALL_RESENDS.reset(token)
            stats.record_call(op, time.monotonic() - t0, requests + resends[0], self.handshakes - handshakes)

        return done


def make_retry_policy(stats: Stats) -> Optional[Callable[..., bool]]:
    """The clients' default retry policy wrapped to count what it resends, or None when this pyignite
    has no retry policy (the clients are then built without one)."""
    try:
        from pyignite import retry
    except ImportError:
        return None
    base = retry.DEFAULT_RETRY_POLICY

    def counting_policy(operation: Any, error: BaseException, attempt: int) -> bool:
        again = bool(base(operation, error, attempt))
        if again:
            stats.count_retry(str(getattr(operation, "name", operation)))
            resends = CALL_RESENDS.get(None)
            if resends is not None:
                resends[0] += 1
        return again

    return counting_policy


def client_kwargs(stats: Stats, partition_aware: bool, meter: CallMeter) -> Dict[str, Any]:
    kwargs: Dict[str, Any] = {
        "timeout": stats.timeout, "handshake_timeout": stats.handshake_timeout,
        "partition_aware": partition_aware, "event_listeners": [meter],
    }
    policy = make_retry_policy(stats)
    if policy is not None:
        kwargs["retry_policy"] = policy
    return kwargs


# --- the blocking workload ------------------------------------------------------------------------

class SyncWorkload:
    def __init__(self, stats: Stats, client: Client, meter: CallMeter, stop: threading.Event, seed: int) -> None:
        self.stats = stats
        self.client = client
        self.meter = meter
        self.stop = stop
        self.rng = random.Random(seed)

    def call(self, op: str, requests: int, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        done = self.meter.measure(self.stats, op, requests)
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            self.stats.record_error(op, e)
            raise
        finally:
            done()

    def pause_after_error(self) -> None:
        time.sleep(self.rng.uniform(0.02, 0.2))

    def writer(self, wid: str) -> None:
        cache = self.client.get_cache(KV_CACHE)
        acked = self.stats.acked.setdefault(wid, [])
        seq = 0
        while not self.stop.is_set():
            seq += 1
            key = f"{wid}-{seq}"
            for attempt in range(WRITE_ATTEMPTS):
                if attempt:
                    self.stats.app_retries += 1
                try:
                    self.call("put", 1, cache.put, key, value_of(key))
                except Exception:
                    self.pause_after_error()
                    continue
                acked.append(key)
                break
            else:
                with self.stats.lock:
                    self.stats.uncertain.add(key)
            self.stats.op_done()

    def reader(self, rid: str) -> None:
        cache = self.client.get_cache(KV_CACHE)
        while not self.stop.is_set():
            key = self.random_acked_key()
            if key is None:
                time.sleep(0.05)
                continue
            try:
                got = self.call("get", 1, cache.get, key)
            except Exception:
                self.pause_after_error()
                continue
            finally:
                self.stats.op_done()
            if got != value_of(key):
                with self.stats.lock:
                    self.stats.stale_reads.append(f"{key}: {got!r}")

    def random_acked_key(self) -> Optional[str]:
        lists = [keys for keys in list(self.stats.acked.values()) if keys]
        if not lists:
            return None
        keys = self.rng.choice(lists)
        return keys[self.rng.randrange(len(keys))]

    def scanner(self, _sid: str) -> None:
        cache = self.client.get_cache(KV_CACHE)

        def first_page() -> List[Tuple[Any, Any]]:
            with cache.scan(page_size=SCAN_PAGE) as cursor:
                return [entry for _, entry in zip(range(SCAN_PAGE), cursor)]

        while not self.stop.is_set():
            try:
                entries = self.call("scan", 2, first_page)  # the query and closing its cursor
            except Exception:
                self.pause_after_error()
                continue
            finally:
                self.stats.op_done()
            check_scan(self.stats, entries)
            time.sleep(0.05)

    def sql_worker(self, _qid: str) -> None:
        def count() -> Any:
            return list(self.client.sql(f"SELECT COUNT(*) FROM {SQL_TABLE}"))

        def select(i: int) -> Any:
            return list(self.client.sql(f"SELECT v FROM {SQL_TABLE} WHERE id = ?", query_args=[i]))

        while not self.stop.is_set():
            i = self.rng.randrange(SQL_ROWS)
            try:
                if self.rng.random() < 0.5:
                    rows = self.call("sql count", 1, count)
                    check_sql(self.stats, "count", rows, [[SQL_ROWS]])
                else:
                    rows = self.call("sql select", 1, select, i)
                    check_sql(self.stats, f"select {i}", rows, [[f"row{i}"]])
            except Exception:
                self.pause_after_error()
            finally:
                self.stats.op_done()

    def tx_worker(self, wid: str) -> None:
        cache = self.client.get_cache(TX_CACHE)
        seq = 0
        while not self.stop.is_set():
            seq += 1
            pair = (f"{wid}-{seq}-a", f"{wid}-{seq}-b")
            committed = False
            sent_commit = False
            try:
                tx = self.call("tx start", 1, self.client.tx_start, TransactionConcurrency.PESSIMISTIC,
                               TransactionIsolation.REPEATABLE_READ, timeout=int(self.stats.timeout * 2000))
                with tx:
                    for key in pair:
                        self.call("tx put", 1, cache.put, key, value_of(key))
                    sent_commit = True
                    self.call("tx commit", 1, tx.commit)
                    committed = True
            except Exception:
                self.pause_after_error()
            finally:
                self.stats.op_done()
            with self.stats.lock:
                if committed:
                    self.stats.tx_acked.append(pair)
                elif sent_commit:
                    self.stats.tx_uncertain.append(pair)
                else:
                    # never committed: the server rolls it back, neither key may appear; a pair
                    # checked like an uncertain one (both or neither) proves that too
                    self.stats.tx_uncertain.append(pair)


def check_scan(stats: Stats, entries: List[Tuple[Any, Any]]) -> None:
    for key, value in entries:
        if value != value_of(key):
            with stats.lock:
                stats.wrong.append(f"scan {key!r}: {value!r}")


def check_sql(stats: Stats, what: str, rows: Any, expected: Any) -> None:
    if [list(r) for r in rows] != expected:
        with stats.lock:
            stats.wrong.append(f"{time.monotonic() - stats.started:.1f} s: sql {what}: {rows!r}")


# --- the asyncio workload -------------------------------------------------------------------------

class AioWorkload:
    def __init__(self, stats: Stats, client: AioClient, meter: CallMeter, stop: threading.Event, seed: int) -> None:
        self.stats = stats
        self.client = client
        self.meter = meter
        self.stop = stop
        self.rng = random.Random(seed)

    async def call(self, op: str, requests: int, aw: Awaitable[Any]) -> Any:
        done = self.meter.measure(self.stats, op, requests)
        try:
            return await aw
        except Exception as e:
            self.stats.record_error(op, e)
            raise
        finally:
            done()

    async def pause_after_error(self) -> None:
        await asyncio.sleep(self.rng.uniform(0.02, 0.2))

    async def writer(self, wid: str) -> None:
        cache = self.client.get_cache(KV_CACHE)
        acked = self.stats.acked.setdefault(wid, [])
        seq = 0
        while not self.stop.is_set():
            seq += 1
            key = f"{wid}-{seq}"
            for attempt in range(WRITE_ATTEMPTS):
                if attempt:
                    self.stats.app_retries += 1
                try:
                    await self.call("aio put", 1, cache.put(key, value_of(key)))
                except Exception:
                    await self.pause_after_error()
                    continue
                acked.append(key)
                break
            else:
                with self.stats.lock:
                    self.stats.uncertain.add(key)
            self.stats.op_done()

    async def reader(self) -> None:
        cache = self.client.get_cache(KV_CACHE)
        while not self.stop.is_set():
            lists = [keys for keys in list(self.stats.acked.values()) if keys]
            if not lists:
                await asyncio.sleep(0.05)
                continue
            keys = self.rng.choice(lists)
            key = keys[self.rng.randrange(len(keys))]
            try:
                got = await self.call("aio get", 1, cache.get(key))
            except Exception:
                await self.pause_after_error()
                continue
            finally:
                self.stats.op_done()
            if got != value_of(key):
                with self.stats.lock:
                    self.stats.stale_reads.append(f"{key}: {got!r}")

    async def scanner(self) -> None:
        cache = self.client.get_cache(KV_CACHE)

        async def first_page() -> List[Tuple[Any, Any]]:
            entries: List[Tuple[Any, Any]] = []
            async with cache.scan(page_size=SCAN_PAGE) as cursor:
                async for entry in cursor:
                    entries.append(entry)
                    if len(entries) >= SCAN_PAGE:
                        break
            return entries

        while not self.stop.is_set():
            try:
                entries = await self.call("aio scan", 2, first_page())
            except Exception:
                await self.pause_after_error()
                continue
            finally:
                self.stats.op_done()
            check_scan(self.stats, entries)
            await asyncio.sleep(0.05)

    async def sql_worker(self) -> None:
        async def count() -> Any:
            return [row async for row in self.client.sql(f"SELECT COUNT(*) FROM {SQL_TABLE}")]

        while not self.stop.is_set():
            try:
                rows = await self.call("aio sql count", 1, count())
                check_sql(self.stats, "aio count", rows, [[SQL_ROWS]])
            except Exception:
                await self.pause_after_error()
            finally:
                self.stats.op_done()
            await asyncio.sleep(0.02)

    async def run(self, prefix: str, writers: int) -> None:
        tasks = [self.writer(f"{prefix}w{i}") for i in range(writers)]
        tasks += [self.reader(), self.scanner(), self.sql_worker()]
        await asyncio.gather(*tasks)


def run_aio(stats: Stats, ports: List[int], stop: threading.Event, partition_aware: bool, prefix: str,
            writers: int, seed: int) -> None:
    async def main() -> None:
        meter = CallMeter()
        client = AioClient(**client_kwargs(stats, partition_aware, meter))
        await client.connect(RoundRobin([("127.0.0.1", p) for p in ports]))
        try:
            await AioWorkload(stats, client, meter, stop, seed).run(prefix, writers)
        finally:
            try:
                await client.close()
            except Exception:
                pass

    try:
        asyncio.run(main())
    except Exception as e:  # a failure to even start the workload
        stats.record_error("aio workload", e)
        with stats.lock:
            stats.unexpected.append(f"aio workload {prefix} stopped: {type(e).__name__}: {e}")


def stall_monitor(stats: Stats, stop: threading.Event) -> None:
    """Record when this process itself did not run (a 50 ms sleep that took much longer): on a loaded
    machine that is the client's time too, and tells a slow call from a hung one."""
    while not stop.is_set():
        t0 = time.monotonic()
        time.sleep(0.05)
        lag = time.monotonic() - t0 - 0.05
        if lag > 0.5:
            with stats.lock:
                stats.stalls.append((round(t0 - stats.started, 1), round(lag, 2)))


# --- chaos ----------------------------------------------------------------------------------------

def chaos_loop(cluster: harness.Cluster, stats: Stats, stop: threading.Event, rng: random.Random,
               settle: float, quiet: bool, deadline: float) -> None:
    def say(msg: str) -> None:
        if not quiet:
            print(f"[soak] {time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)

    while not stop.wait(rng.uniform(2.0, 5.0)):
        dead = [i for i, n in enumerate(cluster.nodes) if not n.alive]
        if dead:  # a node the cluster dropped (e.g. after a freeze) halts itself: bring it back first
            for i in dead:
                say(f"node {i} died on its own: restarting it")
                stats.event(f"died {i}")
                stats.unplanned_deaths += 1
                try:
                    cluster.restart_node(i)
                    wait_rebalanced(cluster, limit=max(1.0, deadline - time.monotonic()))
                except TimeoutError:
                    if time.monotonic() < deadline:
                        stats.chaos_errors.append(f"restart {i}: the cluster did not rebalance")
                    # else the run is over: the final check waits for the rebalance
                except Exception as e:
                    stats.chaos_errors.append(f"restart {i}: {type(e).__name__}: {e}"[:500])
            stop.wait(settle)
            continue
        index = rng.randrange(len(cluster.nodes))
        node = cluster.nodes[index]
        try:
            if rng.random() < 0.3:
                seconds = rng.uniform(1.0, 5.0)  # well inside the 10 s failure detection timeout
                say(f"freeze node {index} for {seconds:.1f} s")
                stats.event(f"freeze {index} {seconds:.1f} s")
                node.pause()
                stats.freezes += 1
                try:
                    stop.wait(seconds)
                finally:
                    node.resume()
                    stats.event(f"resume {index}")
            else:
                say(f"kill node {index}")
                stats.event(f"kill {index}")
                node.kill()
                stats.kills += 1
                if stop.wait(rng.uniform(0.5, 3.0)):
                    return  # the run is over: heal() restarts the node before the final check
                cluster.restart_node(index)
                say(f"node {index} is back")
                stats.event(f"back {index}")
                # no new fault until the data is whole again, however long that takes: the next
                # one could otherwise lose data legitimately
                try:
                    waited = wait_rebalanced(cluster, limit=max(1.0, deadline - time.monotonic()))
                except TimeoutError:
                    if time.monotonic() < deadline:
                        raise
                    return  # the run is over: the final check waits for the rebalance (and fails if it never comes)
                say(f"rebalanced in {waited:.1f} s")
                stats.event(f"rebalanced in {waited:.1f} s")
                stop.wait(settle)
        except Exception as e:
            stats.chaos_errors.append(f"{type(e).__name__}: {e}"[:500])
            say(f"chaos failed: {e}")
            heal(cluster)


def wait_rebalanced(cluster: harness.Cluster, limit: float = 120.0) -> float:
    """Wait until every cache's partition map (``OP_CACHE_PARTITIONS``) names every node as the
    primary of some partitions; return the seconds waited.

    Ignite assigns partitions late: a node that joins becomes primary or backup of its partitions
    only once it holds their data, and until then the previous owners keep them. So when all nodes
    are primaries of every cache again, the restarted node's data is copied back and any single node
    may fail without losing data. Killing another node before that loses the partitions whose only
    complete copy it held -- a failure of the test, not of the client (the caches' default
    partition loss policy then silently starts those partitions empty).
    """
    from pyignite.protocol.affinity import partitions_request
    from pyignite.utils import cache_id

    ids = [cache_id(KV_CACHE), cache_id(TX_CACHE), cache_id(f"SQL_PUBLIC_{SQL_TABLE}")]
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        try:
            with Client(timeout=5.0, partition_aware=False).connect(RoundRobin(
                    [("127.0.0.1", p) for p in cluster.ports], max_reconnects=len(cluster.ports))) as client:
                _version, maps = client._execute(partitions_request(ids))
            if all(maps.get(i) is not None and len(set(maps[i].owners)) == len(cluster.nodes) for i in ids):
                return time.monotonic() - t0
        except Exception:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"the caches did not rebalance onto every node in {time.monotonic() - t0:.0f} s")


def heal(cluster: harness.Cluster) -> None:
    """Resume every node and restart those that are down."""
    for i, node in enumerate(cluster.nodes):
        node.resume()
        if not node.alive:
            cluster.restart_node(i)


# --- setup and verification -----------------------------------------------------------------------

def setup(ports: List[int], timeout: float) -> None:
    with Client(timeout=max(timeout, 30.0)).connect([("127.0.0.1", p) for p in ports]) as client:
        client.get_or_create_cache(cache_settings(KV_CACHE, CacheAtomicityMode.ATOMIC))
        client.get_or_create_cache(cache_settings(TX_CACHE, CacheAtomicityMode.TRANSACTIONAL))
        client.sql(
            f"CREATE TABLE IF NOT EXISTS {SQL_TABLE} (id INT PRIMARY KEY, v VARCHAR) WITH "
            '"backups=1,write_synchronization_mode=FULL_SYNC,atomicity=ATOMIC"'
        )
        table_cache = client.get_cache(f"SQL_PUBLIC_{SQL_TABLE}").settings
        if (table_cache.get(PROP_BACKUPS_NUMBER), table_cache.get(PROP_WRITE_SYNCHRONIZATION_MODE)) != (
                1, WriteSynchronizationMode.FULL_SYNC):
            raise RuntimeError(f"the SQL table's cache is not what the soak needs: {table_cache}")
        for i in range(SQL_ROWS):
            client.sql(f"MERGE INTO {SQL_TABLE} (id, v) VALUES (?, ?)", query_args=[i, f"row{i}"])


def get_all_patiently(cache: Any, keys: List[str]) -> Dict[str, Any]:
    """``get_all`` in batches, each tried a few times (the cluster has just been healed)."""
    found: Dict[str, Any] = {}
    for start in range(0, len(keys), 500):
        batch = keys[start:start + 500]
        for attempt in range(5):
            try:
                found.update(cache.get_all(batch))
                break
            except Exception:
                if attempt == 4:
                    raise
                time.sleep(1.0)
    return found


def verify(ports: List[int], stats: Stats) -> Dict[str, Any]:
    acked = [key for keys in stats.acked.values() for key in keys]
    with Client(timeout=30.0).connect([("127.0.0.1", p) for p in ports]) as client:
        kv = client.get_cache(KV_CACHE)
        found = get_all_patiently(kv, acked)
        lost = [k for k in acked if found.get(k) != value_of(k)]
        unsure = sorted(stats.uncertain)
        unsure_found = get_all_patiently(kv, unsure)
        uncertain_applied = sum(1 for k in unsure if unsure_found.get(k) == value_of(k))
        tx = client.get_cache(TX_CACHE)
        tx_keys = [k for pair in stats.tx_acked + stats.tx_uncertain for k in pair]
        tx_found = get_all_patiently(tx, tx_keys)
        tx_lost = [p for p in stats.tx_acked if any(tx_found.get(k) != value_of(k) for k in p)]
        torn = [p for p in stats.tx_uncertain if (p[0] in tx_found) != (p[1] in tx_found)]
        tx_uncertain_applied = sum(1 for p in stats.tx_uncertain if p[0] in tx_found)
        # the SQL table's rows, read as key-value entries: tells lost rows from wrong SQL answers
        table = client.get_cache(f"SQL_PUBLIC_{SQL_TABLE}")
        sql_rows = len(table.get_all([(i, IntObject) for i in range(SQL_ROWS)]))  # the key column is INT
    return {
        "acked": len(acked), "lost": lost, "uncertain": len(unsure), "uncertain_applied": uncertain_applied,
        "tx_acked": len(stats.tx_acked), "tx_lost": tx_lost, "tx_uncertain": len(stats.tx_uncertain),
        "tx_uncertain_applied": tx_uncertain_applied, "torn": torn, "sql_rows_lost": SQL_ROWS - sql_rows,
    }


def run(args: argparse.Namespace) -> int:
    stats = Stats(args.timeout, args.handshake_timeout, args.margin)
    rng = random.Random(args.seed)
    cluster = harness.Cluster(args.name, base_port=args.port - harness.PORT_OFFSET, nodes=3, sql=True,
                              region_mb=256)
    t_start = time.monotonic()
    cluster.start()
    try:
        ports = cluster.ports
        setup(ports, args.timeout)
        stop = threading.Event()
        nodes = [("127.0.0.1", p) for p in ports]
        meters = [CallMeter(), CallMeter()]
        sync_clients = [
            Client(**client_kwargs(stats, pa, meter)).connect(RoundRobin(nodes))
            for pa, meter in zip((True, False), meters)
        ]
        threads: List[threading.Thread] = []
        for c, client in enumerate(sync_clients):
            work = SyncWorkload(stats, client, meters[c], stop, args.seed + c)
            roles: List[Tuple[Callable[[str], None], int]] = [
                (work.writer, args.writers), (work.reader, 1), (work.scanner, 1),
                (work.sql_worker, 1), (work.tx_worker, 1),
            ]
            for role, count in roles:
                for i in range(count):
                    threads.append(threading.Thread(target=role, args=(f"s{c}{role.__name__[0]}{i}",),
                                                    name=f"soak-{role.__name__}-{c}-{i}", daemon=True))
        for a, pa in enumerate((True, False)):
            threads.append(threading.Thread(
                target=run_aio, args=(stats, ports, stop, pa, f"a{a}", args.writers, args.seed + 10 + a),
                name=f"soak-aio-{a}", daemon=True))
        chaos = threading.Thread(target=chaos_loop, args=(cluster, stats, stop, rng, args.settle, args.quiet,
                                                          time.monotonic() + args.minutes * 60),
                                 name="soak-chaos", daemon=True)
        threads.append(threading.Thread(target=stall_monitor, args=(stats, stop), name="soak-stalls", daemon=True))
        t_run = stats.started = time.monotonic()
        for t in threads:
            t.start()
        chaos.start()
        deadline = t_run + args.minutes * 60
        while time.monotonic() < deadline:
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        stop.set()
        chaos.join(timeout=harness.START_TIMEOUT + 30)
        # every worker finishes its current call, which is bounded by the client's timeout
        join_deadline = time.monotonic() + stats.bound(3, 6) + 10
        stuck = []
        for t in threads:
            t.join(timeout=max(0.1, join_deadline - time.monotonic()))
            if t.is_alive():
                stuck.append(t.name)
        # a wind-down that outlasts every bound is a hang: show where each thread waits
        faulthandler.dump_traceback_later(stats.bound(3, 6) + 30)
        for client in sync_clients:
            client.close()
        faulthandler.cancel_dump_traceback_later()
        minutes = (time.monotonic() - t_run) / 60
        heal(cluster)
        try:
            wait_rebalanced(cluster)
        except TimeoutError as e:  # verify anyway: what is missing then is reported as lost
            stats.chaos_errors.append(f"at the end: {e}")
        result = verify(ports, stats)
    finally:
        cluster.stop()
    errors = dict(stats.errors.most_common())
    failed = bool(result["lost"] or result["tx_lost"] or result["torn"] or result["sql_rows_lost"]
                  or stats.hung or stuck
                  or stats.stale_reads or stats.wrong or stats.unexpected or stats.chaos_errors)
    retries = dict(stats.retries.most_common()) if make_retry_policy(stats) is not None else "no retry policy"
    summary = (
        f"soak: {minutes:.1f} min, {stats.ops} ops, {result['acked'] + result['tx_acked']} acked writes "
        f"({result['acked']} puts, {result['tx_acked']} transactions), "
        f"{len(result['lost']) + len(result['tx_lost']) + result['sql_rows_lost']} lost, "
        f"{len(result['torn'])} torn, "
        f"{len(stats.hung) + len(stuck)} hung (longest call {stats.max_call:.1f} s, {stats.max_call_op}), "
        f"{len(stats.stale_reads)} stale reads, {len(stats.wrong)} wrong answers, "
        f"{len(stats.unexpected)} unexpected errors, uncertain writes {result['uncertain']} "
        f"({result['uncertain_applied']} applied), retries {retries}, app retries {stats.app_retries}, "
        f"errors {errors}, node kills {stats.kills}, freezes {stats.freezes}"
        + (f", nodes died on their own {stats.unplanned_deaths}" if stats.unplanned_deaths else "")
        + (f", process stalls {len(stats.stalls)} (longest {max(s for _, s in stats.stalls):.1f} s)"
           if stats.stalls else "")
        + (f", chaos failures {len(stats.chaos_errors)}" if stats.chaos_errors else "")
        + f" [{'FAIL' if failed else 'ok'}, {(time.monotonic() - t_start) / 60:.1f} min in all]"
    )
    if args.json:
        print(json.dumps({
            "lost": result["lost"][:20], "tx_lost": result["tx_lost"][:20], "torn": result["torn"][:20],
            "hung": stats.hung[:20], "stuck_threads": stuck, "stale_reads": stats.stale_reads[:20],
            "wrong": stats.wrong[:20], "unexpected": stats.unexpected[:20], "chaos_errors": stats.chaos_errors,
            "calls": stats.calls, "hung_bound_1_request": stats.bound(1), "events": stats.events,
            "stalls": stats.stalls,
        }))
    print(summary, flush=True)
    return 1 if failed else 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the chaos runs (default 10)")
    parser.add_argument("--port", type=int, default=11050 + harness.PORT_OFFSET,
                        help="first client port of the 3 nodes (default 11050 + PYIGNITE_PORT_OFFSET)")
    parser.add_argument("--name", default="soak",
                        help="the cluster's name (its directory under server/run; one per concurrent run)")
    parser.add_argument("--timeout", type=float, default=3.0, help="the clients' timeout (s)")
    parser.add_argument("--handshake-timeout", type=float, default=2.0, help="the clients' handshake_timeout (s)")
    parser.add_argument("--margin", type=float, default=2.0, help="slack added to a call's bound (s)")
    parser.add_argument("--settle", type=float, default=2.0,
                        help="seconds to wait after the cluster rebalanced a restarted node, before the next fault")
    parser.add_argument("--writers", type=int, default=2, help="writers per client")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("PYIGNITE_SOAK_SEED", "1")))
    parser.add_argument("--json", action="store_true", help="also print the details as JSON")
    parser.add_argument("--quiet", action="store_true", help="do not log the chaos actions")
    args = parser.parse_args(argv)
    if args.minutes <= 0:
        parser.error("--minutes must be positive")
    # the clients log every lost connection as a warning: hundreds of lines under chaos, counted anyway
    logging.basicConfig(level=logging.ERROR if args.quiet else logging.WARNING, format="[soak] %(message)s")
    if args.quiet:
        logging.getLogger("pyignite").setLevel(logging.ERROR)
    if hasattr(signal, "SIGUSR1"):  # tests/test_soak.py asks for every thread's stack before it gives up
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
