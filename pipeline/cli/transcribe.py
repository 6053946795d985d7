"""`pipeline transcribe RECORDING`: only the transcript and captions."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.common import (
    config_options,
    display_options,
    force_option,
    print_summary,
    resolve_force,
    resolve_settings,
    run_stages,
    setup_logging,
    transcribe_options,
)
from pipeline.stages.probe import ProbeStage
from pipeline.stages.transcribe import TranscribeStage


@click.command("transcribe")
@click.argument("recording", type=click.Path(path_type=Path))
@config_options
@transcribe_options
@force_option
@display_options
def transcribe_command(recording, config, out, model, device, force, quiet, as_json, debug):
    """Transcribe RECORDING: transcript.json, captions.srt and captions.vtt.

    Uses faster-whisper with the bundled tiny.en model unless --model names another.
    """
    setup_logging(debug)
    settings = resolve_settings(
        config, out, **{"transcribe.model": model, "transcribe.device": device}
    )
    summary = run_stages(
        recording,
        [ProbeStage(), TranscribeStage()],
        settings,
        quiet=quiet,
        as_json=as_json,
        force=resolve_force(force),
    )
    print_summary(summary, quiet=quiet, as_json=as_json)
