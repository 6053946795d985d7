"""Where each recording of a distributed batch is: one row per recording and task (fetch,
transcribe, screen_pass, late_stages, publish) in the ledger, with its state (queued,
running, done, failed, deferred), the worker running it and, for a publish deferred by the
YouTube quota, when it may go ahead. `pipeline status` reads it; the tasks write it.

Claims: a task holds an exclusive claim on (recording, task) while it works, so a task that
Celery delivers a second time (after a worker died, or a visibility timeout passed while the
first was still running) waits instead of doing the work twice. With the SQLite ledger the
claim is an `flock` on a file beside the database (the kernel drops it when the holder dies);
the PostgreSQL ledger uses an advisory lock, which the server drops with the connection."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pipeline.batch.ledger import ClaimTaken, RecordingRow, StateDB

__all__ = ["ClaimTaken", "TaskBoard", "TaskRun", "where", "wait_for_cluster"]

#: the tasks of one recording, in the order they run (transcribe and screen_pass together)
TASKS = ("fetch", "transcribe", "screen_pass", "late_stages", "publish")
TASK_STATES = ("queued", "running", "done", "failed", "held", "deferred")
#: meta key: when the latest distributed batch began enqueueing (what `status --wait` waits on)
LAST_BATCH = "cluster_batch_started"
IN_FLIGHT = ("queued", "running")
FAILED = ("failed", "permanent", "held")



@dataclass
class TaskRun:
    uuid: str
    task: str
    state: str
    worker: str | None = None
    queue: str | None = None
    enqueued_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    deferred_until: str | None = None
    error: str | None = None
    #: the JSON options the chain was enqueued with (privacy, delete_from_zoom)
    options: str | None = None

    def public_dict(self) -> dict[str, str | None]:
        """What `pipeline status --json` shows of the run."""
        return {k: v for k, v in self.__dict__.items() if k not in ("uuid", "options")}


def stamp() -> str:
    """Now, to the millisecond (task rows time the queue between tasks)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class TaskBoard:
    """The task rows of the ledger `state`."""

    def __init__(self, state: StateDB):
        self.state = state

    # -- writes -----------------------------------------------------------------------------
    def enqueued(self, uuid: str, queues: dict[str, str], options: dict) -> None:
        """Every task of `uuid` queued anew (`queues`: task -> queue)."""
        now = stamp()
        with self.state.transaction(uuid) as conn:
            conn.execute("DELETE FROM task_runs WHERE uuid = ?", (uuid,))
            for task in TASKS:
                conn.execute(
                    "INSERT INTO task_runs (uuid, task, state, queue, enqueued_at, options)"
                    " VALUES (?, ?, 'queued', ?, ?, ?)",
                    (uuid, task, queues.get(task), now, json.dumps(options)),
                )

    def options(self, uuid: str) -> dict:
        """The options the recording's chain was enqueued with."""
        row = self.state.conn.execute(
            "SELECT options FROM task_runs WHERE uuid = ? AND task = 'fetch'", (uuid,)
        ).fetchone()
        return json.loads(row["options"]) if row and row["options"] else {}

    def requeued(self, uuid: str, task: str) -> None:
        """One task queued again (a deferred publish released)."""
        self._set(uuid, task, state="queued", enqueued_at=stamp(), deferred_until=None)

    def started(self, uuid: str, task: str, worker: str) -> None:
        self._set(uuid, task, state="running", worker=worker, started_at=stamp(),
                  finished_at=None, error=None)

    def finished(self, uuid: str, task: str) -> None:
        self._set(uuid, task, state="done", finished_at=stamp())

    def failed(self, uuid: str, task: str, error: str) -> None:
        self._set(uuid, task, state="failed", finished_at=stamp(), error=error)

    def held(self, uuid: str, task: str, why: str) -> None:
        """The secret policy holds the recording for a person's review."""
        self._set(uuid, task, state="held", finished_at=stamp(), error=why)

    def deferred(self, uuid: str, task: str, until: datetime) -> None:
        self._set(uuid, task, state="deferred", finished_at=None,
                  deferred_until=until.astimezone(UTC).isoformat(timespec="seconds"))

    def _set(self, uuid: str, task: str, **fields: object) -> None:
        names = ", ".join(f"{name} = ?" for name in fields)
        with self.state.transaction(uuid) as conn:
            cur = conn.execute(
                f"UPDATE task_runs SET {names} WHERE uuid = ? AND task = ?",
                (*fields.values(), uuid, task),
            )
            if cur.rowcount == 0:  # a task run outside an enqueued chain
                conn.execute(
                    "INSERT INTO task_runs (uuid, task) VALUES (?, ?)", (uuid, task)
                )
                conn.execute(
                    f"UPDATE task_runs SET {names} WHERE uuid = ? AND task = ?",
                    (*fields.values(), uuid, task),
                )

    def set_meta(self, key: str, value: str) -> None:
        with self.state.transaction() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- reads ------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.state.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def runs(self, uuid: str | None = None) -> dict[str, list[TaskRun]]:
        """Task rows by recording (tasks in chain order)."""
        sql = "SELECT * FROM task_runs"
        args: tuple[str, ...] = ()
        if uuid is not None:
            sql, args = sql + " WHERE uuid = ?", (uuid,)
        out: dict[str, list[TaskRun]] = {}
        for row in self.state.conn.execute(sql, args):
            out.setdefault(row["uuid"], []).append(TaskRun(**dict(row)))
        for runs in out.values():
            runs.sort(key=lambda r: TASKS.index(r.task) if r.task in TASKS else len(TASKS))
        return out

    def due_publishes(self, now: datetime | None = None) -> list[str]:
        """Recordings whose deferred publish may go ahead at `now` (the quota has reset)."""
        moment = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        rows = self.state.conn.execute(
            "SELECT uuid FROM task_runs WHERE task = 'publish' AND state = 'deferred'"
            " AND deferred_until <= ? ORDER BY deferred_until, uuid",
            (moment,),
        )
        return [r["uuid"] for r in rows]

    # -- claims -----------------------------------------------------------------------------
    def claim(self, uuid: str, task: str) -> contextlib.AbstractContextManager[None]:
        """Hold the exclusive claim on (uuid, task) for the block. Raises ClaimTaken at once
        when a live worker holds it."""
        return self.state.claim(f"task {task} of {uuid}")


