"""slides.json's share rectangles, slide by slide, with and without them."""

from __future__ import annotations

import numpy as np

from pipeline.slides.shown import crop_to_share, shown_slides

CHANGES = [
    {"time": 0.0, "frame": "slides/0001.jpg"},
    {"time": 10.6, "frame": "slides/0002.jpg"},
    {"time": 46.3, "frame": "slides/0003.jpg"},
]


def test_without_shares_every_slide_is_the_whole_frame():
    slides = shown_slides({"changes": CHANGES, "params": {"frame_times": [0.0, 12.0]}}, 56.5)
    assert [(s.start, s.end, s.share, s.screen) for s in slides] == [
        (0.0, 10.6, None, True),
        (10.6, 46.3, None, True),
        (46.3, 56.5, None, True),
    ]
    assert [s.frame_time for s in slides] == [0.0, 12.0, None]


def test_shares_by_stretch_or_by_change():
    shares = [{"start": 10.6, "end": 46.3, "box": [68, 72, 504, 284]}]
    slides = shown_slides({"changes": CHANGES, "shares": shares}, 56.5)
    assert [(s.share, s.screen) for s in slides] == [
        (None, False),
        ((68, 72, 504, 284), True),
        (None, False),
    ]
    own = [dict(c, share=None) for c in CHANGES]
    own[1]["share"] = [60, 70, 500, 280]
    assert [s.share for s in shown_slides({"changes": own, "shares": shares}, 56.5)] == [
        None,
        (60, 70, 500, 280),
        None,
    ]


def test_crop_to_share():
    image = np.arange(360 * 640 * 3, dtype=np.uint32).reshape(360, 640, 3)
    assert crop_to_share(image, (68, 72, 504, 284)).shape == (284, 504, 3)
    assert crop_to_share(image, (600, 300, 100, 100)).shape == (60, 40, 3)  # clamped
    assert crop_to_share(image, None) is image
