"""`pipeline batch`: what cron runs nightly over new Zoom cloud recordings."""

from __future__ import annotations

import json
from datetime import date

import click

from pipeline.batch.ledger import StateDB, state_db_path
from pipeline.batch.lock import BatchLock, batch_lock_path
from pipeline.batch.nightly import Batch, BatchReport
from pipeline.cli.common import (
    config_options,
    display_options,
    make_reporter,
    resolve_settings,
    setup_logging,
)
from pipeline.errors import BatchIncompleteError, UsageError
from pipeline.services.zoom import ZoomClient


def _parse_since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since {value!r} is not a date", hint="use YYYY-MM-DD") from None


def print_report(report: BatchReport, *, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                {
                    "since": report.since.isoformat(),
                    "until": report.until.isoformat(),
                    "watermark": report.watermark.isoformat() if report.watermark else None,
                    "recordings": [o.__dict__ for o in report.outcomes],
                    "skipped": [{"topic": t, "reason": r} for t, r in report.skipped],
                },
                indent=2,
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Zoom recordings {report.since} .. {report.until}")
    for column in ("start", "topic", "result", "youtube / error"):
        table.add_column(column, overflow="fold")
    for o in report.outcomes:
        table.add_row(
            o.start_time[:16].replace("T", " "), o.topic, o.result, o.error or o.video_url or ""
        )
    console = Console(width=160)
    console.print(table)
    if report.skipped:
        console.print(
            f"{len(report.skipped)} listed meeting(s) not taken (topic, length or no video)"
        )
    if report.watermark:
        console.print(f"watermark: {report.watermark.isoformat()}")


@click.command("batch")
@click.option(
    "--since",
    default=None,
    metavar="YYYY-MM-DD",
    help="List recordings from this date instead of the watermark.",
)
@click.option("--dry-run", is_flag=True, help="Only list what would be processed; change nothing.")
@click.option(
    "--delete-from-zoom",
    is_flag=True,
    help="Move a recording to Zoom's trash once YouTube confirmed its upload.",
)
@click.option(
    "--privacy",
    type=click.Choice(["public", "unlisted", "private"]),
    default=None,
    help="YouTube privacy of new videos (default: the publish settings).",
)
@click.option(
    "--distributed",
    is_flag=True,
    help="Enqueue each recording for `pipeline worker`s (Celery, Redis at PIPELINE_BROKER_URL) "
    "instead of running it here; `pipeline status --wait` waits for them "
    "(setting batch.executor = \"celery\").",
)
@config_options
@display_options
def batch_command(
    since, dry_run, delete_from_zoom, privacy, distributed, config, out, quiet, as_json, debug
):
    """Process every new Zoom cloud recording: download, run all stages, publish to YouTube.

    \b
    Checks the Zoom and YouTube credentials first. Lists recordings since the watermark
    (the oldest unfinished one; --since overrides), takes those matching zoom.topic_pattern
    and zoom.min_duration, skips ones Zoom is still processing (next run), and publishes
    each exactly once. A failing recording does not stop the others: temporary failures are
    retried on later runs (zoom.max_attempts), others are marked; see `pipeline status`.
    Only one batch runs at a time. Exit code 0: all good; 20: some recording failed;
    21: another batch is running. With --distributed, exit 0 means every recording was
    enqueued; `pipeline status --wait` exits 0 or 20 when the workers are done.
    """
    setup_logging(debug)
    settings = resolve_settings(config, out)
    if settings.batch.executor not in ("local", "celery"):
        raise UsageError(
            f"batch.executor {settings.batch.executor!r} is neither local nor celery",
            hint="set [batch] executor = \"local\" (default) or \"celery\"",
        )
    distributed = distributed or settings.batch.executor == "celery"
    state_path = state_db_path(settings)
    state_path.parent.mkdir(parents=True, exist_ok=True)
    lock = BatchLock(batch_lock_path(state_path)).acquire()
    try:
        if lock.took_over and not quiet:
            click.echo(f"took over a stale lock ({lock.took_over})", err=True)
        options = dict(
            since=_parse_since(since),
            dry_run=dry_run,
            delete_from_zoom=delete_from_zoom,
            privacy=privacy,
            echo=(lambda line: None)
            if quiet or as_json
            else (lambda line: click.echo(line, err=True)),
        )
        if distributed:
            from pipeline.batch.distributed import enqueue_new_recordings

            report = enqueue_new_recordings(settings, **options)
        else:
            batch = Batch(
                settings,
                ZoomClient(settings.zoom),
                StateDB(state_path),
                reporter=make_reporter(quiet, as_json),
                **options,
            )
            report = batch.run()
    finally:
        lock.release()
    print_report(report, as_json=as_json)
    if report.failed:
        raise BatchIncompleteError(
            f"{len(report.failed)} of {len(report.outcomes)} recording(s) failed",
            hint="`pipeline status` shows the errors; `pipeline retry UUID` re-queues one",
        )
