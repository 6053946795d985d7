"""Reading pictures out of a recording for the vision stages (slides, scan, thumbnail).

Three ways in:

- `iter_frames`: ONE ffmpeg process decodes the video once and hands back small frames
  (default 320 px wide, gray) sampled at a low rate (default 2 per second), streamed through
  a pipe: memory stays flat whatever the recording's length. Use it to look at the whole
  recording cheaply.
- `iter_frames_gated`: the same samples, but only where something happens: keyframes are
  decoded alone (cheap: no other frame is needed to decode one), and only the stretches
  between two keyframes that differ are decoded and sampled. On a talk where the picture
  holds still for minutes, most of the video is never decoded.
- `grab_frame`: one frame at full resolution (or scaled), frame-exact, read with PyAV by
  seeking to the keyframe before it and decoding forward. Use it for the few frames worth a
  closer look (a slide's representative frame, a thumbnail, an OCR crop).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import CorruptMediaError, MediaError
from pipeline.media.ffmpeg import ffmpeg_reader

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SampledFrame:
    """One sampled picture: `time` in seconds from the start, `image` HxW uint8 (gray) or
    HxWx3 uint8 (RGB)."""

    time: float
    image: np.ndarray


def scaled_size(width: int, height: int, target_width: int) -> tuple[int, int]:
    """The (width, height) of a frame scaled to `target_width`, aspect kept, both even."""
    target_width = min(target_width, width) if target_width > 0 else width
    w = max(2, target_width - target_width % 2)
    h = max(2, round(height * w / width / 2) * 2)
    return w, h


def video_size(path: Path) -> tuple[int, int]:
    """The (width, height) of the first video stream of `path`."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaError(f"{Path(path).name} has no video stream")
            cc = container.streams.video[0].codec_context
            return cc.width, cc.height
    except av.error.FFmpegError as exc:
        raise CorruptMediaError(f"cannot open {Path(path).name}: {exc}") from exc


#: below this frame rate the frames a reference-only decode skips (at most two in a row with
#: x264's defaults) are too long a gap (0.2 s at 10 fps: a scrolling page moves unevenly from
#: sample to sample); such streams are decoded whole
MIN_REFERENCE_ONLY_FPS = 20.0


def reference_only_pays(source_fps: float) -> bool:
    """Whether decoding only the reference frames suits a stream of `source_fps`."""
    return source_fps >= MIN_REFERENCE_ONLY_FPS


def iter_frames(
    path: Path,
    fps: float = 2.0,
    width: int = 320,
    *,
    gray: bool = True,
    start: float = 0.0,
    end: float | None = None,
    size: tuple[int, int] | None = None,
    threads: int = 0,
    reference_only: bool = False,
) -> Iterator[SampledFrame]:
    """Yield frames of `path` sampled `fps` times a second, scaled to `width` px (aspect
    kept; 0 = full size), gray (HxW) or RGB (HxWx3), from `start` to `end` seconds.

    `reference_only` decodes only the frames other frames are predicted from (ffmpeg's
    `-skip_frame noref`): the B-frames nothing refers to are dropped undecoded, about half
    of the decoding work on x264's default streams, and the frames that are decoded are
    exactly what a full decode gives. A sample is then the last decoded frame at its time:
    never a later picture, at most the skipped frames (two at x264's defaults: 67 ms at
    30 fps) older.

    `size` is the source (width, height) when the caller knows it (media.json); otherwise
    it is probed. Sample i is the source frame shown at `start + i / fps`; its `time` says
    so. One ffmpeg process, one decode, streamed: nothing is held but the current frame.
    `threads` caps ffmpeg's decoding threads (0: ffmpeg's own choice).

    Raises MediaError when ffmpeg fails, CorruptMediaError when the file cannot be opened.
    """
    path = Path(path)
    src_w, src_h = size or video_size(path)
    out_w, out_h = scaled_size(src_w, src_h, width)
    channels = 1 if gray else 3
    frame_bytes = out_w * out_h * channels
    args = ["-threads", str(threads)]
    if reference_only:
        args += ["-skip_frame", "noref"]
    if start > 0:
        args += ["-ss", f"{start:.3f}"]
    if end is not None:
        args += ["-to", f"{end:.3f}"]
    args += [
        "-i", str(path), "-map", "0:v:0", "-an", "-sn", "-dn",
        "-vf", f"fps={fps:g}:round=up,scale={out_w}:{out_h}:flags=area,format={'gray' if gray else 'rgb24'}",
        "-f", "rawvideo", "pipe:",
    ]  # fmt: skip
    shape = (out_h, out_w) if gray else (out_h, out_w, 3)
    with ffmpeg_reader(args, what=f"sample the frames of {path.name}") as pipe:
        index = 0
        while True:
            data = pipe.read(frame_bytes)
            if len(data) < frame_bytes:
                break
            image = np.frombuffer(data, dtype=np.uint8).reshape(shape)
            yield SampledFrame(round(start + index / fps, 6), image)
            index += 1


