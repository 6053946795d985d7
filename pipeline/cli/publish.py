"""`pipeline publish WORKDIR_OR_RECORDING`: upload (or update) the video on YouTube."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import click

from pipeline.cli.common import (
    config_options,
    display_options,
    make_reporter,
    resolve_settings,
    setup_logging,
)
from pipeline.youtube.inputs import PRIVACIES, resolve_workdir
from pipeline.youtube.publisher import PublishResult, publish


def privacy_option(func):
    return click.option(
        "--privacy",
        type=click.Choice(PRIVACIES),
        default=None,
        help="Privacy of the video (default for new uploads: metadata.json, else setting "
        "youtube.privacy = private; an update keeps the video's own). public and unlisted "
        "are refused while flags.json has unresolved findings.",
    )(func)


def dry_run_option(func):
    return click.option(
        "--dry-run",
        is_flag=True,
        help="Print the exact requests that would change something on YouTube; send none of them.",
    )(func)


def print_result(result: PublishResult, *, as_json: bool, quiet: bool) -> None:
    """Show a publish result: the planned requests of a dry run, else the link."""
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(result), indent=2))
        return
    if result.planned:
        click.echo("dry run: these requests would be made (none was sent):")
        for request in result.planned:
            click.echo(request)
        return
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if quiet:
        click.echo(result.url)
        return
    action = "uploaded" if result.uploaded else "updated"
    click.echo(f"{action}: {result.url}")


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
def publish_command(target, video_id, privacy, dry_run, config, out, quiet, as_json, debug):
    """Publish a work folder (or a recording's work folder) on YouTube.

    Uploads redacted.mp4 when a redaction exists, else the recording, as a resumable upload
    whose session is kept in the work folder: run the same command again after a crash, a
    network failure or a spent quota and it resumes from the last byte YouTube confirmed.
    Then sets title, description, tags, category, privacy, thumbnail, captions (captions.srt)
    and playlist (setting youtube.playlist_id). The video ID is kept in youtube.json, so
    publishing again updates that video instead of uploading a second copy.
    """
    setup_logging(debug)
    settings = resolve_settings(config, out)
    workdir = resolve_workdir(target, settings)
    reporter = make_reporter(quiet, as_json)
    started = time.monotonic()
    callback = reporter.stage_started("publish", None)
    try:
        result = publish(
            workdir,
            settings,
            privacy=privacy,
            video_id=video_id,
            dry_run=dry_run,
            progress=callback,
        )
    except Exception:
        reporter.stage_finished("publish", "failed", time.monotonic() - started)
        reporter.close()
        raise
    reporter.stage_finished("publish", "ran", time.monotonic() - started)
    reporter.close()
    print_result(result, as_json=as_json, quiet=quiet)
