"""`pipeline beat`: the schedule of the distributed batch (Celery beat)."""

from __future__ import annotations

import click

from pipeline.batch.cluster import run_beat
from pipeline.cli.invocation import invoke
from pipeline.cli.options import config_options


@click.command("beat")
@config_options
def beat_command(**_options):
    """Run Celery beat for the distributed batch: the nightly listing of new Zoom recordings
    at batch.schedule (cron, UTC; default `0 2 * * *`) and, every 15 minutes, the publishes
    the YouTube quota deferred whose reset has passed. Run one beat per cluster (the
    single-machine batch uses cron or a systemd timer instead, see the README)."""
    run_beat(invoke().settings)
