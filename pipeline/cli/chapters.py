"""`pipeline chapters RECORDING`: slide changes and chapters (with the transcript they fall
back on), nothing after them."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.common import (
    config_options,
    content_settings,
    display_options,
    features_option,
    force_option,
    print_summary,
    resolve_force,
    resolve_settings,
    run_stages,
    setup_logging,
    transcribe_options,
)
from pipeline.stages.chapters import ChaptersStage
from pipeline.stages.probe import ProbeStage
from pipeline.stages.slides import SlidesStage
from pipeline.stages.transcribe import TranscribeStage


@click.command("chapters")
@click.argument("recording", type=click.Path(path_type=Path))
@config_options
@transcribe_options
@features_option
@force_option
@display_options
def chapters_command(recording, config, out, model, device, features, force, quiet, as_json, debug):
    """Find the slide changes in RECORDING and turn them into YouTube chapters.

    Writes slides.json (+ one frame per slide in slides/) and chapters.json. Titles are the
    slides' titles read by OCR, else key phrases of what was said; with no screen share the
    chapters come from the transcript. The list follows YouTube's rules (first at 0:00, at
    least 3, each at least 10 s) or is left empty with the reason.
    """
    setup_logging(debug)
    settings = resolve_settings(
        config,
        out,
        **{"transcribe.model": model, "transcribe.device": device},
        **content_settings(features),
    )
    summary = run_stages(
        recording,
        [ProbeStage(), TranscribeStage(), SlidesStage(), ChaptersStage()],
        settings,
        quiet=quiet,
        as_json=as_json,
        force=resolve_force(force),
    )
    print_summary(summary, quiet=quiet, as_json=as_json)
