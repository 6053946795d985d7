"""The share rectangle: found on the committed Zoom-layout fixtures (decoded once per module
with the real ffmpeg, every sample at 2 fps), and on hand-made pictures; and what moves inside
a share (webcams beside it, the cursor, typing, scrolling, an app's animation) is no change."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.media.frames import SampledFrame
from pipeline.media.geometry import iou
from pipeline.media.probe import probe
from pipeline.media.sampling import sample_frames_gated
from pipeline.slides.changes import detect_changes
from pipeline.slides.share_region import (
    ShareTracker,
    _blocks,
    find_share,
    largest_rectangle,
    same_layout,
    to_video_pixels,
)

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"


def _small_samples(name: str) -> list[SampledFrame]:
    """Every 2 fps sample of fixtures/<name>.mp4, as the 320 px gray view the detector sees."""
    path = FIXTURES / f"{name}.mp4"
    video = probe(path).video
    return [
        SampledFrame(f.time, f.low)
        for f in sample_frames_gated(
            path,
            list(video.keyframes),
            lambda a, b: True,
            fps=2.0,
            width=video.width,
            height=video.height,
            source_fps=video.fps,
        )  # fmt: skip
    ]


@pytest.fixture(scope="module")
def samples() -> dict[str, list[SampledFrame]]:
    return {name: _small_samples(name) for name in ("zoom_speaker", "zoom_gallery")}


def _truth(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def _track(frames: list[SampledFrame]) -> ShareTracker:
    tracker = ShareTracker()
    placed = [p for f in frames for p in tracker.feed(f)] + tracker.finish()
    assert [p.frame.time for p in placed] == [f.time for f in frames]  # each once, in order
    return tracker


def _shares_in_video_pixels(tracker: ShareTracker, frames, truth) -> list[tuple]:
    small = frames[0].image.shape
    return [
        (s.start, to_video_pixels(s.typical_box(), small, truth["width"], truth["height"]))
        for s in tracker.stretches
    ]


def test_speaker_view_share_is_the_rectangle_beside_the_webcam_strip(samples):
    truth = _truth("zoom_speaker")
    shares = _shares_in_video_pixels(
        _track(samples["zoom_speaker"]), samples["zoom_speaker"], truth
    )
    expected = truth["layouts"][0]["share"]
    assert len(shares) == 1, shares
    box = shares[0][1]
    assert iou(box, [expected[k] for k in "xywh"]) >= 0.97, box


def test_a_share_that_starts_and_ends_mid_recording_is_found(samples):
    truth = _truth("zoom_gallery")
    shares = _shares_in_video_pixels(
        _track(samples["zoom_gallery"]), samples["zoom_gallery"], truth
    )
    assert [box is None for _, box in shares] == [True, False, True], shares
    (start, box), (end, _) = shares[1], shares[2]
    layout = truth["layouts"][1]
    assert 0 <= start - layout["start"] <= 0.5 and 0 <= end - layout["end"] <= 0.5
    assert iou(box, [layout["share"][k] for k in "xywh"]) >= 0.97, box


@pytest.mark.parametrize(
    ("name", "start", "end", "what"),
    [
        ("zoom_speaker", 23.0, 36.0, "typing in a terminal, the cursor, the webcams"),
        ("zoom_speaker", 36.5, 48.0, "a docs page scrolling"),
        ("zoom_gallery", 21.5, 34.0, "an app's progress bars, spinner and typing"),
    ],
)
def test_what_moves_inside_a_share_is_no_change(samples, name, start, end, what):
    frames = [f for f in samples[name] if start <= f.time <= end]
    detector = detect_changes(frames)
    assert detector.changes == [], f"{what}: {detector.changes}"


def test_each_layout_switch_and_screen_switch_is_a_change_at_its_first_sample(samples):
    for name in ("zoom_speaker", "zoom_gallery"):
        found = [c.time for c in detect_changes(samples[name]).changes]
        truth = _truth(name)["slide_changes"]
        assert len(found) == len(truth), (name, found)
        # the first sample showing the new screen: at most one sample period late
        assert all(0 <= f - t <= 0.5 for f, t in zip(found, truth, strict=True)), (name, found)


def test_block_means_are_exact():
    rng = np.random.default_rng(2)
    for image in (rng.integers(0, 256, (181, 322)), rng.random((180, 320)) < 0.5):
        h, w = 180, 320
        expected = image[:h, :w].reshape(h // 4, 4, w // 4, 4).mean(axis=(1, 3))
        assert np.array_equal(_blocks(image.astype(np.float32)), expected)


def test_largest_rectangle_is_the_largest_of_all():
    """Against every rectangle of small random grids: the largest area, ties to the leftmost,
    then the highest-ending, then the narrowest (the search stops early once no rectangle
    further right can be larger)."""
    rng = np.random.default_rng(11)
    for _ in range(150):
        grid = rng.random((6, 7)) < rng.uniform(0.3, 0.9)
        best = None
        for r0 in range(6):
            for r1 in range(r0 + 1, 7):
                for c0 in range(7):
                    for c1 in range(c0 + 1, 8):
                        if grid[r0:r1, c0:c1].all():
                            key = (-(r1 - r0) * (c1 - c0), c0, r1, c1 - c0)
                            if best is None or key < best[0]:
                                best = (key, (c0, r0, c1 - c0, r1 - r0))
        assert largest_rectangle(grid) == (best[1] if best else None), grid.astype(int)


def _zoom_like(share: bool, tile_noise: np.random.Generator, paper: int = 240) -> np.ndarray:
    image = np.full((180, 320), 26, np.uint8)
    if share:
        image[16:164, 2:262] = paper  # a white slide (or a dark terminal)
        image[40:50, 30:200] = 40 if paper > 128 else 200  # a line of text
    for top in (47, 77, 107):  # three webcam tiles in a strip
        image[top : top + 27, 268:317] = tile_noise.integers(60, 160, size=(27, 49))
    return image


def test_find_share_on_hand_made_pictures():
    rng = np.random.default_rng(3)
    frames = [_zoom_like(True, rng) for _ in range(3)]
    tiles = np.zeros((45, 80), bool)
    tiles[12:18, 67:79] = tiles[19:26, 67:79] = tiles[27:33, 67:79] = True
    assert find_share(frames[0], tiles) == (2, 16, 260, 148)
    # the same tiles without a share beside them: nobody shares
    assert find_share(_zoom_like(False, rng), tiles | np.roll(tiles, -30, axis=1)) is None
    # a bright picture filling the frame is a whole-frame share
    assert find_share(np.full((180, 320), 230, np.uint8), tiles) == (0, 0, 320, 180)


def test_largest_rectangle_and_same_layout():
    grid = np.zeros((6, 8), bool)
    grid[1:5, 2:7] = True
    grid[0, 0] = True
    assert largest_rectangle(grid) == (2, 1, 5, 4)
    assert largest_rectangle(np.zeros((3, 3), bool)) is None
    assert same_layout((0, 0, 100, 100), (2, 1, 99, 100))
    assert not same_layout((0, 0, 100, 100), (50, 0, 100, 100))
    assert same_layout(None, None) and not same_layout(None, (0, 0, 1, 1))


def test_a_dark_terminal_on_zoom_s_dark_background_keeps_the_share():
    """A terminal whose background is within a gray level of Zoom's own shows almost no
    content, so on its own it marks out no rectangle (the whole frame, with the webcams, would
    be read); after a slide in the same box, the box holds while the frame of background
    around it does. A whole-frame share or a gallery covering that frame ends it."""
    rng = np.random.default_rng(5)
    tiles = np.zeros((45, 80), bool)
    tiles[12:18, 67:79] = tiles[19:26, 67:79] = tiles[27:33, 67:79] = True
    current = find_share(_zoom_like(True, rng), tiles)
    assert current == (2, 16, 260, 148)
    terminal = _zoom_like(True, rng, paper=27)
    assert find_share(terminal, tiles) == (0, 0, 320, 180)  # on its own: no box
    assert find_share(terminal, tiles, current) == current
    bright = np.full((180, 320), 230, np.uint8)
    bright[47:74, 268:317] = rng.integers(60, 160, size=(27, 49))
    assert find_share(bright, tiles, current) == (0, 0, 320, 180)
    gallery = _zoom_like(False, rng)
    gallery[47:137, 20:250] = rng.integers(60, 160, size=(90, 230))
    moving = tiles.copy()
    moving[12:34, 5:63] = True
    assert find_share(gallery, moving, current) is None


def test_the_share_tracker_keeps_one_layout_from_a_slide_to_a_dark_terminal():
    rng = np.random.default_rng(6)
    tracker = ShareTracker()
    pictures = [_zoom_like(True, rng) for _ in range(6)]
    pictures += [_zoom_like(True, rng, paper=27) for _ in range(8)]
    for k, picture in enumerate(pictures):
        tracker.feed(SampledFrame(k * 0.5, picture))
    tracker.finish()
    assert [s.box for s in tracker.stretches] == [(2, 16, 260, 148)]