def where(runs: list[TaskRun]) -> str:
    """One line saying where a recording is: the tasks running and on which worker, the
    publish waiting for the quota, the next task queued, or done."""
    running = [f"{r.task} on {r.worker}" for r in runs if r.state == "running"]
    if running:
        return "running " + ", ".join(running)
    for r in runs:
        if r.state == "failed":
            return f"failed in {r.task}"
        if r.state == "held":
            return "held for review (secrets on screen, in speech or chat)"
        if r.state == "deferred":
            return f"waiting for quota until {r.deferred_until}"
    queued = [r.task for r in runs if r.state == "queued"]
    if queued:
        return f"queued for {queued[0]}"
    return "done" if runs else "-"


@dataclass
class ClusterProgress:
    """The recordings of the latest distributed batch and where each one is."""

    rows: list[RecordingRow]
    runs: dict[str, list[TaskRun]] = field(default_factory=dict)

    @property
    def in_flight(self) -> list[RecordingRow]:
        return [r for r in self.rows if r.status in IN_FLIGHT]

    @property
    def failed(self) -> list[RecordingRow]:
        return [r for r in self.rows if r.status in FAILED]

    @property
    def deferred(self) -> list[RecordingRow]:
        return [r for r in self.rows if r.status == "deferred"]


def cluster_progress(state: StateDB) -> ClusterProgress:
    """The recordings the latest distributed batch enqueued (or released), with their tasks."""
    board = TaskBoard(state)
    since = board.get_meta(LAST_BATCH) or ""
    runs = board.runs()
    chosen = [
        row
        for row in state.rows()
        if row.uuid in runs
        and max((r.enqueued_at or "") for r in runs[row.uuid]) >= since
    ]
    return ClusterProgress(chosen, {r.uuid: runs[r.uuid] for r in chosen})


def wait_for_cluster(
    state: StateDB,
    *,
    timeout: float | None = None,
    interval: float = 1.0,
    on_change: Callable[[ClusterProgress], None] = lambda progress: None,
) -> ClusterProgress:
    """Poll the ledger until no recording of the latest distributed batch is queued or
    running (deferred ones wait for the quota reset: they do not hold the wait). Returns the
    final progress; raises TimeoutError after `timeout` seconds."""
    deadline = None if timeout is None else time.monotonic() + timeout
    seen: tuple = ()
    while True:
        progress = cluster_progress(state)
        key = tuple((r.uuid, r.status) for r in progress.rows)
        if key != seen:
            on_change(progress)
            seen = key
        if not progress.in_flight:
            return progress
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(
                f"{len(progress.in_flight)} recording(s) still queued or running"
            )
        time.sleep(interval)
