"""`pipeline webhook --port N`: receive Zoom's recording.completed events."""

from __future__ import annotations

import click

from pipeline.cli.common import config_options, resolve_settings, setup_logging
from pipeline.services.zoom_webhook import make_server
from pipeline.state import StateDB, state_db_path


@click.command("webhook")
@click.option("--port", type=int, default=8080, show_default=True, help="Port to listen on.")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@config_options
@click.option("--debug", is_flag=True, help="Log every request.")
def webhook_command(port, host, config, out, debug):
    """Receive Zoom webhooks: answer the endpoint URL validation, verify each call's
    x-zm-signature with the app's secret token (ZOOM_WEBHOOK_SECRET_TOKEN), and queue every
    `recording.completed` meeting that the topic/length filter takes in the state database.
    The next `pipeline batch` processes the queue, using the event's download token.

    Put it behind an HTTPS reverse proxy; Zoom only calls https:// endpoints.
    """
    setup_logging(debug)
    settings = resolve_settings(config, out)
    path = state_db_path(settings)
    StateDB(path).close()  # fail now, not on the first event, if it cannot be opened
    server = make_server(
        settings, path, host, port, on_queued=lambda uuid: click.echo(f"queued {uuid}")
    )
    click.echo(f"listening on http://{host}:{server.server_address[1]}/ (state: {path})")
    try:
        server.serve_forever()
    finally:
        server.server_close()
