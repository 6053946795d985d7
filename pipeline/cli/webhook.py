"""`pipeline webhook --port N`: receive Zoom's recording.completed events."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import click

from pipeline.batch.ledger import StateDB, state_db_path
from pipeline.batch.lock import BatchLock, batch_lock_path
from pipeline.batch.webhook import make_server
from pipeline.cli.common import config_options, resolve_settings, setup_logging
from pipeline.errors import PipelineError
from pipeline.settings import Settings


def _batch_worker(
    settings: Settings, state_path: Path, wake: threading.Event, echo: Callable[[str], None]
) -> None:
    """Run the batch each time `wake` is set; a batch already running will not see the new
    row (it listed before), so the next wake-up or night picks it up."""
    from pipeline.batch.nightly import Batch
    from pipeline.services.zoom import ZoomClient

    while True:
        wake.wait()
        wake.clear()
        try:
            with BatchLock(batch_lock_path(state_path)):
                report = Batch(settings, ZoomClient(settings.zoom), StateDB(state_path)).run()
            for outcome in report.outcomes:
                echo(
                    f"{outcome.result}: {outcome.topic} {outcome.video_url or outcome.error or ''}"
                )
        except PipelineError as exc:
            echo(f"batch not run: {exc.one_line()}")


@click.command("webhook")
@click.option("--port", type=int, default=8080, show_default=True, help="Port to listen on.")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option(
    "--process",
    is_flag=True,
    help="Run the batch (download, stages, publish) as soon as a recording is queued, "
    "instead of leaving it to the nightly `pipeline batch`.",
)
@config_options
@click.option("--debug", is_flag=True, help="Log every request.")
def webhook_command(port, host, process, config, out, debug):
    """Receive Zoom webhooks: answer the endpoint URL validation, verify each call's
    x-zm-signature with the app's secret token (ZOOM_WEBHOOK_SECRET_TOKEN), and queue every
    `recording.completed` meeting that the topic/length filter takes in the state database.
    The next `pipeline batch` (or, with --process, this command at once) processes the
    queue, downloading with the event's download token.

    Put it behind an HTTPS reverse proxy; Zoom only calls https:// endpoints.
    """
    setup_logging(debug)
    settings = resolve_settings(config, out)
    path = state_db_path(settings)
    StateDB(path).close()  # fail now, not on the first event, if it cannot be opened
    wake = threading.Event()

    def queued(uuid: str) -> None:
        click.echo(f"queued {uuid}")
        wake.set()

    server = make_server(settings, path, host, port, on_queued=queued)
    if process:
        threading.Thread(
            target=_batch_worker, args=(settings, path, wake, click.echo), daemon=True
        ).start()
    click.echo(f"listening on http://{host}:{server.server_address[1]}/ (state: {path})")
    try:
        server.serve_forever()
    finally:
        server.server_close()
