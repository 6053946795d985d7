"""The batch's memory between runs, and the truth about what was published: a database (a
SQLite file by default, PostgreSQL with `PIPELINE_STATE_DB=postgresql://…`) with one row per
Zoom meeting UUID (the file chosen, where it went, each step's status, attempts, the last
error, the YouTube upload session from before its first byte, the video ID from the moment
YouTube returns it) and the watermark (start time up to which every recording is finished).
Its schema is the ordered migrations of `pipeline.batch.migrations`, applied when it is
opened.

Statuses of a recording: `queued` (to do), `waiting` (Zoom still processing it), `running`,
`failed` (transient: retried on a later run), `permanent` (marked; needs a person, or
`pipeline retry`), `deferred` (the distributed batch's publish waits for the YouTube quota
to reset), `done` (published). Steps: download, process, publish, trash."""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.batch.ledger_db import (
    ClaimTaken,
    PostgresDatabase,
    SqliteDatabase,
    is_postgres,
    open_database,
)
from pipeline.batch.migrations import migrate
from pipeline.errors import UsageError
from pipeline.services.zoom import ZoomClient
from pipeline.settings import Settings
from pipeline.youtube.inputs import video_url
from pipeline.zoom.recordings import ZoomMeeting

STEPS = ("download", "process", "publish", "trash")
OPEN_STATUSES = ("queued", "waiting", "running", "failed", "deferred")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def state_db_path(settings: Settings) -> Path:
    """Where the SQLite state database lives: setting zoom.state_db (PIPELINE_STATE_DB),
    else `<general.out>/state.db`. (A PostgreSQL ledger has no path: `ledger_location`.)"""
    return Path(settings.zoom.state_db or Path(settings.general.out) / "state.db")


def ledger_location(settings: Settings) -> str | Path:
    """The ledger: a `postgresql://` URL (PIPELINE_STATE_DB), else the SQLite file."""
    if is_postgres(settings.zoom.state_db):
        return settings.zoom.state_db
    return state_db_path(settings)


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
    #: JSON of the open YouTube upload session (its URI lets anyone upload: never shown)
    upload_session: str | None = None

    @classmethod
    def from_sql(cls, row: Mapping[str, Any]) -> RecordingRow:
        data = dict(row)
        data["steps"] = json.loads(data["steps"] or "{}")
        return cls(**data)

    @property
    def meeting(self) -> dict[str, Any] | None:
        return json.loads(self.meeting_json) if self.meeting_json else None

    @property
    def session(self) -> dict[str, Any] | None:
        return json.loads(self.upload_session) if self.upload_session else None

    def public_dict(self) -> dict[str, Any]:
        """The row without the meeting JSON, the download token and the upload session
        (whose URI lets anyone upload): never printed."""
        hidden = ("meeting_json", "download_token", "upload_session")
        return {k: v for k, v in self.__dict__.items() if k not in hidden}


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
    location = ledger_location(settings)
    if must_exist and isinstance(location, Path) and not location.exists():
        raise UsageError(
            f"no state database at {location}: no batch has run with these settings",
            hint="set PIPELINE_STATE_DB (or zoom.state_db, or --out) as the batch has it",
        )
    return StateDB(location)


class StateDB:
    """The state database (SQLite file or PostgreSQL, see ledger_db), its schema brought up
    to date when opened (see migrations). Every method commits its own short transaction, so
    a webhook receiver, a batch and the workers of a cluster can share it."""

    def __init__(self, location: str | Path):
        self.conn = open_database(location)
        #: the SQLite file, or the PostgreSQL URL without its password
        self.path = self.conn.path
        migrate(self.conn)

    def close(self) -> None:
        self.conn.close()

    def first_sighting(self, digest: str) -> bool:
        """Record a webhook call by its digest. False when it was seen before (a replay)."""
        cur = self.conn.execute(
            "INSERT INTO webhook_events (digest, seen_at) VALUES (?, ?)"
            " ON CONFLICT (digest) DO NOTHING",
            (digest, now_iso()),
        )
        return cur.rowcount == 1

    def transaction(
        self, key: str | None = None
    ) -> AbstractContextManager[SqliteDatabase | PostgresDatabase]:
        """A transaction; with `key` (a UUID) no other one with that key runs at once."""
        return self.conn.transaction(key)

    def claim(self, key: str) -> AbstractContextManager[None]:
        """Hold the claim on `key` for a block of work. Raises ClaimTaken at once when a live
        process holds it; released when the holder dies."""
        return self.conn.claim(key)

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
        with self.transaction(uuid) as conn:
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
                    "done",
                    "permanent",
                    "running",
                    "failed",
                    "held",
                    "deferred",
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
        with self.transaction(uuid) as conn:
            row = conn.execute("SELECT steps FROM recordings WHERE uuid = ?", (uuid,)).fetchone()
            steps = json.loads(row["steps"] or "{}") if row else {}
            steps[step] = status
            conn.execute(
                "UPDATE recordings SET steps = ?, updated_at = ? WHERE uuid = ?",
                (json.dumps(steps), now_iso(), uuid),
            )

    def set_upload_session(self, uuid: str, session: dict[str, Any] | None) -> None:
        """Record the recording's open upload session (None: there is none)."""
        self.update(uuid, upload_session=json.dumps(session) if session else None)

    def set_video(self, uuid: str, video_id: str, video_url: str) -> None:
        """Record the recording's YouTube video and forget its upload session, at once."""
        self.update(uuid, video_id=video_id, video_url=video_url, upload_session=None)

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


__all__ = ["ClaimTaken", "RecordingRow", "StateDB", "ledger_location", "open_ledger"]


class RowLedger:
    """The publisher's ledger (`pipeline.youtube.publisher.PublishLedger`): the recording's
    row, which learns the upload session and the video ID the moment each is known."""

    def __init__(self, state: StateDB, uuid: str):
        self.state, self.uuid = state, uuid

    def recorded(self) -> tuple[str | None, dict | None]:
        row = self.state.get(self.uuid)
        return (row.video_id, row.session) if row else (None, None)

    def session_opened(self, session: dict | None) -> None:
        self.state.set_upload_session(self.uuid, session)

    def video_known(self, video_id: str) -> None:
        self.state.set_video(self.uuid, video_id, video_url(video_id))


#: a webhook's download token lives 24 h; after this the app's own token is used
DOWNLOAD_TOKEN_TTL = timedelta(hours=23)


def meeting_and_token(row: RecordingRow, zoom: ZoomClient) -> tuple[ZoomMeeting, str | None]:
    """The meeting as the ledger has it (asked from Zoom when only a webhook knew it) and a
    webhook's download token while it is still valid."""
    data = row.meeting
    if row.source == "webhook" and row.download_token and row.token_received_at:
        received = datetime.fromisoformat(row.token_received_at)
        if datetime.now(UTC) - received < DOWNLOAD_TOKEN_TTL and data:
            return ZoomMeeting.from_json(data), row.download_token
    if data is None or row.source != "batch":
        return zoom.get_meeting(row.uuid), None
    return ZoomMeeting.from_json(data), None
