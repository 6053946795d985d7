"""One batch at a time: an exclusive `flock` on a lock file beside the state database. The
kernel drops the lock when its holder dies (even by SIGKILL), so a lock file left by a killed
batch is stale by construction; the next batch takes it over and says so."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from pipeline.errors import BatchLockedError

log = logging.getLogger(__name__)


def batch_lock_path(state_db: Path) -> Path:
    """The lock file of the batch working on `state_db`: `<state_db>.lock`."""
    return Path(state_db).with_name(Path(state_db).name + ".lock")


class BatchLock:
    """Held between `acquire()` and `release()` (or as a context manager)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fh: IO[str] | None = None
        #: what the lock file said when a dead holder's lock was taken over
        self.took_over: str | None = None

    def acquire(self) -> BatchLock:
        """Take the lock. Raises BatchLockedError when a live process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown process"
            fh.close()
            raise BatchLockedError(
                f"another batch is running ({holder}); this one did nothing",
                hint=f"wait for it to finish; the lock is {self.path}",
            ) from None
        fh.seek(0)
        previous = fh.read().strip()
        if previous:
            self.took_over = previous
            log.warning("taking over a stale batch lock (%s, no longer running)", previous)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n")
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is None:
            return
        with contextlib.suppress(OSError):
            self._fh.seek(0)
            self._fh.truncate()
            self._fh.flush()
        fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
        self._fh.close()
        self._fh = None

    def __enter__(self) -> BatchLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


class PostgresBatchLock:
    """The batch lock of a ledger in PostgreSQL: a session advisory lock on a connection of
    its own, so batches on different machines exclude each other; the server drops it when
    the holder's connection dies. Same interface as BatchLock (`took_over` stays None: a
    dead holder's lock is simply gone)."""

    KEY = "pipeline batch lock"

    def __init__(self, url: str):
        self.url = url
        self.took_over: str | None = None
        self._conn = None

    def acquire(self) -> PostgresBatchLock:
        """Take the lock. Raises BatchLockedError when a live batch holds it."""
        import psycopg

        from pipeline.batch.ledger_db import display_location, lock_id

        conn = psycopg.connect(self.url, autocommit=True)
        got = conn.execute("SELECT pg_try_advisory_lock(%s)", (lock_id(self.KEY),)).fetchone()
        if not got or not got[0]:
            conn.close()
            raise BatchLockedError(
                f"another batch is running (it holds the batch lock in {display_location(self.url)});"
                " this one did nothing",
                hint="wait for it to finish",
            )
        self._conn = conn
        return self

    def release(self) -> None:
        if self._conn is not None:
            self._conn.close()  # ends the session, and with it the lock
            self._conn = None

    def __enter__(self) -> PostgresBatchLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def batch_lock(location: str | Path) -> BatchLock | PostgresBatchLock:
    """The lock for batches over the ledger at `location` (a file path or postgresql:// URL)."""
    from pipeline.batch.ledger_db import is_postgres

    if is_postgres(location):
        return PostgresBatchLock(str(location))
    return BatchLock(batch_lock_path(Path(location)))
