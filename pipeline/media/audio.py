"""Decoding the audio track for speech recognition: 16 kHz mono float32, as Whisper expects."""

from __future__ import annotations

from pathlib import Path

import ffmpeg
import numpy as np

from pipeline.media.ffmpeg import ffmpeg_reader

SPEECH_SAMPLE_RATE = 16_000


def read_speech_audio(path: Path) -> np.ndarray:
    """Decode the first audio stream of `path` to 16 kHz mono float32 samples.

    Raises MediaError if ffmpeg fails.
    """
    spec = ffmpeg.input(str(path)).output(
        "pipe:",
        format="f32le",
        acodec="pcm_f32le",
        ac=1,
        ar=SPEECH_SAMPLE_RATE,
        vn=None,
        sn=None,
        **{"map": "0:a:0"},
    )
    with ffmpeg_reader(spec, what=f"decode the audio of {Path(path).name}") as pipe:
        data = pipe.read()
    return np.frombuffer(data, dtype=np.float32).copy()
