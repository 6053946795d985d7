"""Frames sampled at a few per second for screen analysis, from one ffmpeg process that decodes
the video once. Each sample is the full-resolution gray picture (the luma plane, so OCR crops
keep every pixel) with a cheap low-resolution view for change detection.

`sample_frames_gated` decodes densely only the stretches between keyframes that may hold a
change; the decoding itself is pipeline.media.frames' reader."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: width of the low-resolution view used to find what changed
LOW_WIDTH = 320


@dataclass
class SampledFrame:
    """One sampled picture: `time` in seconds, `image` HxW uint8 gray at full resolution."""

    time: float
    image: np.ndarray
    _low: np.ndarray | None = field(default=None, repr=False)

    @property
    def low(self) -> np.ndarray:
        """The picture scaled to `LOW_WIDTH` pixels wide (area-averaged), computed once.
        OpenCV's area scaling is fast by two (a SIMD path) and slow by other factors, even
        whole ones: a width that is no multiple of LOW_WIDTH (a share rectangle's crop, 1052
        px) is halved first while it is twice as wide (nearly 3x faster at 1052 px; on average
        within a fraction of a gray level of scaling in one step, the same way for every
        sample), and so is a multiple by an even factor (1280 px: two halvings, 8x faster than
        one step by four, within a gray level of it: the same averages, rounded twice)."""
        if self._low is None:
            import cv2

            h, w = self.image.shape
            size = (LOW_WIDTH, max(1, round(h * LOW_WIDTH / w)))
            image = self.image
            while image.shape[1] >= 2 * LOW_WIDTH and (
                image.shape[1] % LOW_WIDTH or image.shape[1] % (2 * LOW_WIDTH) == 0
            ):
                ih, iw = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
                image = cv2.resize(
                    image[:ih, :iw], (iw // 2, ih // 2), interpolation=cv2.INTER_AREA
                )
            self._low = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        return self._low


def sample_frames_gated(
    path: Path,
    keyframes: list[float],
    differs: Callable[[SampledFrame, SampledFrame], bool],
    *,
    fps: float,
    width: int,
    height: int,
    threads: int = 0,
    source_fps: float = 0.0,
) -> Iterator[SampledFrame]:
    """Yield the video's pictures at `fps` per second, gray, at the stream's `width` x
    `height`, decoding frame by frame only the stretches between two
    keyframes for which `differs(keyframe, next keyframe)` is true (see
    pipeline.media.frames.iter_frames_gated); elsewhere only the keyframes are decoded.
    Inside a stretch only the reference frames are decoded when the stream's `source_fps` is
    MIN_REFERENCE_ONLY_FPS or more (a sample may then show a picture up to two frames older:
    slides and secrets last seconds). Samples come in time order. Raises MediaError when
    ffmpeg fails."""
    from pipeline.media.frames import iter_frames_gated, reference_only_pays

    def gate(a, b) -> bool:
        return differs(SampledFrame(a.time, a.image), SampledFrame(b.time, b.image))

    for frame in iter_frames_gated(
        path, keyframes, gate, fps, 0, gray=True, size=(width, height), threads=threads,
        reference_only=reference_only_pays(source_fps),
    ):  # fmt: skip
        yield SampledFrame(time=round(frame.time, 3), image=frame.image)
