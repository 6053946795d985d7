"""The ledger's schema as a list of migrations, one schema for SQLite and PostgreSQL. Opening
the ledger applies the ones it has not seen, in order, in one transaction (PostgreSQL
serialises machines that open it at once with an advisory lock), and records each in
`schema_migrations`. A new column or table is a new migration at the end of the list; a
migration that has shipped is never edited.

Migration 1 is the schema the ledger had before migrations existed, with IF NOT EXISTS, so
a ledger made by an older version is taken over as it is."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.batch.ledger_db import PostgresDatabase, SqliteDatabase

#: (version, what it does, statements): SQL both databases understand
MIGRATIONS: list[tuple[int, str, tuple[str, ...]]] = [
    (
        1,
        "recordings, meta, webhook replays",
        (
            """CREATE TABLE IF NOT EXISTS recordings (
                uuid TEXT PRIMARY KEY,
                meeting_id BIGINT,
                topic TEXT NOT NULL DEFAULT '',
                start_time TEXT NOT NULL DEFAULT '',
                duration INTEGER NOT NULL DEFAULT 0,
                status TEXT NOT NULL DEFAULT 'queued',
                steps TEXT NOT NULL DEFAULT '{}',
                file_id TEXT,
                recording_type TEXT,
                file_size BIGINT,
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
            )""",
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS webhook_events"
            " (digest TEXT PRIMARY KEY, seen_at TEXT NOT NULL)",
        ),
    ),
    (
        2,
        "task_runs: where each recording of a distributed batch is",
        (
            """CREATE TABLE IF NOT EXISTS task_runs (
                uuid TEXT NOT NULL,
                task TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'queued',
                worker TEXT,
                queue TEXT,
                enqueued_at TEXT,
                started_at TEXT,
                finished_at TEXT,
                deferred_until TEXT,
                error TEXT,
                options TEXT,
                PRIMARY KEY (uuid, task)
            )""",
            "CREATE INDEX IF NOT EXISTS task_runs_state ON task_runs (task, state)",
        ),
    ),
    (
        3,
        "recordings.upload_session: the YouTube upload session, stored before its first byte",
        # JSON: uri, fingerprint, size, started_at; cleared when the video ID is stored
        ("ALTER TABLE recordings ADD COLUMN upload_session TEXT",),
    ),
]


def schema_version(db: SqliteDatabase | PostgresDatabase) -> int:
    """The newest migration applied (0 for an empty database)."""
    row = db.execute("SELECT MAX(version) AS v FROM schema_migrations").fetchone()
    return int(row["v"] or 0)


def migrate(db: SqliteDatabase | PostgresDatabase) -> list[int]:
    """Apply the migrations `db` has not seen. Returns their versions."""
    applied = []
    with db.transaction(key="pipeline ledger schema"):
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (version INTEGER PRIMARY KEY, what TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        seen = {r["version"] for r in db.execute("SELECT version FROM schema_migrations")}
        for version, what, statements in MIGRATIONS:
            if version in seen:
                continue
            for statement in statements:
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations (version, what, applied_at) VALUES (?, ?, ?)",
                (version, what, datetime.now(UTC).isoformat(timespec="seconds")),
            )
            applied.append(version)
    return applied
