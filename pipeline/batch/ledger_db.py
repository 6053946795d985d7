"""The two databases the ledger can live in, behind one small interface: SQLite (a file, the
default, for one machine) and PostgreSQL (`PIPELINE_STATE_DB=postgresql://…`, psycopg 3, for
workers on several machines). The ledger writes its SQL once, with `?` placeholders and the
subset both understand (`INSERT … ON CONFLICT`, `excluded.`); this module adapts the
placeholders, opens transactions, and gives out locks that die with their holder:

- `transaction(key)`: SQLite takes the database's write lock (BEGIN IMMEDIATE); PostgreSQL
  also takes a transaction-scoped advisory lock on `key` (e.g. a recording's UUID), so two
  machines' read-modify-write of one row never interleave.
- `claim(key)`: held for a block of work (a task of one recording). SQLite: an `flock` on a
  file beside the database; PostgreSQL: a session advisory lock. Both are released by the
  kernel or the server when the holder dies, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import OutputError

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class ClaimTaken(Exception):
    """Another live process holds the claim."""


def is_postgres(location: str | Path) -> bool:
    return str(location).startswith(POSTGRES_SCHEMES)


def display_location(location: str | Path) -> str:
    """The location without a password (for messages)."""
    return re.sub(r"://([^:/@]+):[^@/]*@", r"://\1:***@", str(location))


def lock_id(key: str) -> int:
    """A signed 64-bit advisory-lock ID for `key`."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


class SqliteDatabase:
    """The ledger in a SQLite file (readable by its owner only: it keeps download tokens)."""

    dialect = "sqlite"

    def __init__(self, path: Path):
        self.path = Path(path)
        self.location = str(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                self.path.touch(mode=0o600)
            self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(
                f"cannot open the state database {self.path}: {exc}",
                hint="set PIPELINE_STATE_DB (or zoom.state_db) to a writable path",
            ) from exc

    def execute(self, sql: str, args: tuple | list = ()) -> Any:
        return self.conn.execute(sql, tuple(args))

    @contextlib.contextmanager
    def transaction(self, key: str | None = None) -> Iterator[SqliteDatabase]:
        self.conn.execute("BEGIN IMMEDIATE")  # one writer at a time: `key` needs no more
        try:
            yield self
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextlib.contextmanager
    def claim(self, key: str) -> Iterator[None]:
        folder = self.path.with_name(self.path.name + ".claims")
        folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(key.encode()).hexdigest()[:32]
        with (folder / f"{name}.lock").open("a") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ClaimTaken(f"{key} is claimed by another process") from None
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def close(self) -> None:
        self.conn.close()


class PostgresDatabase:
    """The ledger in PostgreSQL: one autocommit connection (psycopg 3); rows as dicts."""

    dialect = "postgresql"

    def __init__(self, url: str):
        import psycopg
        from psycopg.rows import dict_row

        self.location = display_location(url)
        self.path = self.location
        try:
            self.conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        except psycopg.Error as exc:
            raise OutputError(
                f"cannot open the state database {self.location}: {exc}".strip(),
                hint="check PIPELINE_STATE_DB (postgresql://USER:PASSWORD@HOST:PORT/DB) and "
                "that the server accepts this machine",
            ) from exc

    def execute(self, sql: str, args: tuple | list = ()) -> Any:
        return self.conn.execute(sql.replace("?", "%s"), tuple(args))  # type: ignore[arg-type]

    @contextlib.contextmanager
    def transaction(self, key: str | None = None) -> Iterator[PostgresDatabase]:
        with self.conn.transaction():
            if key is not None:
                self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_id(key),))
            yield self

    @contextlib.contextmanager
    def claim(self, key: str) -> Iterator[None]:
        lock = lock_id(key)
        got = self.conn.execute("SELECT pg_try_advisory_lock(%s) AS got", (lock,)).fetchone()
        if not got["got"]:
            raise ClaimTaken(f"{key} is claimed by another process")
        try:
            yield
        finally:
            self.conn.execute("SELECT pg_advisory_unlock(%s)", (lock,))

    def close(self) -> None:
        self.conn.close()


def open_database(location: str | Path) -> SqliteDatabase | PostgresDatabase:
    """The database at `location`: a postgresql:// URL, else a SQLite file path."""
    if is_postgres(location):
        return PostgresDatabase(str(location))
    return SqliteDatabase(Path(location))
