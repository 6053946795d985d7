"""`pipeline lockdown VIDEO_ID` and `pipeline republish VIDEO_ID WORKDIR`: leak response."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.invocation import invoke
from pipeline.cli.options import (
    VideoIdCommand,
    config_options,
    debug_option,
    display_options,
    dry_run_option,
)
from pipeline.cli.output import echo_lines, privacy_change_lines, publish_lines
from pipeline.workspace import resolve_workdir
from pipeline.youtube.inputs import PRIVACIES
from pipeline.youtube.leak_response import lockdown, republish
from pipeline.youtube.leak_response import restore as restore_privacy


@click.command("lockdown", cls=VideoIdCommand)
@click.argument("video_id")
@dry_run_option
@config_options
@debug_option
def lockdown_command(video_id, dry_run, **_options):
    """Make VIDEO_ID private immediately (a live broadcast too) and record its previous
    privacy, for `pipeline republish` or `pipeline republish --restore`."""
    echo_lines(privacy_change_lines(lockdown(video_id, invoke().settings, dry_run=dry_run)))


@click.command("republish", cls=VideoIdCommand)
@click.argument("video_id")
@click.argument("target", metavar="WORKDIR", required=False, type=click.Path(path_type=Path))
@click.option(
    "--restore",
    is_flag=True,
    help="False alarm: give VIDEO_ID back the privacy it had before `pipeline lockdown` "
    "instead of uploading anything. Refused when no lockdown was recorded, unless --privacy "
    "says which.",
)
@click.option(
    "--privacy",
    type=click.Choice(PRIVACIES),
    default=None,
    help="With --restore: the privacy to give the video (when no lockdown was recorded).",
)
@dry_run_option
@config_options
@display_options
def republish_command(video_id, target, restore, privacy, dry_run, **_options):
    """Replace VIDEO_ID with the redacted video of WORKDIR.

    The old video is locked down (private) and stays so; redacted.mp4 is uploaded as a new
    video with the old title, description, tags and category, the work folder's thumbnail
    and captions, the old playlist and the old privacy; the new link is printed. The API
    cannot edit the frames of a video in place, so the new video has a new ID.
    """
    cmd = invoke()
    if restore:
        change = restore_privacy(video_id, cmd.settings, privacy=privacy, dry_run=dry_run)
        echo_lines(privacy_change_lines(change))
        return
    if privacy is not None:
        raise click.UsageError("--privacy goes with --restore; a republish keeps the old privacy")
    if target is None:
        raise click.UsageError("WORKDIR is required unless --restore is given")
    workdir = resolve_workdir(target, cmd.out_root).root
    with cmd.reporting("republish") as progress:
        result = republish(video_id, workdir, cmd.settings, dry_run=dry_run, progress=progress)
    echo_lines(publish_lines(result, as_json=cmd.as_json, quiet=cmd.quiet))
    if not result.planned:
        click.echo(f"{video_id} stays private; the redacted video is {result.url}")
