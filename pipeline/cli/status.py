"""`pipeline status` and `pipeline retry UUID`: what the batch's ledger knows."""

from __future__ import annotations

import click

from pipeline.batch.board import FAILED, TaskBoard, wait_for_cluster, where
from pipeline.batch.ledger import open_ledger, step_summary
from pipeline.cli.invocation import invoke
from pipeline.cli.options import config_options
from pipeline.cli.output import ledger_lines
from pipeline.errors import BatchIncompleteError


@click.command("status")
@config_options
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@click.option(
    "--wait",
    is_flag=True,
    help="Distributed batch: return when every recording it enqueued has finished or failed "
    "(exit 0, or 20 when some failed); a publish waiting for the quota reset does not hold it.",
)
@click.option(
    "--timeout", type=float, default=None, metavar="SECONDS", help="Give up waiting after this."
)
def status_command(wait, timeout, **_options):
    """List the recordings in the batch's state database: status, where each one is on the
    workers of a distributed batch (queued, running on which worker, done, failed, waiting
    for quota until when), last step, attempts, YouTube link and last error. The database is
    PIPELINE_STATE_DB (default OUT/state.db)."""
    cmd = invoke()
    state = open_ledger(cmd.settings, must_exist=True)
    if wait:
        try:
            progress = wait_for_cluster(state, timeout=timeout)
        except TimeoutError as exc:
            raise BatchIncompleteError(f"gave up waiting: {exc}", hint="`pipeline status`") from None
        rows, runs = progress.rows, progress.runs
    else:
        rows, runs = state.rows(), TaskBoard(state).runs()
    watermark = state.watermark()
    if cmd.as_json:
        cmd.echo_json(
            {
                "watermark": watermark.isoformat() if watermark else None,
                "recordings": [
                    {
                        **row.public_dict(),
                        "where": where(runs.get(row.uuid, [])),
                        "tasks": [run.public_dict() for run in runs.get(row.uuid, [])],
                    }
                    for row in rows
                ],
            }
        )
    else:
        places = {uuid: where(task_runs) for uuid, task_runs in runs.items()}
        ledger_lines(state.path, watermark, rows, step_summary, places=places or None)
    failed = [row for row in rows if row.status in FAILED]
    if wait and failed:
        raise BatchIncompleteError(
            f"{len(failed)} of {len(rows)} recording(s) failed or held for review",
            hint="`pipeline retry UUID` re-queues one; the next batch retries the others",
        )


@click.command("retry")
@click.argument("uuid")
@config_options
def retry_command(uuid, **_options):
    """Put recording UUID (see `pipeline status`) back in the queue with its attempts reset;
    the next `pipeline batch` processes it again, resuming after the last finished step."""
    row = open_ledger(invoke().settings).requeue(uuid)
    click.echo(f"queued again: {row.topic} ({row.uuid})")