def iter_keyframes(
    path: Path,
    keyframe_times: list[float],
    width: int = 320,
    *,
    gray: bool = True,
    size: tuple[int, int] | None = None,
    threads: int = 0,
) -> Iterator[SampledFrame]:
    """Yield the keyframes of `path` only, scaled like `iter_frames`, timed by
    `keyframe_times` (media.json's video.keyframes, in order). One ffmpeg process that
    skips every other frame undecoded.

    Raises MediaError when ffmpeg fails.
    """
    path = Path(path)
    src_w, src_h = size or video_size(path)
    out_w, out_h = scaled_size(src_w, src_h, width)
    channels = 1 if gray else 3
    frame_bytes = out_w * out_h * channels
    args = [
        "-threads", str(threads), "-skip_frame", "nokey", "-i", str(path), "-map", "0:v:0", "-an", "-sn", "-dn",
        "-vf", f"scale={out_w}:{out_h}:flags=area,format={'gray' if gray else 'rgb24'}",
        "-fps_mode", "passthrough", "-f", "rawvideo", "pipe:",
    ]  # fmt: skip
    shape = (out_h, out_w) if gray else (out_h, out_w, 3)
    times = sorted(keyframe_times)
    # ffmpeg decodes the packets flagged as keyframes, the same flag probing listed, so the
    # n-th frame out is the n-th listed keyframe (rawvideo carries no timestamps)
    produced = 0
    with ffmpeg_reader(args, what=f"read the keyframes of {path.name}") as pipe:
        for t in times:
            data = pipe.read(frame_bytes)
            if len(data) < frame_bytes:
                break
            produced += 1
            yield SampledFrame(t, np.frombuffer(data, dtype=np.uint8).reshape(shape))
        extra = 0
        while chunk := pipe.read(frame_bytes):
            extra += len(chunk)
    if produced != len(times) or extra:
        log.warning(
            "%s: ffmpeg decoded %d keyframe(s) where probing listed %d; sample times may be off",
            path.name,
            produced + extra // frame_bytes,
            len(times),
        )


def iter_frames_gated(
    path: Path,
    keyframe_times: list[float],
    differs: Callable[[SampledFrame, SampledFrame], bool],
    fps: float = 2.0,
    width: int = 320,
    *,
    gray: bool = True,
    size: tuple[int, int] | None = None,
    min_keyframe_interval: float = 2.0,
    threads: int = 0,
    reference_only: bool = False,
) -> Iterator[SampledFrame]:
    """Yield samples like `iter_frames`, in time order, but decode densely only where the
    picture changes: every keyframe is yielded, and the span between two keyframes is
    sampled at `fps` only when `differs(previous keyframe, keyframe)` says so. The span
    after the last keyframe is always sampled. A change that is undone before the next
    keyframe (A -> B -> A inside one span) is not seen by comparing keyframes: have `differs`
    also consult the stream's packet sizes (pipeline.media.activity) to catch it.

    With keyframes closer than `min_keyframe_interval` on average (nothing to gain), or
    fewer than two, this is `iter_frames`. `reference_only` as for `iter_frames`. Raises
    MediaError when ffmpeg fails.
    """
    times = sorted(keyframe_times)
    mean_interval = (times[-1] - times[0]) / (len(times) - 1) if len(times) > 1 else 0.0
    if len(times) < 2 or mean_interval < min_keyframe_interval:
        yield from iter_frames(
            path, fps, width, gray=gray, size=size, threads=threads, reference_only=reference_only
        )
        return
    size = size or video_size(path)
    dense = _DenseRun(
        lambda start: iter_frames(
            path, fps, width, gray=gray, start=start, size=size, threads=threads,
            reference_only=reference_only,
        )
    )  # fmt: skip
    previous: SampledFrame | None = None
    last = -1.0
    try:
        for key in iter_keyframes(path, times, width, gray=gray, size=size, threads=threads):
            if previous is not None and differs(previous, key):
                for frame in dense.between(previous.time, key.time):
                    if frame.time > last + 1e-6:
                        last = frame.time
                        yield frame
            else:
                dense.stop()
            yield key
            last, previous = key.time, key
        start = previous.time if previous is not None else 0.0
        for frame in dense.between(start, None):
            if frame.time > last + 1e-6:
                last = frame.time
                yield frame
    finally:
        dense.stop()


