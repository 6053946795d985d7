"""One pass over the pixels for everything that looks at the screen.

The slide detector and the secret scanner both want the recording's pictures a few times a
second, and both can tell from two keyframes whether the stretch between them needs a closer
look. Decoding the video once for each of them would pay the decode twice; here one ffmpeg
process decodes the keyframes, opens a stretch when any watcher asks for it, and hands every
sample to every watcher on its own time grid (a watcher sampling at 1 fps gets every other
sample of a 2 fps pass). Decoding runs ahead of the watchers by a few samples (a reader
thread), so that ffmpeg decodes the next stretch while the watchers OCR this one. The gates
are asked on that reader thread, ahead of the watchers: a gate must decide from the
keyframes it is shown and its own history, never from what its watcher has seen so far
(that would depend on timing)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipeline.media.frames import reference_only_pays
from pipeline.media.read_ahead import read_ahead
from pipeline.media.sampling import SampledFrame, sample_frames_gated


class Watcher(Protocol):
    """Something that looks at the screen: its sampling rate, its keyframe gate and what it
    does with each sample."""

    fps: float

    def differs(self, a: SampledFrame, b: SampledFrame) -> bool:
        """Whether the stretch between keyframes `a` and `b` must be sampled densely.
        Called on the reader thread, ahead of `feed`: decide from the keyframes and the
        gate's own history only."""
        ...

    def feed(self, frame: SampledFrame) -> None:
        """Look at one sample (samples come in time order)."""
        ...


#: samples decoded ahead of the watchers (each a full-resolution gray picture, ~2 MB at 1080p)
READ_AHEAD = 4


@dataclass
class PassStats:
    #: pictures decoded and handed out (keyframes plus the samples of opened stretches)
    samples: int = 0
    #: seconds of video decoded frame by frame (the stretches some watcher opened)
    opened_seconds: float = 0.0
    #: "reference frames" when the opened stretches skipped the frames nothing refers to,
    #: else "every frame"
    decoding: str = "every frame"


def watch_screen(
    path: Path,
    keyframes: list[float],
    watchers: list[Watcher],
    *,
    width: int,
    height: int,
    threads: int = 0,
    source_fps: float = 0.0,
    progress: Callable[[float], None] | None = None,
) -> PassStats:
    """Decode `path` once (gray, full resolution) and feed each watcher its samples. A
    stretch between two keyframes is decoded frame by frame when any watcher's `differs`
    says so (every watcher is asked about every pair: gates keep a history). `source_fps`
    is the stream's frame rate (at 20 fps or more only reference frames are decoded, see
    sample_frames_gated). Raises MediaError when ffmpeg fails."""
    if not watchers:
        raise ValueError("watch_screen needs at least one watcher")
    stats = PassStats()
    if reference_only_pays(source_fps):
        stats.decoding = "reference frames"
    fps = max(w.fps for w in watchers)

    def gate(a: SampledFrame, b: SampledFrame) -> bool:
        votes = [w.differs(a, b) for w in watchers]
        if any(votes):
            stats.opened_seconds += b.time - a.time
        return any(votes)

    due = [0.0] * len(watchers)
    samples = sample_frames_gated(
        path, keyframes, gate, fps=fps, width=width, height=height, threads=threads,
        source_fps=source_fps,
    )  # fmt: skip
    for frame in read_ahead(samples, READ_AHEAD, name="screen-pass-decoder"):
        stats.samples += 1
        for i, watcher in enumerate(watchers):
            if frame.time + 1e-6 >= due[i]:
                watcher.feed(frame)
                due[i] = (math.floor(frame.time * watcher.fps + 1e-6) + 1) / watcher.fps
        if progress is not None:
            progress(frame.time)
    stats.opened_seconds = round(stats.opened_seconds, 3)
    return stats
