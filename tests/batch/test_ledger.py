"""The ledger and the batch lock, each test against a real SQLite file and a real PostgreSQL
server, with real processes: rows, steps, watermark, migrations, claims and the lock."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.batch import migrations
from pipeline.batch.ledger import ClaimTaken, StateDB
from pipeline.batch.lock import BatchLock, batch_lock
from pipeline.batch.migrations import MIGRATIONS, migrate, schema_version
from pipeline.errors import BatchLockedError, UsageError
from tests.servers import poll_until

MEETING = {
    "uuid": "/ab//cd==",
    "id": 81234567890,
    "topic": "Office Hours",
    "start_time": "2026-11-03T17:00:00Z",
    "duration": 50,
    "recording_files": [],
}


def test_rows_steps_and_requeue(ledger_at):
    state = StateDB(ledger_at)
    state.upsert_meeting(MEETING, status="waiting")
    state.upsert_meeting(MEETING, status="queued")  # Zoom finished processing it
    assert state.get(MEETING["uuid"]).status == "queued"
    state.update(MEETING["uuid"], status="running", attempts=1)
    state.set_step(MEETING["uuid"], "download", "done")
    state.update(MEETING["uuid"], status="done", video_id="vid123")
    state.upsert_meeting({**MEETING, "topic": "Office Hours (renamed)"}, status="queued")
    row = StateDB(ledger_at).get(MEETING["uuid"])  # a second connection sees it
    assert (row.status, row.steps, row.video_id, row.topic) == (
        "done",
        {"download": "done"},
        "vid123",
        "Office Hours (renamed)",
    )
    state.update(MEETING["uuid"], status="permanent", attempts=3, last_error="bad file")
    again = state.requeue(MEETING["uuid"])
    assert (again.status, again.attempts, again.last_error) == ("queued", 0, None)
    with pytest.raises(UsageError):
        state.requeue("unknown")


def test_webhook_token_is_kept_in_a_private_file(ledger_at):
    state = StateDB(ledger_at)
    if not ledger_at.startswith("postgresql://"):
        assert Path(ledger_at).stat().st_mode & 0o077 == 0
    row = state.upsert_meeting(MEETING, status="queued", source="webhook", download_token="tok")
    assert row.download_token == "tok" and row.token_received_at and row.source == "webhook"
    assert row.meeting["topic"] == "Office Hours"


def test_watermark_round_trip(ledger_at):
    state = StateDB(ledger_at)
    assert state.watermark() is None
    moment = datetime(2026, 11, 3, 17, 0, tzinfo=UTC)
    state.set_watermark(moment)
    assert StateDB(ledger_at).watermark() == moment


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pipeline.batch.lock import BatchLock
    lock = BatchLock(sys.argv[1]).acquire()
    print("held", flush=True)
    sys.stdin.read()
    """
)


def test_lock_refuses_a_second_holder_and_takes_over_a_dead_ones(tmp_path):
    path = tmp_path / "state.db.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BatchLockedError, match=f"pid {holder.pid}"):
            BatchLock(path).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    lock = BatchLock(path).acquire()
    assert lock.took_over and f"pid {holder.pid}" in lock.took_over
    lock.release()
    with BatchLock(path) as clean:
        assert clean.took_over is None


PG_HOLDER = textwrap.dedent(
    """
    import sys
    from pipeline.batch.lock import batch_lock
    lock = batch_lock(sys.argv[1]).acquire()
    print("held", flush=True)
    sys.stdin.read()
    """
)


def test_postgres_batch_lock_refuses_a_second_batch_until_the_holder_dies(postgres_url):
    holder = subprocess.Popen(
        [sys.executable, "-c", PG_HOLDER, postgres_url],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BatchLockedError, match="another batch is running"):
            batch_lock(postgres_url).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # the server ends the dead holder's session, and its lock with it
    poll_until(lambda: _try_lock(postgres_url), 30, "the dead holder's lock going")


def _try_lock(url: str) -> bool:
    try:
        batch_lock(url).acquire().release()
    except BatchLockedError:
        return False
    return True


CLAIMER = textwrap.dedent(
    """
    import sys
    from pipeline.batch.ledger import StateDB
    state = StateDB(sys.argv[1])
    with state.claim("task publish of /ab//cd=="):
        print("claimed", flush=True)
        sys.stdin.read()
    """
)


def test_a_claim_excludes_other_processes_and_dies_with_its_holder(ledger_at):
    StateDB(ledger_at).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", CLAIMER, ledger_at],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    state = StateDB(ledger_at)
    try:
        assert holder.stdout.readline().strip() == "claimed"
        with pytest.raises(ClaimTaken), state.claim("task publish of /ab//cd=="):
            pass
        with state.claim("task fetch of /ab//cd=="):  # another task of it is free
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()

    def free() -> bool:
        try:
            with state.claim("task publish of /ab//cd=="):
                return True
        except ClaimTaken:
            return False

    poll_until(free, 30, "the killed holder's claim going")


def test_a_fresh_ledger_has_every_migration_and_reopening_applies_none(ledger_at):
    state = StateDB(ledger_at)
    assert schema_version(state.conn) == MIGRATIONS[-1][0]
    assert migrate(state.conn) == []


def test_a_new_column_is_a_migration_that_keeps_the_rows(ledger_at, monkeypatch):
    StateDB(ledger_at).upsert_meeting(MEETING, status="queued")
    added = (
        MIGRATIONS[-1][0] + 1,
        "a column for the test",
        ("ALTER TABLE recordings ADD COLUMN test_note TEXT",),
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", [*MIGRATIONS, added])
    state = StateDB(ledger_at)  # opening applies the new migration, and only it
    assert schema_version(state.conn) == added[0]
    with state.transaction() as conn:
        conn.execute(
            "UPDATE recordings SET test_note = ? WHERE uuid = ?", ("noted", MEETING["uuid"])
        )
    row = state.conn.execute(
        "SELECT topic, test_note FROM recordings WHERE uuid = ?", (MEETING["uuid"],)
    ).fetchone()
    assert (row["topic"], row["test_note"]) == ("Office Hours", "noted")


def test_a_ledger_from_before_migrations_is_taken_over(tmp_path):
    import sqlite3

    path = tmp_path / "state.db"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE recordings (uuid TEXT PRIMARY KEY, meeting_id INTEGER,"
        " topic TEXT NOT NULL DEFAULT '', start_time TEXT NOT NULL DEFAULT '',"
        " duration INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'queued',"
        " steps TEXT NOT NULL DEFAULT '{}', file_id TEXT, recording_type TEXT,"
        " file_size INTEGER, local_path TEXT, workdir TEXT,"
        " attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, video_id TEXT, video_url TEXT,"
        " meeting_json TEXT, download_token TEXT, token_received_at TEXT,"
        " source TEXT NOT NULL DEFAULT 'batch', created_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL);"
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO recordings (uuid, topic, status, created_at, updated_at)"
        " VALUES ('u1', 'Office Hours', 'done', 'x', 'x');"
    )
    old.commit()
    old.close()
    state = StateDB(path)
    assert state.get("u1").status == "done"
    assert schema_version(state.conn) == MIGRATIONS[-1][0]
