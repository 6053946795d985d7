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


def test_the_low_view_of_a_crop_is_an_area_average_of_it():
    """The share rectangle's crop of a Zoom recording (no multiple of the low view's width)
    is scaled in two steps: the same size as in one, and on average within a gray level of
    it; a frame whose width is an even multiple (1280 px: by four) is halved twice, within a
    gray level of one step everywhere."""
    import json

    import cv2

    from pipeline.media.sampling import SampledFrame

    truth = json.loads((FIXTURES / "zoom_speaker.json").read_text())
    share = truth["layouts"][0]["share"]
    path = FIXTURES / "zoom_speaker.mp4"
    video = probe(path).video
    frames = sample_frames_gated(
        path, video.keyframes, lambda a, b: False, fps=2.0, width=video.width, height=video.height
    )
    for frame in list(frames)[:3]:
        x, y, w, h = share["x"], share["y"], share["w"] - 1, share["h"] - 1  # odd sizes too
        crop = np.ascontiguousarray(frame.image[y : y + h, x : x + w])
        assert w % LOW_WIDTH and w >= 2 * LOW_WIDTH
        size = (LOW_WIDTH, round(h * LOW_WIDTH / w))
        one_step = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        low = SampledFrame(frame.time, crop).low
        assert low.shape == one_step.shape
        assert np.abs(low.astype(int) - one_step).mean() < 1.0
        whole = frame.image
        assert whole.shape[1] == 4 * LOW_WIDTH
        by_four = cv2.resize(whole, (LOW_WIDTH, 180), interpolation=cv2.INTER_AREA)
        low = SampledFrame(frame.time, whole).low
        assert low.shape == by_four.shape
        assert np.abs(low.astype(int) - by_four).max() <= 1
