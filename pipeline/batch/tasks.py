"""The Celery tasks of the distributed batch: thin wrappers that claim (recording, task),
say in the ledger where the recording is, run one method of `RecordingJob`, and record a
failure the way the single-machine batch does (retryable -> `failed`, retried by the next
batch until zoom.max_attempts; otherwise `permanent`)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from celery import Task

from pipeline.batch.board import ClaimTaken, TaskBoard
from pipeline.batch.cluster import app, broker_url
from pipeline.batch.ledger import StateDB, ledger_location
from pipeline.batch.quota import QuotaBudget
from pipeline.batch.ratelimit import ClusterZoomGate
from pipeline.batch.recording_job import JobOptions, RecordingJob
from pipeline.errors import PipelineError, SecretsHeldError
from pipeline.services.zoom import ZoomClient
from pipeline.settings import Settings, load_settings

log = logging.getLogger(__name__)

#: seconds before a task that found its work claimed by a live worker looks again
CLAIM_RETRY_S = 30


def worker_settings() -> Settings:
    """The settings this worker was started with (`pipeline worker`), else resolved from
    the environment and ./pipeline.toml (`celery -A pipeline.batch.tasks`)."""
    settings = getattr(app, "pipeline_settings", None)
    if settings is None:
        settings = load_settings()
        app.pipeline_settings = settings  # type: ignore[attr-defined]
    return settings


def worker_cores() -> int:
    """CPU cores one task may use: the machine's cores shared by the worker's processes."""
    return int(getattr(app, "pipeline_cores", 0)) or max(
        1, (os.cpu_count() or 1) // max(1, int(app.conf.worker_concurrency or 1))
    )


def error_text(exc: BaseException) -> str:
    if isinstance(exc, PipelineError):
        return f"{type(exc).__name__}: {exc.one_line()}"
    return f"{type(exc).__name__}: {exc}"


def _record_failure(
    state: StateDB, board: TaskBoard, uuid: str, task: str, exc: Exception, max_attempts: int
) -> None:
    row = state.get(uuid)
    if row is None:
        return
    text = error_text(exc)
    retryable = bool(getattr(exc, "retryable", False)) or not isinstance(exc, PipelineError)
    permanent = not retryable or row.attempts >= max_attempts
    if retryable and permanent:
        text += f" (gave up after {row.attempts} attempts)"
    step = {"fetch": "download", "publish": "publish"}.get(task, "process")
    state.set_step(uuid, step, "failed")
    state.update(uuid, status="permanent" if permanent else "failed", last_error=text)
    board.failed(uuid, task, text)


def run_task(task: Task, name: str, uuid: str, options: dict[str, Any] | None,
             work: Callable[[RecordingJob], Any]) -> Any:
    """Run `work` as task `name` of recording `uuid` on this worker. Returns what it
    returns, or "skipped" when the recording is already done."""
    settings = worker_settings()
    url = broker_url(settings)
    state = StateDB(ledger_location(settings))
    board = TaskBoard(state)
    gate = ClusterZoomGate(url)
    budget = QuotaBudget(url, settings.youtube.daily_quota)
    worker = f"{task.request.hostname or 'local'} pid {os.getpid()}"
    try:
        with board.claim(uuid, name):
            row = state.get(uuid)
            # done, given up, or failed in a sibling task (the next batch enqueues it anew)
            if row is not None and row.status in ("done", "permanent", "failed", "held"):
                log.info("%s of %s: the recording is %s; nothing to do", name, uuid, row.status)
                return "skipped"
            board.started(uuid, name, worker)
            state.update(uuid, status="running")
            job = RecordingJob(
                settings,
                state,
                uuid,
                JobOptions.from_dict(options),
                zoom=ZoomClient(settings.zoom, gate=gate),
                budget=budget,
                cores=worker_cores(),
            )
            try:
                result = work(job)
            except SecretsHeldError as exc:
                # waits for a person (`pipeline scan --dismiss` or a redaction), then a retry
                state.set_step(uuid, "process", "held")
                state.update(uuid, status="held", last_error=exc.one_line())
                board.held(uuid, name, exc.one_line())
                return "held"
            except Exception as exc:
                _record_failure(state, board, uuid, name, exc, settings.zoom.max_attempts)
                raise
            if result != "deferred":
                board.finished(uuid, name)
            return result
    except ClaimTaken as exc:
        log.info("%s; looking again in %d s", exc, CLAIM_RETRY_S)
        raise task.retry(countdown=CLAIM_RETRY_S, max_retries=None) from None
    finally:
        state.close()
        gate.close()
        budget.close()


@app.task(name="pipeline.fetch", bind=True)
def fetch(self: Task, uuid: str, options: dict | None = None) -> str:
    run_task(self, "fetch", uuid, options, lambda job: job.fetch())
    return "fetched"


@app.task(name="pipeline.transcribe", bind=True)
def transcribe(self: Task, uuid: str, options: dict | None = None) -> str:
    run_task(self, "transcribe", uuid, options, lambda job: job.process("transcribe"))
    return "transcribed"


@app.task(name="pipeline.screen_pass", bind=True)
def screen_pass(self: Task, uuid: str, options: dict | None = None) -> str:
    run_task(self, "screen_pass", uuid, options, lambda job: job.process("screen_pass"))
    return "screen read"


@app.task(name="pipeline.late_stages", bind=True)
def late_stages(self: Task, uuid: str, options: dict | None = None) -> str:
    run_task(self, "late_stages", uuid, options, lambda job: job.process("late_stages"))
    return "processed"


@app.task(name="pipeline.publish", bind=True)
def publish(self: Task, uuid: str, options: dict | None = None) -> str:
    return run_task(self, "publish", uuid, options, lambda job: job.publish())


@app.task(name="pipeline.list_new")
def list_new() -> dict[str, int]:
    """Celery beat's nightly listing: what `pipeline batch --distributed` does."""
    from pipeline.batch.distributed import run_distributed_batch

    report = run_distributed_batch(worker_settings())
    return {"enqueued": sum(o.result == "enqueued" for o in report.outcomes)}


@app.task(name="pipeline.release_deferred")
def release_deferred() -> int:
    """Celery beat, every 15 min: queue the publishes the quota reset lets go ahead."""
    from pipeline.batch.distributed import release_due_publishes

    settings = worker_settings()
    state = StateDB(ledger_location(settings))
    try:
        return len(release_due_publishes(state))
    finally:
        state.close()
