"""Real Redis and PostgreSQL servers for the tests, started on 127.0.0.1 on free ports with
temporary data folders and stopped at the end of the session.

The binaries are Debian's `redis-server` and `postgresql` packages (`make services` installs
them when run as root). PostgreSQL refuses to run as root, so when the tests run as root the
server runs as the unprivileged `postgres` (or `nobody`) user over a data folder it owns.
Without the binaries the tests that need them are skipped with a message saying how to get
them; nothing stands in for them.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT = 30.0
INSTALL_HINT = "run `make services` as root (Debian packages redis-server and postgresql)"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def poll_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.05):
    """Call `check` until it returns True; raise TimeoutError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(interval)


def _stop(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)


# -- Redis ---------------------------------------------------------------------------------


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen
    folder: Path

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


def start_redis(folder: Path) -> RedisServer:
    """Start `redis-server` on a free port, no persistence, and wait until it answers PING."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(f"redis-server is not installed: {INSTALL_HINT}")
    import redis

    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = open(folder / "redis.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
         "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)

    def answers() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited: {(folder / 'redis.log').read_text()[-500:]}")
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    try:
        poll_until(answers, START_TIMEOUT, f"redis-server answering on port {port}")
    except BaseException:
        _stop(proc)
        raise
    finally:
        client.close()
    return RedisServer(port, proc, folder)


# -- PostgreSQL ----------------------------------------------------------------------------


def _pg_bindir() -> Path | None:
    if shutil.which("initdb") and shutil.which("pg_ctl"):
        return Path(shutil.which("initdb")).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(found[0]).parent if found else None


def _server_user() -> pwd.struct_passwd | None:
    """The user PostgreSQL runs as when we are root (it refuses root); None when not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    pytest.skip("running as root and neither `postgres` nor `nobody` exists to run PostgreSQL")


def _as_user(user: pwd.struct_passwd | None) -> dict:
    if user is None:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


@dataclass
class PostgresServer:
    port: int
    process: subprocess.Popen
    folder: Path
    superuser: str = "pipeline"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.superuser}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Create an empty database and return its URL (one per test keeps tests apart)."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def start_postgres(folder: Path) -> PostgresServer:
    """initdb a cluster in `folder` (owned by the server's user), start `postgres` on a free
    port on 127.0.0.1 with no Unix socket, and wait until it answers `SELECT 1`."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip(f"PostgreSQL is not installed: {INSTALL_HINT}")
    import psycopg

    user = _server_user()
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    if user is not None:
        os.chown(folder, user.pw_uid, user.pw_gid)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    subprocess.run(
        [str(bindir / "initdb"), "-D", str(data), "-U", "pipeline", "--auth=trust",
         "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True, env=env, cwd=folder, **_as_user(user),
    )
    port = free_port()
    log_path = folder / "postgres.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [str(bindir / "postgres"), "-D", str(data), "-p", str(port),
         "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
         "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
         "-c", "max_connections=200"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder, **_as_user(user),
    )
    url = f"postgresql://pipeline@127.0.0.1:{port}/postgres"

    def answers() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"postgres exited: {log_path.read_text()[-800:]}")
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                return conn.execute("SELECT 1").fetchone() == (1,)
        except psycopg.OperationalError:
            return False

    try:
        poll_until(answers, START_TIMEOUT, f"PostgreSQL answering on port {port}")
    except BaseException:
        _stop(proc)
        raise
    return PostgresServer(port, proc, folder)


# -- pytest fixtures -----------------------------------------------------------------------


def _server_folder(prefix: str) -> Path:
    # Not under pytest's tmp_path: that lives in a 0700 folder of root's that the
    # unprivileged PostgreSQL user could not enter.
    return Path(tempfile.mkdtemp(prefix=prefix))


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the session."""
    folder = _server_folder("pipeline-redis-")
    server = start_redis(folder)
    try:
        yield server
    finally:
        _stop(server.process)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the session."""
    folder = _server_folder("pipeline-pg-")
    server = start_postgres(folder)
    try:
        yield server
    finally:
        _stop(server.process)  # SIGTERM: PostgreSQL's "smart" shutdown
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def redis_url(redis_server) -> Iterator[str]:
    """A Redis database emptied before the test."""
    import redis

    url = redis_server.url(0)
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    yield url


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty PostgreSQL database for the test."""
    return postgres_server.new_database()
