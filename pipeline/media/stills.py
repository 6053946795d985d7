"""Single still frames as small JPEGs (for the review page), cut from whichever video is final."""

from __future__ import annotations

from pathlib import Path

import ffmpeg

from pipeline.media.ffmpeg import ffmpeg_output


def still_jpeg(video: Path, at: float, *, width: int = 320) -> bytes:
    """A JPEG of the frame on screen at `at` seconds, scaled to `width` pixels wide.

    Seeks 1 ms before `at` so the frame shown at `at` is returned, not the next one.
    Raises MediaError when ffmpeg fails or returns no picture.
    """
    spec = ffmpeg.input(str(video), ss=f"{max(0.0, at - 0.001):.3f}").output(
        "pipe:", vframes=1, vf=f"scale={width}:-2", format="image2", vcodec="mjpeg", **{"q:v": 4}
    )
    return ffmpeg_output(spec, what=f"cut a still at {at:.2f} s from {Path(video).name}")
