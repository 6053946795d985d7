"""The OCR line cache: the same line picture is found again after it moved and went through a
lossy encoder; a line that differs in one character is not."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw

from fixtures.synth import font
from pipeline.leaks.line_cache import LineCache, ink


def screen_line(text: str, dx: int, dy: int, quality: int) -> np.ndarray:
    """A detector-like crop of `text` drawn at an offset inside a margin of a few pixels,
    JPEG-compressed (the noise differs with the offset and the quality)."""
    img = Image.new("L", (900, 70), 245)
    ImageDraw.Draw(img).text((12 + dx, 14 + dy), text, fill=30, font=font(33))
    encoded = cv2.imencode(".jpg", np.asarray(img), [cv2.IMWRITE_JPEG_QUALITY, quality])[1]
    return cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)


def test_ink_trims_the_detectors_margin() -> None:
    a = ink(screen_line("Section 2: detail line 1", 0, 0, 95))
    b = ink(screen_line("Section 2: detail line 1", 5, 3, 95))
    assert abs(a.shape[0] - b.shape[0]) <= 1 and abs(a.shape[1] - b.shape[1]) <= 1
    assert a.shape[1] < 900 - 12


def test_a_moved_line_is_found_again() -> None:
    cache = LineCache()
    cache.put(screen_line("Section 2: detail line 1 with more text", 0, 0, 80), ("first", 0.9))
    assert cache.get(screen_line("Section 2: detail line 1 with more text", 7, 4, 70)) == (
        "first",
        0.9,
    )


def test_one_different_character_is_a_different_line() -> None:
    cache = LineCache()
    cache.put(screen_line("Section 2: detail line 1 with more text", 0, 0, 80), ("a", 0.9))
    assert cache.get(screen_line("Section 3: detail line 1 with more text", 0, 0, 80)) is None
    cache.put(screen_line("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", 0, 0, 80), ("k", 0.9))
    assert cache.get(screen_line("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLF", 0, 0, 80)) is None
    assert cache.get(screen_line("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMP", 0, 0, 80)) is None


def test_memory_is_bounded_by_capacity() -> None:
    cache = LineCache(capacity=3)
    for i in range(6):
        cache.put(screen_line(f"line number {i} of a long list", 0, 0, 90), (str(i), 0.9))
    assert len(cache) == 3
    assert cache.get(screen_line("line number 0 of a long list", 0, 0, 90)) is None
    assert cache.get(screen_line("line number 5 of a long list", 0, 0, 90)) == ("5", 0.9)


def test_read_recognises_only_the_lines_not_seen_before() -> None:
    first, other = (
        "Section 2: detail line 1 with more text",
        "Section 3: detail line 1 with more text",
    )
    cache = LineCache()
    cache.put(screen_line(first, 0, 0, 80), (first, 0.9))
    lines = [screen_line(first, 7, 4, 70), screen_line(other, 0, 0, 80)]  # moved; one char off
    asked: list[list[int]] = []

    def recognise(todo: list[int]) -> list[tuple[str, float]]:
        asked.append(todo)
        return [(other, 0.8) for _ in todo]

    readings, recognised = cache.read(lines, recognise)
    assert asked == [[1]] and recognised == 1
    assert readings == [(first, 0.9), (other, 0.8)]
    assert cache.read(lines, recognise) == (readings, 0)  # both remembered now
    assert asked == [[1]]
