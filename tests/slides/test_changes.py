"""The slide-change detector on hand-made frame sequences: what is and is not a change."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline.media.frames import SampledFrame
from pipeline.slides.changes import CellGrid, DetectorOptions, compare, detect_changes

W, H = 320, 180


def text_image(lines: list[str], *, bg: int = 245, fg: int = 30, top: int = 10) -> np.ndarray:
    img = Image.new("L", (W, H), bg)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=14)
    for i, line in enumerate(lines):
        draw.text((10, top + 20 * i), line, font=font, fill=fg)
    return np.asarray(img).copy()


def stream(images: list[tuple[float, np.ndarray]], fps: float = 2.0):
    """Samples at `fps`; each (seconds, image) shown for that long."""
    t = 0.0
    for seconds, image in images:
        for _ in range(int(seconds * fps)):
            yield SampledFrame(round(t, 3), image)
            t += 1 / fps


def test_a_new_slide_is_a_change_at_its_first_sample():
    a = text_image(["Roadmap", "first point", "second point"])
    b = text_image(["Release Process", "other point", "more things"])
    detector = detect_changes(stream([(6, a), (6, b)]))
    assert [c.time for c in detector.changes] == [6.0]
    assert 0.5 <= detector.changes[0].confidence <= 1.0


def test_the_next_slide_with_only_its_title_changed_is_a_change():
    """A deck's next slide may keep the bullets and change the title alone: a small share
    of what the screen shows, but its topmost text."""
    bullets = ["First point of this part", "A second point", "Wrap-up", "Questions"]
    a = text_image(["Roadmap (1)", *bullets])
    b = text_image(["Release Process (2)", *bullets])
    detector = detect_changes(stream([(6, a), (6, b)]))
    assert [c.time for c in detector.changes] == [6.0]


def test_a_flash_shorter_than_the_stable_time_is_not_a_change():
    a = text_image(["Roadmap", "first point"])
    b = text_image(["Something Else", "entirely different"])
    detector = detect_changes(stream([(6, a), (1, b), (6, a)]))
    assert detector.changes == []


def test_typed_text_is_not_a_change():
    lines = ["$ pipeline run"]
    frames = []
    for i in range(12):
        lines = [*lines, f"output line number {i}"]
        frames.append((1.0, text_image(lines[-8:], bg=30, fg=200)))
    detector = detect_changes(stream(frames))
    assert detector.changes == []


def test_scrolling_is_not_a_change():
    page = np.full((H * 4, W), 250, np.uint8)
    pil = Image.fromarray(page)
    draw = ImageDraw.Draw(pil)
    for i in range(30):
        draw.text((10, 10 + 24 * i), f"section {i}: some words on the page", fill=20)
    page = np.asarray(pil)
    frames = [(0.5, page[y : y + H].copy()) for y in range(0, H * 2, 12)]
    detector = detect_changes(stream(frames))
    assert detector.changes == []


def test_compare_tells_replaced_from_added_content():
    opts = DetectorOptions()
    mask = np.zeros((H // 10, W // 10), bool)
    base = CellGrid(text_image(["Title One", "a bullet"]), 10)
    added = CellGrid(
        text_image(["Title One", "a bullet", "a new bullet here", "and another one", "more"]), 10
    )
    replaced = CellGrid(text_image(["Different Title", "other words"]), 10)
    assert not compare(base, added, mask, opts).is_change(opts)
    assert compare(base, replaced, mask, opts).is_change(opts)


def test_a_moving_tile_is_masked_and_not_a_change():
    slide = text_image(["Roadmap", "first point"])
    rng = np.random.default_rng(1)
    frames = []
    for _ in range(40):
        img = slide.copy()
        img[10:50, 250:310] = rng.integers(0, 255, size=(40, 60), dtype=np.uint8)
        frames.append((0.5, img))
    detector = detect_changes(stream(frames))
    assert detector.changes == []
    assert 0 < detector.masked_fraction < 0.2


def _keyframes_with_a_webcam(count: int) -> list[SampledFrame]:
    """Keyframes 10 s apart of one still slide with a webcam-like tile that differs at each."""
    rng = np.random.default_rng(7)
    base = text_image(["Roadmap", "first point", "second point"])
    frames = []
    for k in range(count):
        image = base.copy()
        image[4:40, 250:314] = rng.integers(0, 256, size=(36, 64), dtype=np.uint8)
        frames.append(SampledFrame(10.0 * k, image))
    return frames


def test_the_keyframe_gate_learns_the_webcam_from_keyframes_alone():
    from pipeline.slides.changes import KeyframeGate, SlideChangeDetector

    keys = _keyframes_with_a_webcam(8)
    gate = KeyframeGate(SlideChangeDetector())
    opened = [gate(a, b) for a, b in zip(keys[:-1], keys[1:], strict=True)]
    # eager until three comparisons have shown the tile moving, then quiet
    assert opened[:3] == [True, True, True] and not any(opened[3:])
    # a new line of text on the slide opens its stretch despite the tile
    changed = keys[-1].image.copy()
    changed[:] = text_image(["Roadmap", "first point", "second point", "a new third point"])
    changed[4:40, 250:314] = keys[-1].image[4:40, 250:314]
    assert gate(keys[-1], SampledFrame(80.0, changed))


def test_the_keyframe_gate_does_not_depend_on_what_the_detector_has_seen():
    from pipeline.slides.changes import KeyframeGate, SlideChangeDetector

    keys = _keyframes_with_a_webcam(8)
    fed = SlideChangeDetector()
    for frame in keys:
        fed.feed(frame)
    fresh, seasoned = KeyframeGate(SlideChangeDetector()), KeyframeGate(fed)
    assert [fresh(a, b) for a, b in zip(keys[:-1], keys[1:], strict=True)] == [
        seasoned(a, b) for a, b in zip(keys[:-1], keys[1:], strict=True)
    ]
