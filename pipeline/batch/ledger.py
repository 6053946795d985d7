"""The batch's memory between runs: a SQLite database with one row per Zoom meeting UUID
(the file chosen, where it went, each step's status, attempts, the last error, the YouTube
video ID) and the watermark (start time up to which every recording is finished).

Statuses of a recording: `queued` (to do), `waiting` (Zoom still processing it), `running`,
`failed` (transient: retried on a later run), `permanent` (marked; needs a person, or
`pipeline retry`), `deferred` (the distributed batch's publish waits for the YouTube quota
to reset), `done` (published). Steps: download, process, publish, trash."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import OutputError, UsageError
from pipeline.settings import Settings

STEPS = ("download", "process", "publish", "trash")
OPEN_STATUSES = ("queued", "waiting", "running", "failed", "deferred")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS recordings (
    uuid TEXT PRIMARY KEY,
    meeting_id INTEGER,
    topic TEXT NOT NULL DEFAULT '',
    start_time TEXT NOT NULL DEFAULT '',
    duration INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'queued',
    steps TEXT NOT NULL DEFAULT '{}',
    file_id TEXT,
    recording_type TEXT,
    file_size INTEGER,
    local_path TEXT,
    workdir TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    video_id TEXT,
    video_url TEXT,
    meeting_json TEXT,
    download_token TEXT,
    token_received_at TEXT,
    source TEXT NOT NULL DEFAULT 'batch',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_events (digest TEXT PRIMARY KEY, seen_at TEXT NOT NULL);
"""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def state_db_path(settings: Settings) -> Path:
    """Where the state database lives: setting zoom.state_db (PIPELINE_STATE_DB), else
    `<general.out>/state.db`."""
    return Path(settings.zoom.state_db or Path(settings.general.out) / "state.db")


@dataclass
class RecordingRow:
    uuid: str
    meeting_id: int | None = None
    topic: str = ""
    start_time: str = ""
    duration: int = 0
    status: str = "queued"
    steps: dict[str, str] = field(default_factory=dict)
    file_id: str | None = None
    recording_type: str | None = None
    file_size: int | None = None
    local_path: str | None = None
    workdir: str | None = None
    attempts: int = 0
    last_error: str | None = None
    video_id: str | None = None
    video_url: str | None = None
    meeting_json: str | None = None
    download_token: str | None = None
    token_received_at: str | None = None
    source: str = "batch"
    created_at: str = ""
    updated_at: str = ""

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> RecordingRow:
        data = dict(row)
        data["steps"] = json.loads(data["steps"] or "{}")
        return cls(**data)

    @property
    def meeting(self) -> dict[str, Any] | None:
        return json.loads(self.meeting_json) if self.meeting_json else None

    def public_dict(self) -> dict[str, Any]:
        """The row without the meeting JSON and the download token (never printed)."""
        return {
            k: v for k, v in self.__dict__.items() if k not in ("meeting_json", "download_token")
        }


def step_summary(steps: dict[str, str]) -> str:
    """The step a row is at: the running or failed one, else the last one done."""
    current = next((s for s in STEPS if steps.get(s) in ("running", "failed", "held")), None)
    if current:
        return current
    done = [s for s in STEPS if steps.get(s) == "done"]
    return done[-1] if done else "-"


def open_ledger(settings: Settings, *, must_exist: bool = False) -> StateDB:
    """The ledger of `settings` (PIPELINE_STATE_DB, setting zoom.state_db, else
    OUT/state.db). Raises UsageError with `must_exist` when no batch has made it yet."""
    path = state_db_path(settings)
    if must_exist and not path.exists():
        raise UsageError(
            f"no state database at {path}: no batch has run with these settings",
            hint="set PIPELINE_STATE_DB (or zoom.state_db, or --out) as the batch has it",
        )
    return StateDB(path)


