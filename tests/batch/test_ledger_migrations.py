"""The ledger's schema comes from ordered migrations: a database made before they were
recorded is brought up to date in place, keeping its rows, and opening it again (or from two
connections) changes nothing."""

from __future__ import annotations

import sqlite3

from pipeline.batch.ledger import StateDB
from pipeline.batch.migrations import MIGRATIONS

#: the schema as the batch created it before migrations were recorded
OLD_SCHEMA = """
CREATE TABLE recordings (
    uuid TEXT PRIMARY KEY, meeting_id INTEGER, topic TEXT NOT NULL DEFAULT '',
    start_time TEXT NOT NULL DEFAULT '', duration INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'queued', steps TEXT NOT NULL DEFAULT '{}', file_id TEXT,
    recording_type TEXT, file_size INTEGER, local_path TEXT, workdir TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, video_id TEXT, video_url TEXT,
    meeting_json TEXT, download_token TEXT, token_received_at TEXT,
    source TEXT NOT NULL DEFAULT 'batch', created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO recordings (uuid, topic, status, video_id, created_at, updated_at)
    VALUES ('old==', 'Office Hours', 'done', 'vid-old', '2026-01-01', '2026-01-01');
INSERT INTO meta VALUES ('watermark', '2026-01-01T00:00:00+00:00');
"""


def _versions(path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [v for (v,) in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]


def test_an_old_database_is_migrated_in_place(tmp_path):
    path = tmp_path / "state.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA)
    state = StateDB(path)
    row = state.get("old==")
    assert (row.status, row.video_id, row.upload_session) == ("done", "vid-old", None)
    assert state.watermark() is not None
    state.set_upload_session("old==", {"uri": "http://upload/x", "size": 3})
    assert state.get("old==").session == {"uri": "http://upload/x", "size": 3}
    state.set_video("old==", "vid-new", "https://www.youtube.com/watch?v=vid-new")
    row = state.get("old==")
    assert (row.video_id, row.upload_session) == ("vid-new", None)
    assert _versions(path) == [v for v, _, _ in MIGRATIONS] == [1, 2, 3]


def test_migrations_apply_once(tmp_path):
    path = tmp_path / "state.db"
    first, second = StateDB(path), StateDB(path)  # two processes opening it, say
    StateDB(path).close()
    assert _versions(path) == [v for v, _, _ in MIGRATIONS]
    first.upsert_meeting({"uuid": "u", "topic": "t"}, status="queued")
    assert second.get("u").status == "queued"
