"""`pipeline worker`: a Celery worker of the distributed batch."""

from __future__ import annotations

import click

from pipeline.batch.cluster import QUEUES, default_worker_queues, run_worker
from pipeline.cli.invocation import invoke
from pipeline.cli.options import config_options
from pipeline.errors import UsageError


def _parse_queues(value: str | None) -> list[str]:
    if not value:
        return default_worker_queues()
    queues = [q.strip() for q in value.split(",") if q.strip()]
    unknown = sorted(set(queues) - set(QUEUES))
    if unknown:
        raise UsageError(
            f"unknown queue(s) {', '.join(unknown)}", hint=f"choose from {', '.join(QUEUES)}"
        )
    return queues


@click.command("worker")
@click.option(
    "--queues",
    "-Q",
    default=None,
    metavar="Q1,Q2",
    help="Queues to take tasks from: fetch, cpu, gpu, publish "
    "(default: fetch,cpu,publish, plus gpu where CUDA is present).",
)
@click.option(
    "--concurrency", "-c", type=click.IntRange(min=1), default=1, show_default=True,
    help="Tasks this worker runs at once (the machine's cores are shared between them).",
)
@click.option("--name", "-n", default=None, help="Worker name (default: queues@hostname).")
@click.option("--beat", is_flag=True, help="Also run Celery beat (the nightly schedule) here.")
@config_options
def worker_command(queues, concurrency, name, beat, **_options):
    """Run a worker of the distributed batch (Celery 5, Redis broker PIPELINE_BROKER_URL).

    \b
    Each recording is one chain: fetch -> (transcribe || screen pass) -> chapters, scan,
    redact, thumbnail, describe -> publish. Queues: fetch (network), cpu, gpu (transcription
    where CUDA exists), publish (YouTube). general.out must be the same shared folder on
    every worker; the ledger is PIPELINE_STATE_DB. Stops on SIGTERM after the running tasks.
    """
    cmd = invoke()
    run_worker(cmd.settings, _parse_queues(queues), concurrency=concurrency, name=name, beat=beat)