class StateDB:
    """The state database. Every method commits its own short transaction, so a webhook
    receiver and a batch can share the file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                # it holds webhook download tokens: readable by its owner only
                self.path.touch(mode=0o600)
            self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(
                f"cannot open the state database {self.path}: {exc}",
                hint="set PIPELINE_STATE_DB (or zoom.state_db) to a writable path",
            ) from exc

    def close(self) -> None:
        self.conn.close()

    def first_sighting(self, digest: str) -> bool:
        """Record a webhook call by its digest. False when it was seen before (a replay)."""
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO webhook_events (digest, seen_at) VALUES (?, ?)",
            (digest, now_iso()),
        )
        return cur.rowcount == 1

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- rows -------------------------------------------------------------------------------
    def get(self, uuid: str) -> RecordingRow | None:
        row = self.conn.execute("SELECT * FROM recordings WHERE uuid = ?", (uuid,)).fetchone()
        return RecordingRow.from_sql(row) if row else None

    def rows(self, statuses: tuple[str, ...] | None = None) -> list[RecordingRow]:
        """Rows, oldest meeting first; only those with one of `statuses` when given."""
        sql = "SELECT * FROM recordings"
        args: tuple[str, ...] = ()
        if statuses:
            sql += f" WHERE status IN ({','.join('?' * len(statuses))})"
            args = statuses
        sql += " ORDER BY start_time, uuid"
        return [RecordingRow.from_sql(r) for r in self.conn.execute(sql, args)]

    def upsert_meeting(
        self,
        meeting: dict[str, Any],
        *,
        status: str,
        source: str = "batch",
        download_token: str | None = None,
    ) -> RecordingRow:
        """Insert a meeting seen at Zoom, or refresh what Zoom said about it. A row that is
        `done`, `permanent`, `running`, `failed` or `deferred` keeps its status; `waiting`
        becomes `status`."""
        uuid = str(meeting["uuid"])
        stamp = now_iso()
        with self.transaction() as conn:
            existing = conn.execute(
                "SELECT status FROM recordings WHERE uuid = ?", (uuid,)
            ).fetchone()
            if existing is None:
                conn.execute(
                    "INSERT INTO recordings (uuid, meeting_id, topic, start_time, duration, status,"
                    " meeting_json, source, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        uuid,
                        meeting.get("id"),
                        meeting.get("topic", ""),
                        meeting.get("start_time", ""),
                        meeting.get("duration") or 0,
                        status,
                        json.dumps(meeting),
                        source,
                        stamp,
                        stamp,
                    ),
                )
            else:
                keep = existing["status"] in (
                    "done", "permanent", "running", "failed", "held", "deferred"
                )
                conn.execute(
                    "UPDATE recordings SET meeting_json = ?, topic = ?, duration = ?,"
                    " status = ?, updated_at = ? WHERE uuid = ?",
                    (
                        json.dumps(meeting),
                        meeting.get("topic", ""),
                        meeting.get("duration") or 0,
                        existing["status"] if keep else status,
                        stamp,
                        uuid,
                    ),
                )
            if download_token:
                conn.execute(
                    "UPDATE recordings SET download_token = ?, token_received_at = ? WHERE uuid = ?",
                    (download_token, stamp, uuid),
                )
        row = self.get(uuid)
        assert row is not None
        return row

    def update(self, uuid: str, **fields: Any) -> None:
        """Set columns of one row (`steps` as a dict)."""
        if "steps" in fields:
            fields["steps"] = json.dumps(fields["steps"])
        fields["updated_at"] = now_iso()
        names = ", ".join(f"{name} = ?" for name in fields)
        with self.transaction() as conn:
            conn.execute(f"UPDATE recordings SET {names} WHERE uuid = ?", (*fields.values(), uuid))

    def set_step(self, uuid: str, step: str, status: str) -> None:
        """Record the status of one step (download, process, publish, trash)."""
        with self.transaction() as conn:
            row = conn.execute("SELECT steps FROM recordings WHERE uuid = ?", (uuid,)).fetchone()
            steps = json.loads(row["steps"] or "{}") if row else {}
            steps[step] = status
            conn.execute(
                "UPDATE recordings SET steps = ?, updated_at = ? WHERE uuid = ?",
                (json.dumps(steps), now_iso(), uuid),
            )

    def requeue(self, uuid: str) -> RecordingRow:
        """Put one recording back in the queue with its attempts reset (`pipeline retry`).
        Raises UsageError when the UUID is unknown."""
        row = self.get(uuid)
        if row is None:
            raise UsageError(
                f"no recording {uuid} in the state database {self.path}",
                hint="`pipeline status` lists the UUIDs it knows",
            )
        self.update(uuid, status="queued", attempts=0, last_error=None)
        return self.get(uuid)  # type: ignore[return-value]

    # -- watermark --------------------------------------------------------------------------
    def watermark(self) -> datetime | None:
        """Start time up to which every matching recording has finished, or None."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'watermark'").fetchone()
        return datetime.fromisoformat(row["value"]) if row else None

    def set_watermark(self, moment: datetime) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('watermark', ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (moment.astimezone(UTC).isoformat(timespec="seconds"),),
            )
