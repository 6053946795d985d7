"""The state database and the batch lock, with real SQLite files and real processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest

from pipeline.batch.ledger import StateDB
from pipeline.batch.lock import BatchLock
from pipeline.errors import BatchLockedError, UsageError

MEETING = {
    "uuid": "/ab//cd==",
    "id": 81234567890,
    "topic": "Office Hours",
    "start_time": "2026-11-03T17:00:00Z",
    "duration": 50,
    "recording_files": [],
}


def test_rows_steps_and_requeue(tmp_path):
    state = StateDB(tmp_path / "state.db")
    state.upsert_meeting(MEETING, status="waiting")
    state.upsert_meeting(MEETING, status="queued")  # Zoom finished processing it
    assert state.get(MEETING["uuid"]).status == "queued"
    state.update(MEETING["uuid"], status="running", attempts=1)
    state.set_step(MEETING["uuid"], "download", "done")
    state.update(MEETING["uuid"], status="done", video_id="vid123")
    state.upsert_meeting({**MEETING, "topic": "Office Hours (renamed)"}, status="queued")
    row = StateDB(tmp_path / "state.db").get(MEETING["uuid"])  # a second connection sees it
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


def test_webhook_token_is_kept_in_a_private_file(tmp_path):
    state = StateDB(tmp_path / "state.db")
    assert (tmp_path / "state.db").stat().st_mode & 0o077 == 0
    row = state.upsert_meeting(MEETING, status="queued", source="webhook", download_token="tok")
    assert row.download_token == "tok" and row.token_received_at and row.source == "webhook"
    assert row.meeting["topic"] == "Office Hours"


def test_watermark_round_trip(tmp_path):
    state = StateDB(tmp_path / "state.db")
    assert state.watermark() is None
    moment = datetime(2026, 11, 3, 17, 0, tzinfo=UTC)
    state.set_watermark(moment)
    assert StateDB(tmp_path / "state.db").watermark() == moment


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
