"""`pipeline transcribe RECORDING`: only the transcript and captions."""

from __future__ import annotations

import click

from pipeline.cli.invocation import invoke
from pipeline.cli.options import (
    config_options,
    display_options,
    force_option,
    recording_argument,
    transcribe_options,
)
from pipeline.stages.probe import ProbeStage
from pipeline.stages.transcribe import TranscribeStage


@click.command("transcribe")
@recording_argument
@config_options
@transcribe_options
@force_option
@display_options
def transcribe_command(recording, force, **_options):
    """Transcribe RECORDING: transcript.json, captions.srt and captions.vtt.

    Uses faster-whisper with the bundled tiny.en model unless --model names another.
    """
    invoke().run_stages(recording, [ProbeStage(), TranscribeStage()], force)
