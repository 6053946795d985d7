"""Transcription speed on continuous speech: x-realtime and peak memory, against the time to
merely decode the audio (the floor) measured in the same run."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.measure import measure, pipeline_cmd
from bench.recordings import bench_recording
from pipeline.media.ffmpeg import ffmpeg_exe


def run(minutes: int = 10) -> dict[str, float]:
    recording = bench_recording(minutes)
    duration = minutes * 60.0
    decode = measure(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(recording),
            "-vn",
            "-ac",
            "1",
            "-ar",
            "16000",
            "-f",
            "f32le",
            "-y",
            "/dev/null",
        ]
    )
    with tempfile.TemporaryDirectory() as out:
        m = measure(pipeline_cmd("transcribe", str(recording), "--out", out, "--quiet"))
        words = (
            len((Path(out) / recording.stem / "transcript.json").read_text().split('"word"')) - 1
        )
    return {
        f"transcribe_s_{minutes}min": round(m.seconds, 2),
        "transcribe_x_realtime": round(duration / m.seconds, 1),
        f"transcribe_peak_rss_mb_{minutes}min": round(m.peak_rss_mb, 1),
        f"audio_decode_s_{minutes}min": round(decode.seconds, 2),
        "transcribe_vs_audio_decode": round(m.seconds / decode.seconds, 1),
        "transcribe_words": words,
    }
