"""`pipeline status` and `pipeline retry UUID`: what the batch's ledger knows."""

from __future__ import annotations

import click

from pipeline.batch.ledger import open_ledger, step_summary
from pipeline.cli.invocation import invoke
from pipeline.cli.options import config_options
from pipeline.cli.output import ledger_lines


@click.command("status")
@config_options
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
def status_command(**_options):
    """List the recordings in the batch's state database: status, last step, attempts,
    YouTube link and last error. The database is PIPELINE_STATE_DB (default OUT/state.db)."""
    cmd = invoke()
    state = open_ledger(cmd.settings, must_exist=True)
    rows, watermark = state.rows(), state.watermark()
    if cmd.as_json:
        cmd.echo_json(
            {
                "watermark": watermark.isoformat() if watermark else None,
                "recordings": [row.public_dict() for row in rows],
            }
        )
        return
    ledger_lines(state.path, watermark, rows, step_summary)


@click.command("retry")
@click.argument("uuid")
@config_options
def retry_command(uuid, **_options):
    """Put recording UUID (see `pipeline status`) back in the queue with its attempts reset;
    the next `pipeline batch` processes it again, resuming after the last finished step."""
    row = open_ledger(invoke().settings).requeue(uuid)
    click.echo(f"queued again: {row.topic} ({row.uuid})")
