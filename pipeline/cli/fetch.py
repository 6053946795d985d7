"""`pipeline fetch MEETING`: download one Zoom meeting's video, chat and transcript."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.common import config_options, display_options, resolve_settings, setup_logging
from pipeline.services.zoom import ZoomClient
from pipeline.zoom.fetch import fetch_recording


@click.command("fetch")
@click.argument("meeting")
@config_options
@display_options
def fetch_command(meeting, config, out, quiet, as_json, debug):
    """Download the recording of MEETING (a meeting ID, or an instance UUID) without
    processing it.

    The one video chosen by view preference (screen share with speaker first) goes to
    OUT/zoom/<date>-<topic>-<id>.mp4; the chat and Zoom's transcript go into the work folder
    `pipeline run` uses for it. An interrupted download resumes from where it stopped.
    Needs ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET.
    """
    import json

    setup_logging(debug)
    settings = resolve_settings(config, out)
    client = ZoomClient(settings.zoom)
    fetched = fetch_recording(client, client.get_meeting(meeting), Path(settings.general.out))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "uuid": fetched.meeting.uuid,
                    "topic": fetched.meeting.topic,
                    "video": str(fetched.video),
                    "recording_type": fetched.video_file.recording_type,
                    "workdir": str(fetched.workdir),
                    "companions": {k: str(v) for k, v in fetched.companions.items()},
                },
                indent=2,
            )
        )
        return
    click.echo(str(fetched.video))
    if quiet:
        return
    click.echo(f"  {fetched.meeting.topic} ({fetched.video_file.recording_type})")
    for path in fetched.companions.values():
        click.echo(f"  {path}")
    click.echo(f"next: pipeline run {fetched.video} --out {settings.general.out}")
