"""Decoding the audio track for speech recognition: 16 kHz mono float32, as Whisper expects,
streamed in windows cut at quiet moments so memory stays flat in the recording's length."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
import numpy as np

from pipeline.media.ffmpeg import ffmpeg_reader

SPEECH_SAMPLE_RATE = 16_000
_BYTES_PER_SAMPLE = 4


@dataclass(frozen=True)
class AudioWindow:
    """A stretch of the soundtrack: `samples` start `start` seconds into the recording."""

    start: float
    samples: np.ndarray

    @property
    def end(self) -> float:
        return self.start + len(self.samples) / SPEECH_SAMPLE_RATE


def _speech_spec(path: Path):
    # one thread: audio decoding is light, and the cores belong to the model and the video
    return ffmpeg.input(str(path), threads=1).output(
        "pipe:",
        format="f32le",
        acodec="pcm_f32le",
        ac=1,
        ar=SPEECH_SAMPLE_RATE,
        vn=None,
        sn=None,
        **{"map": "0:a:0"},
    )


def read_speech_audio(path: Path) -> np.ndarray:
    """Decode the whole first audio stream of `path` to 16 kHz mono float32 samples.

    Raises MediaError if ffmpeg fails.
    """
    with ffmpeg_reader(_speech_spec(path), what=f"decode the audio of {Path(path).name}") as pipe:
        data = pipe.read()
    return np.frombuffer(data, dtype=np.float32).copy()


def quietest_cut(samples: np.ndarray, lo: int, hi: int, frame: int = 1600) -> int:
    """Index in [lo, hi) at the centre of the quietest `frame`-sample stretch (0.1 s)."""
    region = samples[lo:hi]
    n = len(region) // frame
    if n < 1:
        return hi
    energy = np.square(region[: n * frame].reshape(n, frame)).mean(axis=1)
    return lo + int(np.argmin(energy)) * frame + frame // 2


def iter_speech_windows(
    path: Path, window_seconds: float = 300.0, search_seconds: float = 10.0
) -> Iterator[AudioWindow]:
    """Stream the first audio stream of `path` as consecutive windows of about
    `window_seconds`, each cut at the quietest 0.1 s within the last `search_seconds`, so no
    word is split. Holds at most one window (plus the search margin) in memory.

    Raises MediaError if ffmpeg fails.
    """
    window = int(window_seconds * SPEECH_SAMPLE_RATE)
    search = min(int(search_seconds * SPEECH_SAMPLE_RATE), window // 2)
    read_size = 10 * SPEECH_SAMPLE_RATE * _BYTES_PER_SAMPLE  # 10 s of samples per read
    parts: list[np.ndarray] = []
    held = 0  # samples held in `parts`
    offset = 0  # samples already yielded
    with ffmpeg_reader(_speech_spec(path), what=f"decode the audio of {Path(path).name}") as pipe:
        pending = b""
        eof = False
        while not eof:
            chunk = pipe.read(read_size)
            eof = not chunk
            pending += chunk
            usable = len(pending) - len(pending) % _BYTES_PER_SAMPLE
            if usable:
                parts.append(np.frombuffer(pending[:usable], dtype=np.float32))
                held += usable // _BYTES_PER_SAMPLE
                pending = pending[usable:]
            while held >= window + search or (eof and held > 0):
                buffer = np.concatenate(parts)
                cut = (
                    quietest_cut(buffer, window - search, window + search)
                    if held >= window + search
                    else held
                )
                yield AudioWindow(offset / SPEECH_SAMPLE_RATE, buffer[:cut].copy())
                offset += cut
                rest = buffer[cut:]
                parts, held = ([rest] if len(rest) else []), len(rest)
