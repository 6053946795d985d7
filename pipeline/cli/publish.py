"""`pipeline publish WORKDIR_OR_RECORDING`: upload (or update) the video on YouTube."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.invocation import invoke
from pipeline.cli.options import config_options, display_options, dry_run_option, privacy_option
from pipeline.cli.output import echo_lines, publish_lines
from pipeline.workspace import resolve_workdir
from pipeline.youtube.publisher import publish


@click.command("publish")
@click.argument("target", metavar="WORKDIR_OR_RECORDING", type=click.Path(path_type=Path))
@click.option(
    "--video-id",
    default=None,
    help="Update this existing video (e.g. a streamed "
    "live broadcast) instead of uploading: title, description, thumbnail, captions.",
)
@privacy_option
@dry_run_option
@config_options
@display_options
def publish_command(target, video_id, privacy, dry_run, **_options):
    """Publish a work folder (or a recording's work folder) on YouTube.

    Uploads redacted.mp4 when a redaction exists, else the recording, as a resumable upload
    whose session is kept in the work folder before the first byte: run the same command
    again after a crash, a network failure or a spent quota and it resumes from the last byte
    YouTube confirmed. Then sets title, description, tags, category, privacy (new uploads:
    private unless --privacy or youtube.privacy say otherwise), thumbnail, captions
    (captions.srt) and playlist (setting youtube.playlist_id). The video ID is kept in
    youtube.json, so publishing again updates that video; with no record left, a video of the
    same recording (tagged pipeline-...) is found among the channel's uploads and updated
    instead of uploading a second copy.
    """
    cmd = invoke()
    workdir = resolve_workdir(target, cmd.out_root).root
    with cmd.reporting("publish") as progress:
        result = publish(
            workdir, cmd.settings, privacy=privacy, video_id=video_id, dry_run=dry_run,
            progress=progress,
        )  # fmt: skip
    echo_lines(publish_lines(result, as_json=cmd.as_json, quiet=cmd.quiet))
