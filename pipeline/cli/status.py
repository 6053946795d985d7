"""`pipeline status` and `pipeline retry UUID`: what the batch's state database knows."""

from __future__ import annotations

import json

import click

from pipeline.batch.ledger import STEPS, StateDB, state_db_path
from pipeline.cli.common import config_options, resolve_settings
from pipeline.errors import UsageError


def _step_summary(steps: dict[str, str]) -> str:
    done = [s for s in STEPS if steps.get(s) == "done"]
    current = next((s for s in STEPS if steps.get(s) in ("running", "failed")), None)
    if current:
        return current
    return done[-1] if done else "-"


@click.command("status")
@config_options
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
def status_command(config, out, as_json):
    """List the recordings in the batch's state database: status, last step, attempts,
    YouTube link and last error. The database is PIPELINE_STATE_DB (default OUT/state.db)."""
    settings = resolve_settings(config, out)
    path = state_db_path(settings)
    if not path.exists():
        raise UsageError(
            f"no state database at {path}: no batch has run with these settings",
            hint="set PIPELINE_STATE_DB (or zoom.state_db, or --out) as the batch has it",
        )
    state = StateDB(path)
    rows = state.rows()
    watermark = state.watermark()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "watermark": watermark.isoformat() if watermark else None,
                    "recordings": [
                        {
                            k: v
                            for k, v in row.__dict__.items()
                            if k not in ("meeting_json", "download_token")
                        }
                        for row in rows
                    ],
                },
                indent=2,
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"{state.path} (watermark {watermark.isoformat() if watermark else 'none'})"
    )
    for column in ("start", "topic", "status", "step", "tries", "youtube", "uuid", "error"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row.start_time[:16].replace("T", " "),
            row.topic,
            row.status,
            _step_summary(row.steps),
            str(row.attempts),
            row.video_url or "",
            row.uuid,
            (row.last_error or "")[:120],
        )
    Console(width=200).print(table)


@click.command("retry")
@click.argument("uuid")
@config_options
def retry_command(uuid, config, out):
    """Put recording UUID (see `pipeline status`) back in the queue with its attempts reset;
    the next `pipeline batch` processes it again, resuming after the last finished step."""
    settings = resolve_settings(config, out)
    row = StateDB(state_db_path(settings)).requeue(uuid)
    click.echo(f"queued again: {row.topic} ({row.uuid})")
