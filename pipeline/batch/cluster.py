"""The Celery application of the distributed batch: Redis as the broker (and for the chord
that joins transcription and the screen pass), one queue per resource, and the chain of
tasks that is one recording:

    fetch -> (transcribe || screen_pass) -> late_stages -> publish

Queues: `fetch` (network), `cpu` (the screen pass and the stages after it), `gpu`
(transcription where CUDA exists; `cpu` takes it when no worker listens on `gpu`) and
`publish` (YouTube). Tasks are acknowledged only when they end (`acks_late`), and a task
whose worker process dies is handed to another worker, so every task must be idempotent:
the ledger and the work folder (under `general.out`, seen by every worker) say what is done.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, chain, group
from celery.schedules import crontab
from kombu import Queue

from pipeline.errors import ConfigError
from pipeline.settings import Settings

log = logging.getLogger(__name__)

QUEUES = ("fetch", "cpu", "gpu", "publish")
#: task name -> the queue it goes to (transcribe: `gpu` or `cpu`, decided when enqueueing)
ROUTES = {
    "fetch": "fetch",
    "transcribe": "gpu",
    "screen_pass": "cpu",
    "late_stages": "cpu",
    "publish": "publish",
    "list_new": "fetch",
    "release_deferred": "publish",
}

app = Celery("pipeline", include=["pipeline.batch.tasks"])


def broker_url(settings: Settings) -> str:
    """The broker URL (setting batch.broker_url, PIPELINE_BROKER_URL). Raises ConfigError
    when it is not set."""
    url = settings.batch.broker_url
    if not url:
        raise ConfigError(
            "the distributed batch needs a Redis broker: batch.broker_url is not set",
            hint="set PIPELINE_BROKER_URL=redis://HOST:6379/0 (or [batch] broker_url)",
        )
    return url


def schedule(expression: str) -> crontab:
    """A five-field cron expression (`m h dom mon dow`) as Celery beat's schedule."""
    fields = expression.split()
    if len(fields) != 5:
        raise ConfigError(
            f"batch.schedule {expression!r} is not a cron expression",
            hint="five fields: minute hour day-of-month month day-of-week, e.g. `0 2 * * *`",
        )
    minute, hour, day_of_month, month_of_year, day_of_week = fields
    return crontab(minute, hour, day_of_week, day_of_month, month_of_year)


def configure(settings: Settings, celery: Celery = app) -> Celery:
    """Point the app at the broker of `settings` and set what every worker relies on."""
    url = broker_url(settings)
    transport = {
        # a task not acknowledged this long after delivery is handed to another worker: it
        # must outlast the longest task (the claim keeps a second delivery from working twice)
        "visibility_timeout": settings.batch.visibility_timeout,
        "unacked_restore_interval": max(1, min(10, settings.batch.visibility_timeout // 4)),
        "unacked_restore_throttle": 1,
    }
    celery.conf.update(
        broker_url=url,
        result_backend=url,
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        broker_connection_retry_on_startup=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_queues=[Queue(name) for name in QUEUES],
        task_default_queue="cpu",
        task_routes={f"pipeline.{name}": {"queue": q} for name, q in ROUTES.items()},
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=7 * 24 * 3600,
        timezone="UTC",
        beat_schedule={
            "nightly listing": {
                "task": "pipeline.list_new",
                "schedule": schedule(settings.batch.schedule),
            },
            "deferred publishes": {
                "task": "pipeline.release_deferred",
                "schedule": 15 * 60.0,
            },
        },
    )
    celery.pipeline_settings = settings  # type: ignore[attr-defined]
    return celery


def gpu_worker_listening(celery: Celery = app, timeout: float = 1.0) -> bool:
    """True when some live worker consumes the `gpu` queue."""
    replies = celery.control.inspect(timeout=timeout).active_queues() or {}
    return any(q.get("name") == "gpu" for queues in replies.values() for q in queues)


def transcribe_queue(settings: Settings, celery: Celery = app) -> str:
    """Where transcription goes: batch.transcribe_queue, or with `auto` the `gpu` queue when
    a worker listens there, else `cpu`."""
    choice = settings.batch.transcribe_queue
    if choice != "auto":
        return choice
    return "gpu" if gpu_worker_listening(celery) else "cpu"


def task_signature(name: str, uuid: str, options: dict[str, Any], celery: Celery = app):
    """An immutable signature of task `pipeline.<name>` for one recording, on its queue."""
    return celery.signature(
        f"pipeline.{name}", args=(uuid, options), immutable=True, queue=ROUTES[name]
    )


def recording_chain(uuid: str, options: dict[str, Any], transcribe_on: str):
    """The Celery canvas of one recording (a chain whose middle is a chord)."""
    return chain(
        task_signature("fetch", uuid, options),
        group(
            task_signature("transcribe", uuid, options).set(queue=transcribe_on),
            task_signature("screen_pass", uuid, options),
        ),
        task_signature("late_stages", uuid, options),
        task_signature("publish", uuid, options),
    )


def default_worker_queues() -> list[str]:
    """The queues a worker takes when none are named: all but `gpu`, and `gpu` too where
    CUDA is present."""
    queues = ["fetch", "cpu", "publish"]
    try:
        import ctranslate2

        if ctranslate2.get_cuda_device_count() > 0:
            queues.insert(2, "gpu")
    except (ImportError, RuntimeError):
        pass
    return queues


def run_worker(
    settings: Settings,
    queues: list[str],
    *,
    concurrency: int = 1,
    name: str | None = None,
    beat: bool = False,
    loglevel: str = "INFO",
) -> None:
    """Run a Celery worker on `queues` in this process until it is told to stop."""
    import os
    import socket

    celery = configure(settings)
    cores = len(os.sched_getaffinity(0))  # a worker pinned with taskset sees its own cores
    celery.pipeline_cores = max(1, cores // concurrency)  # type: ignore[attr-defined]
    argv = [
        "worker",
        f"--queues={','.join(queues)}",
        f"--concurrency={concurrency}",
        f"--hostname={name or '+'.join(queues) + '@' + socket.gethostname()}",
        f"--loglevel={loglevel}",
        "--without-gossip",
        "--without-mingle",
    ]
    if beat:
        argv += ["--beat", f"--schedule={os.path.join(settings.general.out, 'celerybeat-schedule')}"]
    celery.worker_main(argv)


def run_beat(settings: Settings, loglevel: str = "INFO") -> None:
    """Run Celery beat: the nightly listing at batch.schedule (cron, UTC) and the release of
    deferred publishes every 15 minutes. Run exactly one beat per cluster."""
    import os

    celery = configure(settings)
    os.makedirs(settings.general.out, exist_ok=True)
    celery.Beat(
        loglevel=loglevel,
        schedule=os.path.join(settings.general.out, "celerybeat-schedule"),
    ).run()
