"""One blocking Client shared by many threads, against a real node.

The client multiplexes every thread's requests on one connection (see :mod:`pyignite.connection.sync`):
these tests check that each thread gets its own results under heavy mixed load, and that a broken
connection wakes every waiting thread with the error, after which the client reconnects once.
"""

from __future__ import annotations

import random
import socket
import threading
from typing import Any, Callable, Dict, List, Tuple

import pytest

from pyignite import Client, RetryNone
from pyignite.exceptions import SocketError

from .util import unique_name

Node = Tuple[str, int]

THREADS = 16
OPS_PER_THREAD = 10_000


def run_threads(count: int, work: Callable[[int], None]) -> List[BaseException]:
    errors: List[BaseException] = []
    start = threading.Barrier(count)

    def target(t: int) -> None:
        try:
            start.wait()
            work(t)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(t,), name=f"worker-{t}") for t in range(count)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=240)
    assert not any(th.is_alive() for th in threads), "a worker hung"
    return errors


def test_sixteen_threads_ten_thousand_mixed_operations_each(client: Client) -> None:
    cache = client.create_cache(unique_name("threads"))
    shared = {f"shared-{i}": i * 11 for i in range(50)}  # read by every thread, never written
    cache.put_all(shared)
    conn = client.connection
    done = [0] * THREADS

    def work(t: int) -> None:
        rng = random.Random(t)
        model: Dict[Any, Any] = {}
        keys = [f"t{t}-k{i}" for i in range(40)] + [t * 1000 + i for i in range(40)]
        for _ in range(OPS_PER_THREAD):
            key = rng.choice(keys)
            value = rng.choice([rng.randrange(-(2**31), 2**31), f"v{t}-{rng.random()}", rng.random() * 1e6])
            op = rng.randrange(12)
            if op == 0:
                cache.put(key, value)
                model[key] = value
            elif op == 1:
                assert cache.get(key) == model.get(key)
            elif op == 2:
                assert cache.get_and_put(key, value) == model.get(key)
                model[key] = value
            elif op == 3:
                assert cache.contains_key(key) is (key in model)
            elif op == 4:
                assert cache.put_if_absent(key, value) is (key not in model)
                model.setdefault(key, value)
            elif op == 5:
                assert cache.replace(key, value) is (key in model)
                if key in model:
                    model[key] = value
            elif op == 6:
                assert cache.remove_key(key) is (key in model)
                model.pop(key, None)
            elif op == 7:
                some = rng.sample(keys, 5)
                assert cache.get_all(some) == {k: model[k] for k in some if k in model}
            elif op == 8:
                batch = {k: f"{value}-{k}" for k in rng.sample(keys, 4)}
                cache.put_all(batch)
                model.update(batch)
            elif op == 9:
                assert cache.get_and_remove(key) == model.pop(key, None)
            elif op == 10:
                name = rng.choice(list(shared))
                assert cache.get(name) == shared[name]
            else:
                assert cache.get_and_replace(key, value) == model.get(key)
                if key in model:
                    model[key] = value
            done[t] += 1
        # the server agrees with the model at the end
        assert cache.get_all(keys) == model

    errors = run_threads(THREADS, work)
    assert not errors, errors[:3]
    assert done == [OPS_PER_THREAD] * THREADS
    assert client.connection is conn and conn is not None and conn.alive, "all on one connection"
    assert not conn._slots, "no request left waiting"
    assert cache.get_all(list(shared)) == shared
    cache.destroy()


def test_threads_see_a_broken_connection_then_the_client_reconnects_once(node: Node) -> None:
    # no retry policy: the threads in flight see the failure (by default their puts and gets are resent)
    client = Client(timeout=10, retry_policy=RetryNone(), cluster_discovery=False)
    client.connect([node, node, node])
    cache = client.create_cache(unique_name("threadsbreak"))
    try:
        first = client.connection
        assert first is not None
        broken = threading.Event()
        failures: List[BaseException] = []
        after: Dict[int, Any] = {}
        lock = threading.Lock()

        def work(t: int) -> None:
            i = 0
            # until this thread sees the break, or another thread has already reconnected
            while client.connection is first:
                try:
                    cache.put((t, i), i)
                    assert cache.get((t, i)) == i
                except SocketError as exc:
                    with lock:
                        failures.append(exc)
                    break
                i += 1
            assert broken.is_set()
            # after the break: everything works again, on one new connection
            for j in range(100):
                cache.put((t, "after", j), j)
                assert cache.get((t, "after", j)) == j
            with lock:
                after[t] = client.connection

        def breaker() -> None:
            threading.Event().wait(0.5)
            # set first: a thread may see the error before shutdown() even returns here
            broken.set()
            first._sock.shutdown(socket.SHUT_RDWR)  # type: ignore[union-attr] # as a node restart would

        threading.Thread(target=breaker).start()
        errors = run_threads(8, work)
        assert not errors, errors[:3]
        assert failures, "threads in flight saw the connection break"
        assert len(set(map(id, after.values()))) == 1, "one reconnection served every thread"
        assert client.connection is not first and not first.alive
    finally:
        cache.destroy()
        client.close()


@pytest.mark.parametrize("threads", [4])
def test_threads_and_timeouts_do_not_mix_up_replies(client: Client, threads: int) -> None:
    """Replies of a value big enough to arrive in many reads go to the right threads."""
    cache = client.create_cache(unique_name("threadsbig"))
    values = {i: ("x" * 300_000) + str(i) for i in range(threads)}

    def work(t: int) -> None:
        cache.put(t, values[t])
        for _ in range(20):
            assert cache.get(t) == values[t]
            assert cache.get(t + 1000) is None

    errors = run_threads(threads, work)
    assert not errors, errors[:3]
    cache.destroy()


@pytest.mark.ssl
def test_threads_share_a_tls_client(ssl_node: Node, certs: Dict[str, str]) -> None:
    """TLS: OpenSSL calls from many threads on one connection are serialized (never concurrent)."""
    with Client(use_ssl=True, ssl_ca_certfile=certs["ca"], ssl_cert_reqs="REQUIRED", timeout=30).connect(
        *ssl_node
    ) as client:
        cache = client.create_cache(unique_name("threadstls"))
        big = "ü" * 40_000  # spans several TLS records

        def work(t: int) -> None:
            for i in range(400):
                value = f"{t}-{i}" if i % 10 else big + str(i)
                cache.put((t, i), value)
                assert cache.get((t, i)) == value
                assert cache.get((t, i, "absent")) is None

        errors = run_threads(8, work)
        assert not errors, errors[:3]
        assert client.connection is not None and client.connection.alive
        cache.destroy()
