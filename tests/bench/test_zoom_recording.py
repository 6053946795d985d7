"""The Zoom-layout benchmark recording draws what its truth says: webcam tiles that change
every frame (and never repeat across a keyframe interval), a share that only the cursor
touches while a slide is up, parts starting where the truth says, and the fake key readable
(real OCR) in the box the truth gives. Frames are drawn, not encoded."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from bench.recordings import FAKE_KEY
from bench.zoom_recording import FPS, KINDS, PART_SECONDS, ZoomPainter, zoom_meeting, zoom_truth
from pipeline.leaks.ocr import ScreenReader


@pytest.fixture(scope="module")
def meeting():
    return zoom_meeting(2 * PART_SECONDS + 10.0)


def _region(frame: np.ndarray, rect) -> np.ndarray:
    return frame[rect.y : rect.y + rect.h, rect.x : rect.x + rect.w].astype(np.int16)


def test_tiles_change_every_frame_and_only_the_cursor_moves_on_a_slide(meeting):
    painter = ZoomPainter(meeting)
    i = round(10.2 * FPS)  # a slide is up, the cursor glides
    a, b = painter.draw(i).copy(), painter.draw(i + 1).copy()
    layout = meeting.layouts[0]
    for tile in layout.tiles:
        changed = np.abs(_region(a, tile) - _region(b, tile)).max(axis=2) > 0
        assert changed.mean() > 0.9
    moved = np.argwhere(np.abs(_region(a, layout.share) - _region(b, layout.share)).max(axis=2))
    assert len(moved) > 0  # the cursor
    span = moved.max(axis=0) - moved.min(axis=0)
    assert span[0] < 60 and span[1] < 60


def test_tiles_never_repeat_a_keyframe_interval_later(meeting):
    painter = ZoomPainter(meeting)
    i = round(3.0 * FPS)
    a, b = painter.draw(i).copy(), painter.draw(i + 10 * FPS).copy()
    for tile in meeting.layouts[0].tiles:
        assert np.abs(_region(a, tile) - _region(b, tile)).mean() > 1.0


def test_truth_names_each_part_and_where_the_share_is(meeting):
    truth = zoom_truth(meeting)
    assert truth["slide_changes"] == [PART_SECONDS, 2 * PART_SECONDS]
    assert truth["kinds"] == list(KINDS[:3])
    share = meeting.layouts[0].share
    assert truth["share"] == [share.x, share.y, share.w, share.h]


def test_the_fake_key_reads_in_its_truth_box(meeting):
    (key,) = zoom_truth(meeting)["screen_secrets"]
    frame = ZoomPainter(meeting).draw(math.ceil(key["start"] * FPS) + 1)
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    x, y, w, h = key["box"]
    region = (x - 8, y - 8, w + 16, h + 16)
    lines = ScreenReader(threads=1).read(gray, region)
    assert any(FAKE_KEY in line.text.replace(" ", "") for line in lines)
    before = ZoomPainter(meeting).draw(math.floor(key["start"] * FPS) - 3)
    unread = ScreenReader(threads=1).read(cv2.cvtColor(before, cv2.COLOR_RGB2GRAY), region)
    assert not any(FAKE_KEY in line.text.replace(" ", "") for line in unread)
