"""`pipeline fetch MEETING`: download one Zoom meeting's video, chat and transcript."""

from __future__ import annotations

import click

from pipeline.cli.invocation import invoke
from pipeline.cli.options import config_options, display_options
from pipeline.zoom.fetch import fetch_meeting


@click.command("fetch")
@click.argument("meeting")
@config_options
@display_options
def fetch_command(meeting, **_options):
    """Download the recording of MEETING (a meeting ID, or an instance UUID) without
    processing it.

    The one video chosen by view preference (screen share with speaker first) goes to
    OUT/zoom/<date>-<topic>-<id>.mp4; the chat and Zoom's transcript go into the work folder
    `pipeline run` uses for it. An interrupted download resumes from where it stopped.
    Needs ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET.
    """
    cmd = invoke()
    fetched = fetch_meeting(cmd.settings, meeting)
    if cmd.as_json:
        cmd.echo_json(fetched.to_dict())
        return
    click.echo(str(fetched.video))
    if cmd.quiet:
        return
    click.echo(f"  {fetched.meeting.topic} ({fetched.video_file.recording_type})")
    for path in fetched.companions.values():
        click.echo(f"  {path}")
    click.echo(f"next: pipeline run {fetched.video} --out {cmd.out_root}")
