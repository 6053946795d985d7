"""`pipeline thumbnail RECORDING`: the thumbnail, from the slides (no transcript needed)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.common import (
    config_options,
    content_settings,
    date_option,
    display_options,
    force_option,
    print_summary,
    resolve_force,
    resolve_settings,
    run_stages,
    setup_logging,
)
from pipeline.stages.chapters import ChaptersStage
from pipeline.stages.probe import ProbeStage
from pipeline.stages.slides import SlidesStage
from pipeline.stages.thumbnail import ThumbnailStage


@click.command("thumbnail")
@click.argument("recording", type=click.Path(path_type=Path))
@config_options
@click.option(
    "--title/--no-title",
    "draw_title",
    default=None,
    help="Draw the video title on the thumbnail (setting thumbnail.draw_title).",
)
@date_option
@force_option
@display_options
def thumbnail_command(recording, config, out, draw_title, date, force, quiet, as_json, debug):
    """Make thumbnail.jpg (1280x720 JPEG under 2 MB) for RECORDING from its deck.

    The title slide when there is one, else the slide shown longest, letterboxed. Frames
    inside ranges flagged as secrets (flags.json) or redacted (redactions.json) are never
    used.
    """
    setup_logging(debug)
    settings = resolve_settings(
        config, out, **{"thumbnail.draw_title": draw_title}, **content_settings(None, date)
    )
    summary = run_stages(
        recording,
        [ProbeStage(), SlidesStage(), ChaptersStage(), ThumbnailStage()],
        settings,
        quiet=quiet,
        as_json=as_json,
        force=resolve_force(force),
    )
    print_summary(summary, quiet=quiet, as_json=as_json)
