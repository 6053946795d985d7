"""Frame sampling: one ffmpeg decode, samples at the asked rate, full-resolution gray."""

from __future__ import annotations

import numpy as np

from pipeline.media.probe import probe
from pipeline.media.sampling import LOW_WIDTH, sample_frames_gated
from tests.conftest import FIXTURES


def test_samples_cover_the_video_at_the_asked_rate():
    """With every keyframe interval open, the samples are those of a full decode."""
    leak = FIXTURES / "leak.mp4"
    keyframes = probe(leak).video.keyframes
    frames = list(
        sample_frames_gated(leak, keyframes, lambda a, b: True, fps=1.0, width=1280, height=720)
    )
    assert [f.time for f in frames] == [float(k) for k in range(38)]
    first = frames[0]
    assert first.image.shape == (720, 1280) and first.image.dtype == np.uint8
    assert first.low.shape == (180, LOW_WIDTH)
    # the terminal (dark) follows the title slide (light) at 4 s
    assert frames[2].image.mean() > 150 > frames[6].image.mean()
