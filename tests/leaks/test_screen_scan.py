"""The screen scanner on synthetic frames with the real OCR: what triggers a read and what
does not, and how a secret is tracked over samples."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from fixtures.synth_leak import mono
from pipeline.leaks.ocr import ScreenReader
from pipeline.leaks.screen_scan import FindingTracker, ScreenScanner
from pipeline.media.sampling import SampledFrame

KEY_LINE = "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE"


def screen(lines: list[str], cursor: tuple[int, int] | None = None, tile: int | None = None):
    img = Image.new("L", (960, 540), 20)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((30, 100 + 40 * i), line, font=mono(22), fill=230)
    if cursor is not None:
        x, y = cursor
        draw.polygon([(x, y), (x, y + 22), (x + 14, y + 14)], fill=255)
    pixels = np.asarray(img, dtype=np.uint8).copy()
    if tile is not None:  # a "webcam": noise that changes every frame
        rng = np.random.default_rng(tile)
        pixels[10:100, 800:950] = rng.integers(0, 255, size=(90, 150), dtype=np.uint8)
    return pixels


@pytest.fixture(scope="module")
def reader():
    return ScreenReader()


def test_a_moving_cursor_is_not_read_but_a_new_line_is(reader):
    scanner = ScreenScanner(reader)
    base = ["$ ls", "README.md  setup.py"]
    scanner.feed(SampledFrame(0.0, screen(base)))
    reads = reader.stats.regions
    for k in range(1, 6):  # the cursor moves every sample
        scanner.feed(SampledFrame(k * 0.5, screen(base, cursor=(100 + 120 * k, 300))))
    assert reader.stats.regions == reads
    scanner.feed(SampledFrame(3.0, screen([*base, KEY_LINE], cursor=(820, 300))))
    assert reader.stats.regions == reads + 1
    tracks = scanner.finish(4.0)
    assert [(t.rule, t.first, t.end) for t in tracks] == [("aws-access-key", 3.0, 4.0)]


def test_a_busy_area_is_read_only_now_and_then(reader):
    scanner = ScreenScanner(reader, busy_every=1.5)
    for k in range(20):  # 10 s at 2 samples a second
        scanner.feed(SampledFrame(k * 0.5, screen(["$ make test"], tile=k)))
    assert scanner.frames_read <= 4 + 10 / 1.5 + 1


def test_a_key_typed_gradually_is_one_finding_from_when_it_is_readable(reader):
    scanner = ScreenScanner(reader)
    for k in range(0, len(KEY_LINE) + 8, 6):
        scanner.feed(SampledFrame(k / 12, screen([KEY_LINE[:k]])))
    end = (len(KEY_LINE) + 8) / 12
    scanner.feed(SampledFrame(end, screen([])))
    tracks = [t for t in scanner.finish(end + 1) if t.rule == "aws-access-key"]
    assert len(tracks) == 1
    done = (len(KEY_LINE) - 1) / 12
    assert done - 0.6 <= tracks[0].first <= done + 0.6
    assert tracks[0].end == end
    assert tracks[0].value.startswith("AKIA")


def test_the_tracker_joins_readings_of_one_secret_and_closes_what_is_gone():
    tracker = FindingTracker()
    box = (100, 100, 200, 20)
    tracker.update(1.0, [("aws-access-key", "AK1AIOSFODNN7EXAMPLE", box, 0.8)])
    tracker.update(1.5, [("aws-access-key", "AKIAIOSFODNN7EXAMPLE", (101, 99, 200, 22), 0.95)])
    tracker.update(2.0, [])
    [track] = tracker.finish(5.0)
    assert (track.first, track.last, track.end) == (1.0, 1.5, 2.0)
    assert track.value == "AKIAIOSFODNN7EXAMPLE" and track.confidence == 0.95
    assert len(track.boxes) == 1


def test_a_busy_area_without_text_is_never_ocrd(reader):
    scanner = ScreenScanner(reader, busy_every=1.5)
    before = None
    for k in range(16):  # a smooth "face" that sways: busy, but nothing sharp in it
        pixels = screen(["$ make test"])
        yy, xx = np.mgrid[0:90, 0:150]
        cx = 75 + 30 * np.sin(k)
        pixels[10:100, 800:950] = (
            120 + 100 * np.exp(-((xx - cx) ** 2 + (yy - 45) ** 2) / 400)
        ).astype(np.uint8)
        scanner.feed(SampledFrame(k * 0.5, pixels))
        if k == 5:  # busy from here on
            before = reader.stats.regions
    assert reader.stats.regions == before
