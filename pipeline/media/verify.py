"""Reading a rendered file back to check it: every packet demuxed (count, monotonic timestamps,
stream ends) and chosen windows decoded with decoder errors captured."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.errors import CorruptMediaError


@dataclass
class StreamFacts:
    """What demuxing a rendered file found. Times in seconds."""

    video_frames: int
    video_end: float
    audio_end: float | None
    monotonic: bool
    codec: str
    profile: str | None
    width: int
    height: int
    fps: float


@dataclass
class DecodedWindow:
    """Frames decoded from a window of a file, with the decoder's complaints."""

    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: gray (or RGB) pictures of the frames asked for, keyed by time
    pictures: dict[float, np.ndarray] = field(default_factory=dict)


def stream_facts(path: Path) -> StreamFacts:
    """Demux every packet of `path`. Returns StreamFacts.

    Raises CorruptMediaError when the file cannot be read or a packet is corrupt.
    """
    import av

    try:
        with av.open(str(path)) as src:
            v = src.streams.video[0]
            a = src.streams.audio[0] if src.streams.audio else None
            count, last_dts, monotonic = 0, None, True
            ends = {"video": 0.0, "audio": 0.0}
            for p in src.demux(*(s for s in (v, a) if s is not None)):
                if not p.size or p.pts is None:
                    continue
                if p.is_corrupt:
                    raise CorruptMediaError(
                        f"{path.name}: corrupt packet at {float(p.pts * p.time_base):.2f} s"
                    )
                kind = p.stream.type
                ends[kind] = max(ends[kind], float((p.pts + (p.duration or 0)) * p.time_base))
                if kind == "video":
                    count += 1
                    if last_dts is not None and p.dts is not None and p.dts <= last_dts:
                        monotonic = False
                    last_dts = p.dts
            cc = v.codec_context
            return StreamFacts(
                video_frames=count,
                video_end=ends["video"],
                audio_end=ends["audio"] if a is not None else None,
                monotonic=monotonic,
                codec=cc.name,
                profile=cc.profile,
                width=cc.width,
                height=cc.height,
                fps=float(v.average_rate or v.guessed_rate or 0),
            )
    except av.error.FFmpegError as exc:
        raise CorruptMediaError(f"cannot read back {path.name}: {exc}") from exc


#: a window at least this long is decoded in two halves at once (two single-threaded
#: decoders on two threads: each logs on its own thread, which FFmpeg's threaded decoding
#: with a log capture cannot do safely)
SPLIT_SECONDS = 8.0


def decode_window(
    path: Path, start: float, end: float, keep: Sequence[float] = (), *, rgb: bool = False
) -> DecodedWindow:
    """Decode the frames of `path` shown in [start, end) seconds, capturing decoder errors.
    Pictures are kept for the frames shown at the times in `keep` (gray unless `rgb`). A
    window of SPLIT_SECONDS or more is decoded in two halves on two threads (the second
    from the keyframe before its start).

    Raises CorruptMediaError when the file cannot be opened.
    """
    import av.logging

    previous = av.logging.get_level()
    av.logging.set_level(av.logging.ERROR)
    try:
        if end - start < SPLIT_SECONDS:
            return _decode_part(path, start, end, keep, rgb)
        middle = (start + end) / 2
        halves = [
            (start, middle, [t for t in keep if t < middle]),
            (middle, end, [t for t in keep if t >= middle]),
        ]
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="decode-window") as pool:
            first, second = pool.map(lambda half: _decode_part(path, *half, rgb), halves)
    finally:
        av.logging.set_level(previous)
    return DecodedWindow(
        times=first.times + second.times,
        errors=first.errors + second.errors,
        pictures={**first.pictures, **second.pictures},
    )


def _decode_part(
    path: Path, start: float, end: float, keep: Sequence[float], rgb: bool
) -> DecodedWindow:
    import av
    import av.logging

    window = DecodedWindow()
    wanted = sorted(keep)
    try:
        with av.logging.Capture() as logs, av.open(str(path)) as src:
            v = src.streams.video[0]
            # one decoding thread: with FFmpeg's log routed into Python (the capture), a
            # worker thread logging while the decoding thread holds the GIL deadlocks
            # (PyAV issues #751, #909)
            v.codec_context.thread_count = 1
            src.seek(int(max(start, 0) / v.time_base), stream=v, backward=True, any_frame=False)
            prev = None
            for frame in src.decode(v):
                t = float(frame.pts * v.time_base)
                if t >= end:
                    break
                if frame.is_corrupt and t >= start - 1e-6:
                    window.errors.append(f"corrupt frame at {t:.3f} s")
                if prev is not None:
                    _keep_shown(window, wanted, prev, t, rgb)
                prev = (t, frame)
                if t >= start - 1e-6:
                    window.times.append(t)
            if prev is not None:
                _keep_shown(window, wanted, prev, end, rgb)
        window.errors += [
            f"{name}: {msg.strip()}" for level, name, msg in logs if level <= av.logging.ERROR
        ]
    except av.error.FFmpegError as exc:
        raise CorruptMediaError(f"cannot decode {path.name}: {exc}") from exc
    return window


def _keep_shown(window: DecodedWindow, wanted: list[float], prev, until: float, rgb: bool) -> None:
    t, frame = prev
    for w in wanted:
        if t - 1e-6 <= w < until - 1e-6 and w not in window.pictures:
            window.pictures[w] = frame.to_ndarray(format="rgb24" if rgb else "gray")
