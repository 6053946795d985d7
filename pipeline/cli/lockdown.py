"""`pipeline lockdown VIDEO_ID` and `pipeline republish VIDEO_ID WORKDIR`: leak response."""

from __future__ import annotations

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
from pipeline.cli.publish import dry_run_option, print_result
from pipeline.youtube.inputs import resolve_workdir
from pipeline.youtube.leak_response import PrivacyChange, lockdown, republish
from pipeline.youtube.leak_response import restore as restore_privacy


def _show(change: PrivacyChange) -> None:
    if change.planned:
        click.echo("dry run: these requests would be made (none was sent):")
        for request in change.planned:
            click.echo(request)
    elif change.changed:
        click.echo(f"{change.video_id}: {change.previous} -> {change.current}")
    else:
        click.echo(f"{change.video_id}: already {change.current}")


@click.command("lockdown")
@click.argument("video_id")
@dry_run_option
@config_options
@click.option("--debug", is_flag=True, hidden=True)
def lockdown_command(video_id, dry_run, config, out, debug):
    """Make VIDEO_ID private immediately (a live broadcast too) and record its previous
    privacy, for `pipeline republish` or `pipeline republish --restore`."""
    setup_logging(debug)
    _show(lockdown(video_id, resolve_settings(config, out), dry_run=dry_run))


@click.command("republish")
@click.argument("video_id")
@click.argument("target", metavar="WORKDIR", required=False, type=click.Path(path_type=Path))
@click.option(
    "--restore",
    is_flag=True,
    help="False alarm: make VIDEO_ID public again "
    "(its privacy before the lockdown) instead of uploading anything.",
)
@dry_run_option
@config_options
@display_options
def republish_command(video_id, target, restore, dry_run, config, out, quiet, as_json, debug):
    """Replace VIDEO_ID with the redacted video of WORKDIR.

    The old video is locked down (private) and stays so; redacted.mp4 is uploaded as a new
    video with the old title, description, tags and category, the work folder's thumbnail
    and captions, the old playlist and the old privacy; the new link is printed. The API
    cannot edit the frames of a video in place, so the new video has a new ID.
    """
    setup_logging(debug)
    settings = resolve_settings(config, out)
    if restore:
        _show(restore_privacy(video_id, settings, dry_run=dry_run))
        return
    if target is None:
        raise click.UsageError("WORKDIR is required unless --restore is given")
    workdir = resolve_workdir(target, settings)
    reporter = make_reporter(quiet, as_json)
    started = time.monotonic()
    callback = reporter.stage_started("republish", None)
    try:
        result = republish(video_id, workdir, settings, dry_run=dry_run, progress=callback)
    finally:
        reporter.stage_finished("republish", "ran", time.monotonic() - started)
        reporter.close()
    print_result(result, as_json=as_json, quiet=quiet)
    if not result.planned:
        click.echo(f"{video_id} stays private; the redacted video is {result.url}")
