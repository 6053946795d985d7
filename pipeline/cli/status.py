"""`pipeline status` and `pipeline retry UUID`: what the batch's state database knows."""

from __future__ import annotations

import json

import click

from pipeline.batch.board import ClusterProgress, TaskBoard, wait_for_cluster, where
from pipeline.batch.ledger import STEPS, StateDB, state_db_path
from pipeline.cli.common import config_options, resolve_settings
from pipeline.errors import BatchIncompleteError, UsageError


def _step_summary(steps: dict[str, str]) -> str:
    done = [s for s in STEPS if steps.get(s) == "done"]
    current = next((s for s in STEPS if steps.get(s) in ("running", "failed")), None)
    if current:
        return current
    return done[-1] if done else "-"


def _print(state: StateDB, rows, runs, as_json: bool) -> None:
    watermark = state.watermark()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "watermark": watermark.isoformat() if watermark else None,
                    "recordings": [
                        {
                            **{
                                k: v
                                for k, v in row.__dict__.items()
                                if k not in ("meeting_json", "download_token")
                            },
                            "where": where(runs.get(row.uuid, [])),
                            "tasks": [
                                {k: v for k, v in r.__dict__.items() if k not in ("uuid", "options")}
                                for r in runs.get(row.uuid, [])
                            ],
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
    columns = ["start", "topic", "status", "step", "tries", "youtube", "uuid", "error"]
    if runs:
        columns.insert(3, "where")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        cells = [
            row.start_time[:16].replace("T", " "),
            row.topic,
            row.status,
            _step_summary(row.steps),
            str(row.attempts),
            row.video_url or "",
            row.uuid,
            (row.last_error or "")[:120],
        ]
        if runs:
            cells.insert(3, where(runs.get(row.uuid, [])))
        table.add_row(*cells)
    Console(width=200).print(table)


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
def status_command(config, out, as_json, wait, timeout):
    """List the recordings in the batch's state database: status, where each one is on the
    workers of a distributed batch (queued, running on which worker, done, failed, waiting
    for quota until when), last step, attempts, YouTube link and last error. The database is
    PIPELINE_STATE_DB (default OUT/state.db)."""
    settings = resolve_settings(config, out)
    path = state_db_path(settings)
    if not path.exists():
        raise UsageError(
            f"no state database at {path}: no batch has run with these settings",
            hint="set PIPELINE_STATE_DB (or zoom.state_db, or --out) as the batch has it",
        )
    state = StateDB(path)
    if not wait:
        _print(state, state.rows(), TaskBoard(state).runs(), as_json)
        return
    try:
        progress: ClusterProgress = wait_for_cluster(state, timeout=timeout)
    except TimeoutError as exc:
        raise BatchIncompleteError(f"gave up waiting: {exc}", hint="`pipeline status`") from None
    _print(state, progress.rows, progress.runs, as_json)
    if progress.failed:
        raise BatchIncompleteError(
            f"{len(progress.failed)} of {len(progress.rows)} recording(s) failed",
            hint="`pipeline retry UUID` re-queues one; the next batch retries the others",
        )


@click.command("retry")
@click.argument("uuid")
@config_options
def retry_command(uuid, config, out):
    """Put recording UUID (see `pipeline status`) back in the queue with its attempts reset;
    the next `pipeline batch` processes it again, resuming after the last finished step."""
    settings = resolve_settings(config, out)
    row = StateDB(state_db_path(settings)).requeue(uuid)
    click.echo(f"queued again: {row.topic} ({row.uuid})")
