"""Fetch, start and stop real Apache Ignite nodes on 127.0.0.1 for pyignite's tests and examples.

Theory of operation
-------------------
* **Build.** ``server/pom.xml`` names the Ignite artifacts. :func:`ensure_build` asks Maven for the
  class path of one *flavor* (an Ignite version, with or without the ``ignite-indexing`` SQL module)
  and compiles the small launcher ``IgniteNode.java`` against it, under ``server/build/<flavor>/``.
  Maven caches the jars in ``~/.m2``; the first run downloads them.
* **Flavors.** The default server is Ignite 2.18.0. ``ignite-indexing`` (SQL) has no 2.18.0 release on
  Maven Central, and 2.17.0's cannot run inside a 2.18.0 node, so a node that needs SQL runs the newest
  release that has it (:data:`SQL_VERSION`, 2.17.0) unless ``PYIGNITE_SQL_VERSION`` says otherwise.
  The thin client protocol of both is 1.7.0 with the same features.
* **Clusters.** :class:`Cluster` starts N JVMs, each with its own client port (``base``, ``base+1``...),
  discovery port (client port + 10000, the IP finder lists ten of them) and communication port (client
  port + 15000), all on 127.0.0.1, so clusters with different bases never join each other. All of them
  stay below 32768, out of Linux's ephemeral port range (32768-60999): a fixed port in that range can be
  taken at random by some outgoing connection, and the node then fails to bind it.
  ``PYIGNITE_PORT_OFFSET`` shifts every port (for running two test sessions side by side).
* **Ready.** A node counts as started when its launcher printed ``PYIGNITE-NODE-STARTED`` and its client
  port completed a real protocol handshake (TLS and credentials included when configured).
* **Stop.** Nodes are stopped by pid (SIGTERM, then SIGKILL) and their work directories removed.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Union

SERVER_DIR = Path(__file__).resolve().parent
BUILD_DIR = SERVER_DIR / "build"
RUN_DIR = Path(os.environ.get("PYIGNITE_RUN_DIR", SERVER_DIR / "run"))
LAUNCHER_SRC = SERVER_DIR / "src" / "main" / "java" / "org" / "pyignite" / "harness"
LAUNCHER_CLASS = "org.pyignite.harness.IgniteNode"

IGNITE_VERSION = os.environ.get("PYIGNITE_IGNITE_VERSION", "2.18.0")
SQL_VERSION = os.environ.get("PYIGNITE_SQL_VERSION", "2.17.0")
PORT_OFFSET = int(os.environ.get("PYIGNITE_PORT_OFFSET", "0"))
DISCOVERY_SHIFT = 10000
COMMUNICATION_SHIFT = 15000
START_TIMEOUT = float(os.environ.get("PYIGNITE_START_TIMEOUT", "120"))

_OPENS = [
    "java.base/jdk.internal.access", "java.base/jdk.internal.misc", "java.base/sun.nio.ch",
    "java.base/sun.util.calendar", "java.base/sun.reflect.generics.reflectiveObjects", "java.base/java.io",
    "java.base/java.nio", "java.base/java.net", "java.base/java.util", "java.base/java.util.concurrent",
    "java.base/java.util.concurrent.locks", "java.base/java.util.concurrent.atomic", "java.base/java.lang",
    "java.base/java.lang.invoke", "java.base/java.math", "java.base/java.lang.reflect", "java.base/java.time",
    "java.base/java.text", "java.management/com.sun.jmx.mbeanserver", "java.management/sun.management",
    "jdk.internal.jvmstat/sun.jvmstat.monitor", "jdk.management/com.sun.management.internal",
    "java.sql/java.sql", "java.desktop/java.awt.font",
]
JVM_OPTS = [
    "-Xms256m", "-Xmx768m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
    "-Djava.net.preferIPv4Stack=true", "-DIGNITE_QUIET=true", "-DIGNITE_NO_ASCII=true",
    "-DIGNITE_UPDATE_NOTIFIER=false", "-DIGNITE_PERFORMANCE_SUGGESTIONS_DISABLED=true",
] + [f"--add-opens={p}=ALL-UNNAMED" for p in _OPENS]
#: JVM options of a node whose server-side throughput is measured: the tests' nodes stop at the C1
#: compiler (they start faster, and tests are short), which leaves the node's hot loops (page memory,
#: B+trees) several times slower than the C2 code a production JVM runs after warm-up; a larger heap
#: for a million entries on heap while they are loaded
FULL_JIT = ["-XX:TieredStopAtLevel=4", "-Xmx1g"]


def release_key(version: str) -> tuple:
    """``"2.13.0"`` -> ``(2, 13, 0)``, for comparing releases."""
    return tuple(int(part) for part in version.split(".")[:3] if part.isdigit())


def jvm_options(version: str) -> List[str]:
    """The JVM options of a node of Ignite ``version``.

    Releases before 2.13 write their WAL through a memory-mapped buffer and flush it with
    ``MappedByteBuffer.mappingOffset()`` and ``force0(FileDescriptor, long, long)``, looked up by
    reflection; Java 14 changed both signatures, so on Java 17 the lookup finds nothing and a
    persistent node fails at start (a null ``mappingOffset``), whatever ``--add-opens`` says. With
    ``IGNITE_WAL_MMAP=false`` those releases write the WAL with plain file I/O and never use the
    mapped buffer. 2.13 rewrote that code, so newer releases keep their default.
    """
    opts = list(JVM_OPTS)
    if release_key(version) < (2, 13):
        opts.append("-DIGNITE_WAL_MMAP=false")
    return opts


class HarnessError(RuntimeError):
    pass


def log(msg: str) -> None:
    print(f"[ignite-harness] {msg}", file=sys.stderr, flush=True)


# --- build ----------------------------------------------------------------------------------------

def flavor_name(version: str, sql: bool) -> str:
    return f"{version}-sql" if sql else version


def ensure_build(version: str = IGNITE_VERSION, sql: bool = False) -> str:
    """Resolve the jars of a flavor and compile the launcher; return the java class path."""
    flavor = flavor_name(version, sql)
    out = BUILD_DIR / flavor
    cp_file = out / "classpath.txt"
    classes = out / "classes"
    stamp = out / "stamp"
    sources = sorted((SERVER_DIR / "src" / "main" / "java").rglob("*.java"))
    inputs = [SERVER_DIR / "pom.xml", *sources]
    want = str(max(p.stat().st_mtime for p in inputs))
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (stamp.exists() and stamp.read_text() == want and cp_file.exists()):
            log(f"resolving Ignite {flavor} with Maven (first run downloads the jars)")
            cmd = [
                "mvn", "-B", "-q", "-f", str(SERVER_DIR / "pom.xml"),
                f"-Dignite.version={version}", "dependency:build-classpath",
                f"-Dmdep.outputFile={cp_file}",
            ]
            if sql:
                cmd.insert(3, "-Psql")
            res = subprocess.run(cmd, capture_output=True, text=True)
            if res.returncode != 0:
                raise HarnessError(
                    f"Maven could not resolve Ignite {flavor}:\n{res.stdout[-3000:]}{res.stderr[-2000:]}"
                )
            if classes.exists():
                shutil.rmtree(classes)
            classes.mkdir()
            _compile(sources, classes, cp_file.read_text().strip(), out / "skipped.txt")
            stamp.write_text(want)
    return f"{classes}:{cp_file.read_text().strip()}"


def _javac(sources: List[Path], classes: Path, classpath: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["javac", "-nowarn", "-d", str(classes), "-cp", f"{classes}:{classpath}", *map(str, sources)],
        capture_output=True, text=True,
    )


def _compile(sources: List[Path], classes: Path, classpath: str, skipped_file: Path) -> None:
    """Compile the launcher and the server-side classes of the tests (tasks, services, filters).

    Everything is compiled together first. An older Ignite release (the compatibility matrix runs
    several) may lack an API that one of the helper classes uses: then the launcher is compiled alone
    and every other source on its own, and those that do not compile against this release are left
    out and listed in ``skipped.txt`` (the tests that need them fail on that release, visibly). The
    launcher itself must always compile.
    """
    res = _javac(sources, classes, classpath)
    if res.returncode == 0:
        skipped_file.write_text("")
        return
    launcher = [p for p in sources if p.name == "IgniteNode.java"]
    res = _javac(launcher, classes, classpath)
    if res.returncode != 0:
        raise HarnessError(f"cannot compile the launcher:\n{res.stderr[-3000:]}")
    skipped = []
    for source in sources:
        if source not in launcher and _javac([source], classes, classpath).returncode != 0:
            skipped.append(source.name)
    if skipped:
        log(f"left out (they do not compile against this Ignite release): {', '.join(skipped)}")
    skipped_file.write_text("\n".join(skipped))


# --- TLS material ---------------------------------------------------------------------------------

STORE_PASSWORD = "123456"


def _openssl(*args: str, cwd: Path) -> None:
    res = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if res.returncode != 0:
        raise HarnessError(f"openssl {' '.join(args)} failed:\n{res.stderr}")


def make_certificates(directory: Optional[Path] = None) -> Dict[str, str]:
    """Generate a CA, a server certificate (127.0.0.1, localhost), a client certificate (also with a
    password-protected key), an unrelated CA, and the Java key and trust stores for the server.

    Returns a dict of paths: ``ca``, ``other_ca``, ``server_keystore``, ``truststore``,
    ``client_cert``, ``client_key``, ``client_key_encrypted`` (password ``KEY_PASSWORD``).
    """
    d = Path(directory or RUN_DIR / "ssl")
    d.mkdir(parents=True, exist_ok=True)
    paths = {
        "ca": d / "ca.pem", "other_ca": d / "other-ca.pem",
        "server_keystore": d / "server.p12", "truststore": d / "truststore.p12",
        "client_cert": d / "client.pem", "client_key": d / "client.key",
        "client_key_encrypted": d / "client-encrypted.key",
    }
    with open(d / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if all(p.exists() for p in paths.values()):
            return {k: str(v) for k, v in paths.items()}
        days = "3650"
        for ca in ("ca", "other-ca"):
            _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{ca}.key", "-out", f"{ca}.pem",
                     "-days", days, "-subj", f"/CN=pyignite test {ca}", cwd=d)
        (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        for who in ("server", "client"):
            _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{who}.key", "-out", f"{who}.csr",
                     "-subj", f"/CN={'localhost' if who == 'server' else 'pyignite client'}", cwd=d)
            _openssl("x509", "-req", "-in", f"{who}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                     "-out", f"{who}.pem", "-days", days, "-extfile", "san.ext", cwd=d)
        _openssl("pkcs12", "-export", "-in", "server.pem", "-inkey", "server.key", "-certfile", "ca.pem",
                 "-name", "server", "-out", "server.p12", "-passout", f"pass:{STORE_PASSWORD}", cwd=d)
        _openssl("rsa", "-in", "client.key", "-aes256", "-out", "client-encrypted.key",
                 "-passout", f"pass:{KEY_PASSWORD}", cwd=d)
        if (d / "truststore.p12").exists():
            (d / "truststore.p12").unlink()
        res = subprocess.run(
            ["keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", "truststore.p12",
             "-storetype", "PKCS12", "-storepass", STORE_PASSWORD],
            cwd=d, capture_output=True, text=True,
        )
        if res.returncode != 0:
            raise HarnessError(f"keytool failed: {res.stderr}{res.stdout}")
    return {k: str(v) for k, v in paths.items()}


KEY_PASSWORD = "keypass"


# --- readiness probe ------------------------------------------------------------------------------

def _probe_handshake(port: int, use_ssl: bool, auth: bool, timeout: float = 5.0, client_cert: bool = False) -> bool:
    """True if the client port completes a real thin client handshake (protocol 1.7.0, or 1.6.0 with a
    node older than 2.9, which refuses 1.7.0 naming the version it speaks)."""
    ok = _probe_handshake_version(port, use_ssl, auth, timeout, client_cert, 7)
    if ok is None:
        ok = _probe_handshake_version(port, use_ssl, auth, timeout, client_cert, 6)
    return bool(ok)


def _probe_handshake_version(port: int, use_ssl: bool, auth: bool, timeout: float, client_cert: bool,
                             minor: int) -> Optional[bool]:
    """One handshake at protocol 1.<minor>.0: True if accepted, None if refused with an older version
    the node speaks, False otherwise."""
    body = struct.pack("<BhhhB", 1, 1, minor, 0, 2)
    if minor >= 7:
        body += struct.pack("<Bi", 12, 0)  # the feature bitmask: none
    if auth:
        for s in ("ignite", "ignite"):
            body += struct.pack("<Bi", 9, len(s)) + s.encode()
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except OSError:
        return False
    try:
        if use_ssl:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            if client_cert:
                certs = make_certificates()
                ctx.load_cert_chain(certs["client_cert"], certs["client_key"])
            sock = ctx.wrap_socket(sock)
        sock.sendall(struct.pack("<i", len(body)) + body)
        data = b""
        while len(data) < 11:
            chunk = sock.recv(4096)
            if not chunk:
                return len(data) >= 5 and data[4] == 1
            data += chunk
            if len(data) >= 5 and data[4] == 1:
                return True
        major, server_minor = struct.unpack_from("<hh", data, 5)
        return None if (major, server_minor) < (1, minor) else False
    except OSError:
        return False
    finally:
        sock.close()


# --- nodes and clusters ---------------------------------------------------------------------------

class Node:
    def __init__(self, cluster: Cluster, index: int) -> None:
        self.cluster = cluster
        self.index = index
        self.name = f"{cluster.name}-{index}"
        self.port = cluster.base_port + index
        self.dir = cluster.dir / self.name
        self.log_path = cluster.dir / f"{self.name}.log"
        self.proc: Optional[subprocess.Popen] = None
        self.pid: Optional[int] = None

    def command(self, classpath: str, activate: Optional[int]) -> List[str]:
        c = self.cluster
        args = [
            "java", *jvm_options(c.version), *c.jvm_opts, "-cp", classpath, LAUNCHER_CLASS,
            "--name", self.name, "--client-port", str(self.port),
            "--discovery-port", str(self.port + DISCOVERY_SHIFT),
            "--discovery-base", str(c.base_port + DISCOVERY_SHIFT), "--discovery-range", "10",
            "--communication-port", str(self.port + COMMUNICATION_SHIFT),
            "--work-dir", str(self.dir / "work"), "--region-mb", str(c.region_mb),
        ]
        if c.persistence:
            args.append("--persistence")
        if c.auth:
            args.append("--auth")
        if c.compute:
            args.append("--compute")
            if not isinstance(c.compute, bool):  # a limit of active tasks per connection
                args.append(str(c.compute))
        if c.services:
            args.append("--services")
        args += c.node_args.get(self.index, [])
        if c.idle_timeout_ms:
            args += ["--idle-timeout", str(c.idle_timeout_ms)]
        if activate:
            args += ["--activate", str(activate)]
        if c.ssl:
            certs = make_certificates()
            args += ["--ssl-keystore", certs["server_keystore"], "--ssl-truststore", certs["truststore"],
                     "--ssl-password", STORE_PASSWORD]
            if c.ssl_client_auth:
                args.append("--ssl-client-auth")
        return args

    def start(self, classpath: str, activate: Optional[int] = None) -> None:
        if _port_busy(self.port):
            raise HarnessError(f"port {self.port} is already in use; stop what runs there (scripts/ignite stop)")
        self.dir.mkdir(parents=True, exist_ok=True)
        logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.command(classpath, activate), stdout=logf, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        self.pid = self.proc.pid
        logf.close()

    def wait_ready(self, deadline: float) -> None:
        started = False
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise HarnessError(f"node {self.name} exited with {self.proc.returncode}; log:\n{self.tail()}")
            if not started:
                started = b"PYIGNITE-NODE-STARTED" in self.log_path.read_bytes()
            if started and _probe_handshake(self.port, self.cluster.ssl, self.cluster.auth,
                                            client_cert=self.cluster.ssl_client_auth):
                return
            time.sleep(0.2)
        raise HarnessError(f"node {self.name} did not become ready in {START_TIMEOUT} s; log:\n{self.tail()}")

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def stop(self, kill: bool = False) -> None:
        if self.pid is None:
            return
        if not kill:
            try:
                os.killpg(self.pid, signal.SIGCONT)  # a paused node cannot act on SIGTERM
            except OSError:
                pass
        _terminate(self.pid, kill)
        if self.proc is not None:
            try:
                self.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        self.pid = None
        self.proc = None

    @property
    def alive(self) -> bool:
        return self.pid is not None and _pid_alive(self.pid)

    # --- failure injection (failover tests) ---------------------------------------------------

    def kill(self) -> None:
        """``kill -9`` the node: no shutdown, its connections are reset by the kernel."""
        self.stop(kill=True)

    def pause(self) -> None:
        """SIGSTOP the node: its sockets stay open but nothing answers (a hung node).

        Resume it within Ignite's failure detection timeout (10 s) or the cluster drops it.
        """
        if self.pid is None:
            raise HarnessError(f"node {self.name} is not running")
        os.killpg(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT a node stopped by :meth:`pause`."""
        if self.pid is not None:
            os.killpg(self.pid, signal.SIGCONT)


