"""`pipeline webhook --port N`: receive Zoom's recording.completed events."""

from __future__ import annotations

import click

from pipeline.batch.webhook import serve_webhooks
from pipeline.cli.invocation import invoke
from pipeline.cli.options import config_options, debug_option


@click.command("webhook")
@click.option("--port", type=int, default=8080, show_default=True, help="Port to listen on.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (keep 127.0.0.1 behind a reverse proxy; 0.0.0.0 for all).",
)
@click.option(
    "--process",
    is_flag=True,
    help="Run the batch (download, stages, publish) as soon as a recording is queued, "
    "instead of leaving it to the nightly `pipeline batch`.",
)
@config_options
@debug_option
def webhook_command(port, host, process, **_options):
    """Receive Zoom webhooks: answer the endpoint URL validation, verify each call's
    x-zm-signature with the app's secret token (ZOOM_WEBHOOK_SECRET_TOKEN) before anything
    else, refuse replays and bodies over 256 KB, and queue every `recording.completed`
    meeting that the topic/length filter takes in the state database. The next
    `pipeline batch` (or, with --process, this command at once) processes the queue,
    downloading with the event's download token.

    Put it behind an HTTPS reverse proxy; Zoom only calls https:// endpoints.
    """
    cmd = invoke()
    server = serve_webhooks(cmd.settings, host, port, process=process, echo=click.echo)
    click.echo(f"listening on http://{host}:{server.server_address[1]}/")
    try:
        server.serve_forever()
    finally:
        server.server_close()
