"""`pipeline chapters RECORDING`: slide changes and chapters (with the transcript they fall
back on), nothing after them."""

from __future__ import annotations

import click

from pipeline.cli.invocation import invoke
from pipeline.cli.options import (
    config_options,
    display_options,
    features_option,
    force_option,
    recording_argument,
    transcribe_options,
)
from pipeline.stages.chapters import ChaptersStage
from pipeline.stages.probe import ProbeStage
from pipeline.stages.slides import SlidesStage
from pipeline.stages.transcribe import TranscribeStage


@click.command("chapters")
@recording_argument
@config_options
@transcribe_options
@features_option
@force_option
@display_options
def chapters_command(recording, force, **_options):
    """Find the slide changes in RECORDING and turn them into YouTube chapters.

    Writes slides.json (+ one frame per slide in slides/) and chapters.json. Titles are the
    slides' titles read by OCR, else key phrases of what was said; with no screen share the
    chapters come from the transcript. The list follows YouTube's rules (first at 0:00, at
    least 3, each at least 10 s) or is left empty with the reason.
    """
    stages = [ProbeStage(), TranscribeStage(), SlidesStage(), ChaptersStage()]
    invoke().run_stages(recording, stages, force)
