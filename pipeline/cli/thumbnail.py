"""`pipeline thumbnail RECORDING`: the thumbnail, from the slides (no transcript needed)."""

from __future__ import annotations

import click

from pipeline.cli.invocation import invoke
from pipeline.cli.options import (
    config_options,
    date_option,
    display_options,
    force_option,
    recording_argument,
    setting_option,
)
from pipeline.stages.chapters import ChaptersStage
from pipeline.stages.probe import ProbeStage
from pipeline.stages.slides import SlidesStage
from pipeline.stages.thumbnail import ThumbnailStage


@click.command("thumbnail")
@recording_argument
@config_options
@setting_option(
    "--title/--no-title",
    "draw_title",
    setting="thumbnail.draw_title",
    default=None,
    help="Draw the video title on the thumbnail (setting thumbnail.draw_title).",
)
@date_option
@force_option
@display_options
def thumbnail_command(recording, force, **_options):
    """Make thumbnail.jpg (1280x720 JPEG under 2 MB) for RECORDING from its deck.

    The title slide when there is one, else the slide shown longest, letterboxed. Frames
    inside ranges flagged as secrets (flags.json) or redacted (redactions.json) are never
    used.
    """
    stages = [ProbeStage(), SlidesStage(), ChaptersStage(), ThumbnailStage()]
    invoke().run_stages(recording, stages, force)
