"""Long synthetic recordings for the benchmark, generated once and cached in bench-out/:
1920x1080 30 fps with a keyframe every 10 s as Zoom writes them, a webcam tile, a cursor and
continuous speech (the talk fixture's speech, looped). They are encoded as the fixtures are
(x264 veryfast, CRF 28: deblocking and CABAC on, about 60 kbit/s on this content, near the
~45 kbit/s Zoom documents for screen sharing, "about 20MB of storage per hour"); version 2
used x264 ultrafast, which turns deblocking and CABAC off and spent 15x the bits, so its
frames decoded about 1.7x faster than a real recording's. The screen cycles through 40 s parts:
two deck slides, a terminal where a fake AWS key is typed (and later cleared), and a long web
page that is scrolled. The scenes are the fixtures' own (fixtures/synth_leak.py,
fixtures/synth_screens.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fixtures.synth import AUDIO_RATE, Recording, Scene, Slide, encode, write_wav
from fixtures.synth_leak import TerminalScene, TypedLine
from fixtures.synth_screens import WebPageScene
from pipeline.media.audio import read_speech_audio

ROOT = Path(__file__).resolve().parent.parent
BENCH_OUT = ROOT / "bench-out"
TALK = ROOT / "fixtures" / "talk.mp4"
#: bump when the content changes, so cached recordings are made again
CONTENT_VERSION = 3
PART_SECONDS = 40.0
FAKE_KEY = "AKIAIOSFODNN7EXAMPLE"

TOPICS = [
    "Roadmap Update", "Plugin Development", "Community Demo", "Testing Strategies",
    "Release Process", "Documentation Sprint", "Performance Tuning", "Questions and Answers",
]  # fmt: skip


@dataclass
class CachedTerminal(TerminalScene):
    """A terminal that redraws only when the typed text changes (rendering a 1080p terminal
    for every one of 108,000 frames would dominate generating the hour-long recording)."""

    _last: tuple = field(default=(), repr=False)
    _picture: np.ndarray | None = field(default=None, repr=False)

    def render(self, t: float, width: int, height: int) -> np.ndarray:
        state = (width, height, *(line.visible(t) for line in self.lines))
        if self._picture is None or state != self._last:
            self._picture = super().render(t, width, height)
            self._last = state
        return self._picture


def continuous_speech(seconds: float) -> np.ndarray:
    """The talk fixture's speech with its pauses trimmed, looped to `seconds`."""
    voice = read_speech_audio(TALK)
    loud = np.abs(voice) > 0.01
    # keep speech, drop the silences between slides longer than 0.3 s
    keep = np.convolve(loud.astype(np.float32), np.ones(int(0.3 * AUDIO_RATE)), mode="same") > 0
    voice = voice[keep]
    reps = int(np.ceil(seconds * AUDIO_RATE / len(voice)))
    return np.tile(voice, reps)[: int(seconds * AUDIO_RATE)]


def key_terminal(
    start: float, end: float, *, size: int, origin: tuple[int, int], pitch: int
) -> CachedTerminal:
    """A terminal where the fake AWS key is typed (3 s in), then a command and its output;
    drawn with text `size`, first line at `origin`, lines `pitch` apart."""
    t = start + 3.0
    return CachedTerminal(
        lines=[
            TypedLine("export AWS_REGION=eu-west-1", t, 14.0),
            TypedLine(f"export AWS_ACCESS_KEY_ID={FAKE_KEY}", t + 3.0, 14.0),
            TypedLine("aws s3 ls s3://community-recordings/", t + 9.0, 14.0),
            TypedLine("2026-11-19 17:00:01  recording.mp4", t + 12.0, 0, prompt=""),
        ],
        start=start,
        end=end,
        size=size,
        origin=origin,
        pitch=pitch,
    )


def _part(i: int, start: float, end: float) -> Scene:
    topic = TOPICS[i % len(TOPICS)]
    kind = i % 4
    if kind == 2:
        return key_terminal(start, end, size=33, origin=(60, 210), pitch=54)
    if kind == 3:
        return WebPageScene(
            f"{topic}: notes",
            "https://community.example.org/notes",
            [f"Section {k + 1}" for k in range(6)],
            start=start,
            end=end,
            hold=5.0,
            scroll_for=12.0,
            speed=60.0,
        )
    return Slide(
        f"{topic} ({i + 1})",
        ["First point of this part", "A second point", "Wrap-up"],
        start=start,
        end=end,
    )


def bench_recording(minutes: int, *, width: int = 1920, height: int = 1080, fps: int = 30) -> Path:
    """Path of the cached benchmark recording of `minutes`, generating it if needed. Beside
    it, `<name>.json` holds the truth: slide (scene) changes and when the fake key shows."""
    BENCH_OUT.mkdir(exist_ok=True)
    path = BENCH_OUT / f"bench-{minutes}min-{height}p-v{CONTENT_VERSION}.mp4"
    meta = path.with_suffix(".json")
    if path.is_file() and meta.is_file():
        return path
    duration = minutes * 60.0
    scenes: list[Scene] = []
    t, i = 0.0, 0
    while t < duration:
        end = min(duration, t + PART_SECONDS)
        scenes.append(_part(i, t, end))
        t, i = end, i + 1
    rec = Recording(width=width, height=height, fps=fps, duration=duration, slides=scenes)
    wav = path.with_suffix(".wav")
    write_wav(wav, continuous_speech(duration))
    tmp = path.with_name(".tmp-" + path.name)
    encode(rec, tmp, audio_wav=wav)
    tmp.replace(path)
    wav.unlink()
    keys = [s.secret(1, FAKE_KEY, "aws-access-key") for s in scenes if isinstance(s, TerminalScene)]
    meta.write_text(
        json.dumps(
            {
                "duration": duration,
                "slide_changes": [s.start for s in scenes[1:]],
                "screen_secrets": [{"start": k.start, "end": k.end, "box": k.box} for k in keys],
            }
        )
    )
    return path
