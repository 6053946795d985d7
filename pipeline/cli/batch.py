"""`pipeline batch`: what cron runs nightly over new Zoom cloud recordings."""

from __future__ import annotations

import click

from pipeline.batch.nightly import run_batch
from pipeline.cli.invocation import invoke
from pipeline.cli.options import config_options, display_options, setting_option
from pipeline.cli.output import batch_report_lines
from pipeline.errors import BatchIncompleteError, UsageError


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
    help="YouTube privacy of new videos (default: setting youtube.privacy = private).",
)
@setting_option(
    "--distributed",
    setting="batch.executor",
    is_flag=True,
    to_setting=lambda on: "celery" if on else None,
    help="Enqueue each recording for `pipeline worker`s (Celery, Redis at PIPELINE_BROKER_URL) "
    "instead of running it here; `pipeline status --wait` waits for them "
    '(setting batch.executor = "celery").',
)
@config_options
@display_options
def batch_command(since, dry_run, delete_from_zoom, privacy, **_options):
    """Process every new Zoom cloud recording: download, run all stages, publish to YouTube.

    \b
    Checks the Zoom and YouTube credentials first. Lists recordings since the watermark
    (the oldest unfinished one; --since overrides), takes those matching zoom.topic_pattern
    and zoom.min_duration, skips ones Zoom is still processing (next run), and publishes
    each exactly once. Secrets are handled by scan.on_secret as in `pipeline run` (the
    meeting's chat is scanned too); with hold, a recording with findings waits for review.
    A failing recording does not stop the others: temporary failures are retried on later
    runs (zoom.max_attempts), others are marked; see `pipeline status`.
    Only one batch runs at a time. Exit code 0: all good; 20: some recording failed;
    21: another batch is running. With --distributed, exit 0 means every recording was
    enqueued; `pipeline status --wait` exits 0 or 20 once the workers are done.
    """
    cmd = invoke()
    quiet = cmd.quiet or cmd.as_json
    executor = cmd.settings.batch.executor
    if executor not in ("local", "celery"):
        raise UsageError(
            f"batch.executor {executor!r} is neither local nor celery",
            hint='set [batch] executor = "local" (the default) or "celery"',
        )
    runner = run_batch
    if executor == "celery":
        from pipeline.batch.distributed import run_distributed_batch as runner
    report = runner(
        cmd.settings,
        since=since,
        dry_run=dry_run,
        delete_from_zoom=delete_from_zoom,
        privacy=privacy,
        reporter=cmd.reporter,
        echo=(lambda line: None) if quiet else (lambda line: click.echo(line, err=True)),
    )
    if report.took_over_lock and not cmd.quiet:
        click.echo(f"took over a stale lock ({report.took_over_lock})", err=True)
    if cmd.as_json:
        cmd.echo_json(report.to_dict())
    else:
        batch_report_lines(report)
    if report.failed:
        raise BatchIncompleteError(
            f"{len(report.failed)} of {len(report.outcomes)} recording(s) failed or held for review",
            hint="`pipeline status` shows the errors; `pipeline retry UUID` re-queues one",
        )