class _DenseRun:
    """One ffmpeg process sampling every frame from a keyframe on, kept running across
    consecutive stretches that are all decoded (starting ffmpeg again at each keyframe cost
    6.5 CPU-s more than one run on the 10-minute Zoom-layout bench recording, where webcams
    open every stretch). Samples keep the grid of the keyframe the run started at."""

    def __init__(self, start_at: Callable[[float], Iterator[SampledFrame]]):
        self._start_at = start_at
        self._frames: Iterator[SampledFrame] | None = None
        self._next: SampledFrame | None = None
        self._at = 0.0

    def between(self, start: float, end: float | None) -> Iterator[SampledFrame]:
        """The samples after `start` and before `end` (None: to the end of the video)."""
        if self._frames is None or abs(self._at - start) > 1e-6:
            self.stop()
            self._frames = self._start_at(start)
            self._next = None
        while True:
            frame = self._next if self._next is not None else next(self._frames, None)
            self._next = None
            if frame is None:
                self.stop()
                return
            if end is not None and frame.time >= end - 1e-6:
                self._next, self._at = frame, end
                return
            if frame.time > start + 1e-6:
                yield frame

    def stop(self) -> None:
        if self._frames is not None:
            close = getattr(self._frames, "close", None)
            if close is not None:
                close()
        self._frames, self._next = None, None


def grab_frame(path: Path, time: float, width: int = 0, *, threads: int = 0) -> SampledFrame:
    """The frame shown at `time` seconds as HxWx3 uint8 RGB, at full size (`width` 0) or
    scaled to `width` px. Frame-exact: the frame whose display interval holds `time` (the
    last frame when `time` is past the end). Returns a SampledFrame carrying that frame's
    own timestamp. `threads` caps the decoding threads (0: one per core).

    Raises MediaError when nothing can be decoded, CorruptMediaError when the file cannot
    be opened.
    """
    import av

    path = Path(path)
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        raise CorruptMediaError(f"cannot open {path.name}: {exc}") from exc
    with container:
        if not container.streams.video:
            raise MediaError(f"{path.name} has no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if threads:
            stream.codec_context.thread_count = threads
        tb = float(stream.time_base)
        # seek lands on the keyframe at or before the target; decode forward from there
        container.seek(max(0, int(time / tb)), stream=stream, backward=True, any_frame=False)
        chosen = None
        try:
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                if chosen is not None and frame.pts * tb > time + 1e-6:
                    break
                chosen = frame
        except av.error.FFmpegError as exc:
            if chosen is None:
                raise MediaError(f"cannot decode {path.name} at {time:.2f} s: {exc}") from exc
        if chosen is None:
            raise MediaError(f"no frame of {path.name} at {time:.2f} s")
        w, h = scaled_size(chosen.width, chosen.height, width) if width else (0, 0)
        if width:
            image = chosen.to_ndarray(width=w, height=h, format="rgb24")
        else:
            image = chosen.to_ndarray(format="rgb24")
        return SampledFrame(round(chosen.pts * tb, 6), image)