def _port_busy(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return True


def _terminate(pid: int, kill: bool = False, timeout: float = 15.0) -> None:
    try:
        os.killpg(pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Cluster:
    """N Ignite server nodes on 127.0.0.1 with client ports ``base_port .. base_port+N-1``."""

    def __init__(
        self,
        name: str,
        base_port: int,
        nodes: int = 1,
        sql: bool = False,
        persistence: bool = False,
        auth: bool = False,
        ssl: bool = False,
        ssl_client_auth: bool = False,
        compute: Union[bool, int] = False,
        version: Optional[str] = None,
        region_mb: int = 192,
        services: bool = False,
        node_args: Optional[Dict[int, List[str]]] = None,
        idle_timeout_ms: int = 0,
        jvm_opts: Optional[List[str]] = None,
    ) -> None:
        """``compute``: thin client compute on (``True``: at most 100 active tasks per connection, an
        int: that many); ``services``: deploy the test services (``ComputeDeployments.java``);
        ``node_args``: extra launcher options of the node with that index (``--attribute name=value``,
        or ``--compute N`` to override the limit); ``jvm_opts``: JVM options after the defaults
        (a later ``-XX`` option wins: a benchmark of the node's own throughput passes
        ``FULL_JIT`` to lift the tests' C1-only compilation)."""
        if nodes < 1 or nodes > 9:
            raise HarnessError("a cluster has 1 to 9 nodes")
        self.name = name
        self.base_port = base_port + PORT_OFFSET
        self.size = nodes
        self.sql = sql
        self.version = version or (SQL_VERSION if sql else IGNITE_VERSION)
        self.persistence = persistence or auth
        self.auth = auth
        self.ssl = ssl or ssl_client_auth
        self.ssl_client_auth = ssl_client_auth
        self.compute = compute
        self.services = services
        self.node_args = dict(node_args or {})
        self.region_mb = region_mb
        #: the client connector's idle timeout in ms (0: none), for heartbeat tests
        self.idle_timeout_ms = idle_timeout_ms
        self.jvm_opts = list(jvm_opts or [])
        self.dir = RUN_DIR / name
        self.nodes: List[Node] = []

    @property
    def ports(self) -> List[int]:
        return [n.port for n in self.nodes]

    def start(self) -> Cluster:
        classpath = ensure_build(self.version, self.sql)
        if self.dir.exists():
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self.nodes = [Node(self, i) for i in range(self.size)]
        log(f"starting {self.describe()}")
        try:
            for node in self.nodes:
                activate = self.size if (self.persistence and node.index == self.size - 1) else None
                node.start(classpath, activate)
                # Nodes join one at a time: a parallel start makes discovery slow on 2 cores.
                node.wait_ready(time.monotonic() + START_TIMEOUT)
        except BaseException:
            self.stop()
            raise
        self.save_state()
        return self

    def add_node(self) -> Node:
        """Start one more node that joins this cluster (for topology-change tests)."""
        classpath = ensure_build(self.version, self.sql)
        node = Node(self, len(self.nodes))
        node.start(classpath)
        self.nodes.append(node)
        node.wait_ready(time.monotonic() + START_TIMEOUT)
        self.save_state()
        return node

    def restart_node(self, index: int) -> Node:
        classpath = ensure_build(self.version, self.sql)
        node = self.nodes[index]
        node.stop()
        node.start(classpath)
        node.wait_ready(time.monotonic() + START_TIMEOUT)
        self.save_state()
        return node

    def describe(self) -> str:
        opts = [o for o, on in (("sql", self.sql), ("persistence", self.persistence), ("auth", self.auth),
                                ("ssl", self.ssl), ("ssl-client-auth", self.ssl_client_auth),
                                ("compute", self.compute), ("services", self.services),
                                (f"idle timeout {self.idle_timeout_ms} ms", bool(self.idle_timeout_ms))) if on]
        ports = f"{self.base_port}..{self.base_port + self.size - 1}" if self.size > 1 else str(self.base_port)
        return f"cluster {self.name!r}: {self.size} node(s) of Ignite {self.version}, client port(s) {ports}" + (
            f" [{', '.join(opts)}]" if opts else "")

    def stop(self, remove: bool = True) -> None:
        for node in reversed(self.nodes):
            node.stop()
        if remove and self.dir.exists():
            # keep the logs of the last run, drop the work directories
            for node in self.nodes:
                shutil.rmtree(node.dir, ignore_errors=True)
        self.forget_state()

    # --- state for scripts/ignite -------------------------------------------------------------

    def save_state(self) -> None:
        state = load_state()
        state[self.name] = {
            "ports": self.ports, "pids": [n.pid for n in self.nodes], "dir": str(self.dir),
            "version": self.version, "describe": self.describe(),
        }
        _write_state(state)

    def forget_state(self) -> None:
        state = load_state()
        if state.pop(self.name, None) is not None:
            _write_state(state)


STATE_FILE = RUN_DIR / "state.json"


def load_state() -> Dict[str, dict]:
    try:
        return json.loads(STATE_FILE.read_text())
    except (OSError, ValueError):
        return {}


def _write_state(state: Dict[str, dict]) -> None:
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    tmp = STATE_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(STATE_FILE)


def stop_recorded(name: Optional[str] = None) -> List[str]:
    """Stop clusters recorded in the state file (all, or the one named); return what was stopped."""
    state = load_state()
    stopped = []
    for cname, info in list(state.items()):
        if name is not None and cname != name:
            continue
        for pid in info.get("pids", []):
            if pid and _pid_alive(pid):
                _terminate(pid)
        shutil.rmtree(info.get("dir", ""), ignore_errors=True)
        stopped.append(info.get("describe", cname))
        state.pop(cname)
    _write_state(state)
    return stopped
