"""Long synthetic recordings for the benchmark, generated once and cached in bench-out/:
1920x1080 30 fps, slides changing every ~40 s, a webcam tile, a cursor, and continuous speech
(the talk fixture's speech, looped), keyframe every 10 s as Zoom writes them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fixtures.synth import AUDIO_RATE, Recording, Slide, encode, write_wav
from pipeline.media.audio import read_speech_audio

ROOT = Path(__file__).resolve().parent.parent
BENCH_OUT = ROOT / "bench-out"
TALK = ROOT / "fixtures" / "talk.mp4"

TOPICS = [
    "Roadmap Update", "Plugin Development", "Community Demo", "Testing Strategies",
    "Release Process", "Documentation Sprint", "Performance Tuning", "Questions and Answers",
]  # fmt: skip


def continuous_speech(seconds: float) -> np.ndarray:
    """The talk fixture's speech with its pauses trimmed, looped to `seconds`."""
    voice = read_speech_audio(TALK)
    loud = np.abs(voice) > 0.01
    # keep speech, drop the silences between slides longer than 0.3 s
    keep = np.convolve(loud.astype(np.float32), np.ones(int(0.3 * AUDIO_RATE)), mode="same") > 0
    voice = voice[keep]
    reps = int(np.ceil(seconds * AUDIO_RATE / len(voice)))
    return np.tile(voice, reps)[: int(seconds * AUDIO_RATE)]


def bench_recording(minutes: int, *, width: int = 1920, height: int = 1080, fps: int = 30) -> Path:
    """Path of the cached benchmark recording of `minutes`, generating it if needed."""
    BENCH_OUT.mkdir(exist_ok=True)
    path = BENCH_OUT / f"bench-{minutes}min-{height}p.mp4"
    meta = path.with_suffix(".json")
    if path.is_file() and meta.is_file():
        return path
    duration = minutes * 60.0
    slides = []
    t, i = 0.0, 0
    while t < duration:
        end = min(duration, t + 40.0)
        topic = TOPICS[i % len(TOPICS)]
        slides.append(
            Slide(
                f"{topic} ({i + 1})",
                ["First point of this part", "A second point", "Wrap-up"],
                start=t,
                end=end,
            )
        )
        t, i = end, i + 1
    rec = Recording(width=width, height=height, fps=fps, duration=duration, slides=slides)
    wav = path.with_suffix(".wav")
    write_wav(wav, continuous_speech(duration))
    tmp = path.with_name(".tmp-" + path.name)
    encode(rec, tmp, preset="ultrafast", crf=30, audio_wav=wav)
    tmp.replace(path)
    wav.unlink()
    meta.write_text(
        json.dumps({"duration": duration, "slide_changes": [s.start for s in slides[1:]]})
    )
    return path
