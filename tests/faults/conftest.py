"""Private services for the fault tests: a Redis, a PostgreSQL cluster, Celery workers and a web server
that a test may stop, kill and restart without touching the shared services other runs use.

Every process started here is stopped in a ``finally``; ports come from small private ranges
(Redis 6391-6399, PostgreSQL 55432-55439, web 8301-8309), the first free one.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection
from kombu import Connection

from referral_hub.celery import app

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_PORTS = range(6391, 6400)
POSTGRES_PORTS = range(55432, 55440)
WEB_PORTS = range(8301, 8310)
NO_PERSISTENCE = ("--save", "", "--appendonly", "no", "--daemonize", "no")


def free_port(ports: range) -> int:
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                continue  # something listens there
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"No free port in {ports.start}-{ports.stop - 1}", pytrace=False)


def wait_for(condition: Callable[[], object], seconds: float, what: str, step: float = 0.1) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(step)


def stop(process: subprocess.Popen[bytes] | None, *, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def database_url_of_tests() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


# --- Redis ------------------------------------------------------------------------
class PrivateRedis:
    """A redis-server of our own, without persistence (like a restart that loses its memory)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)", pytrace=False)
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            [server, "--port", str(self.port), "--bind", "127.0.0.1", *NO_PERSISTENCE, "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )
        self.process = process
        # Our own process must be the one answering (not another run's server that took the port).
        wait_for(lambda: process.poll() is not None or self.answers(), 10, f"no redis-server on {self.port}")
        assert process.poll() is None, f"redis-server could not start on port {self.port}"

    def answers(self) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", self.port)) != 0:
                return False
            probe.sendall(b"PING\r\n")
            try:
                return probe.recv(16).startswith(b"+PONG")
            except OSError:
                return False

    def stop(self) -> None:
        stop(self.process)
        self.process = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    redis = PrivateRedis(free_port(REDIS_PORTS))
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


@contextlib.contextmanager
def broker(url: str) -> Iterator[None]:
    """Publish from this (web) process to another broker (and result backend), then back."""

    def reset() -> None:
        # Producer pools are kept per app; forget them so the next publish connects to the new URL.
        app._pool = None  # type: ignore[attr-defined]
        app.amqp._producer_pool = None  # type: ignore[attr-defined]
        app._local.__dict__.pop("backend", None)  # type: ignore[attr-defined] # the result backend is kept per thread

    keys = ("broker_url", "broker_read_url", "broker_write_url", "result_backend")
    before = {key: app.conf.get(key) for key in keys}
    app.conf.update(dict.fromkeys(keys, url))
    reset()
    try:
        yield
    finally:
        app.conf.update(**before)
        reset()


# No cluster chatter: a private worker has no peers, and mingle alone waits a second or more at start.
QUIET = ("--without-mingle", "--without-gossip", "--without-heartbeat")


def start_worker(broker_url: str, name: str, env: dict[str, str], *, queue: str = "celery") -> subprocess.Popen[bytes]:
    """A real worker (solo pool, like CI's) on a private broker, reading the test database."""
    celery = shutil.which("celery", path=str(BIN)) or "celery"
    process = subprocess.Popen(  # noqa: S603 - fixed argv, our own worker
        [celery, "-A", "referral_hub", "worker", "--pool=solo", "--loglevel=WARNING", "-Q", queue, "-n", name, *QUIET],
        cwd=BASE_DIR,
        env=os.environ | {"DATABASE_URL": database_url_of_tests(), "REDIS_URL": broker_url} | env,
    )
    node = name.replace("%h", os.uname().nodename)
    deadline = time.monotonic() + 30
    with Connection(broker_url) as control:
        while not app.control.ping(destination=[node], timeout=0.5, connection=control):
            if time.monotonic() > deadline or process.poll() is not None:
                stop(process, sig=signal.SIGKILL)
                pytest.fail("The Celery worker did not start within 30 seconds", pytrace=False)
    return process


# --- PostgreSQL -----------------------------------------------------------------------
def postgres_bin(program: str) -> str:
    """The server programs (initdb, pg_ctl) are off PATH on Debian: look where the packages put them."""
    candidates = [shutil.which(program)]
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603
        candidates.append(str(Path(bindir) / program))
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}"), key=lambda p: int(Path(p).parts[-3]))
    candidates.extend(reversed(versions))
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(f"PostgreSQL's {program} was not found (apt-get install postgresql)", pytrace=False)


class PrivateCluster:
    """A throw-away PostgreSQL cluster on its own port; as root, its programs run as the postgres user."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self.as_postgres = [shutil.which("runuser") or "runuser", "-u", "postgres", "--"]

    def run(self, *argv: str) -> None:
        result = subprocess.run([*self.as_postgres, *argv], capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            pytest.fail(f"{' '.join(argv)} failed: {result.stdout}{result.stderr}\n{log}", pytrace=False)

    def init(self) -> None:
        self.run(postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-N", "-E", "UTF8")

    def pg_ctl(self, action: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(
            postgres_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-m", "fast", action
        )

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(  # noqa: S603
                [*self.as_postgres, postgres_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                check=False,
            )
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_cluster() -> Iterator[PrivateCluster]:
    cluster = PrivateCluster(free_port(POSTGRES_PORTS))
    try:
        cluster.init()
        cluster.pg_ctl("start")
        yield cluster
    finally:
        cluster.remove()
