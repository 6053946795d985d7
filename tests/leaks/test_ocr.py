"""What the OCR detector is shown: only the inked part of a region (with a margin), at the
scale the whole frame is detected at; a blank region is not sent to the detector at all
(real rapidocr)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from fixtures.synth import font
from pipeline.leaks.ocr import INK_MARGIN, ScreenReader, ink_extent


def band_with_text(text: str, x: int, y: int) -> np.ndarray:
    img = Image.new("L", (1920, 1080), 40)  # a dark terminal
    ImageDraw.Draw(img).text((x, y), text, fill=225, font=font(33))
    # compression-like noise must not count as ink
    noise = np.random.default_rng(1).integers(-6, 7, size=(1080, 1920))
    return np.clip(np.asarray(img, dtype=np.int16) + noise, 0, 255).astype(np.uint8)


def test_the_extent_covers_the_text_and_little_else():
    image = band_with_text("export AWS_REGION=eu-west-1", 100, 500)
    x, y, w, h = ink_extent(image, (0, 400, 1920, 250))
    assert x <= 100 and x >= 100 - INK_MARGIN - 2
    assert y <= 505 and y + h >= 530
    assert w < 800 and h < 100


def test_a_blank_region_is_not_read():
    image = band_with_text("", 0, 0)
    assert ink_extent(image, (0, 400, 1920, 250)) is None
    reader = ScreenReader(threads=1)
    assert reader.detect(image, (0, 400, 1920, 250)) == []
    assert reader.stats.regions == 0


def test_lines_are_found_where_they_are_in_a_wide_band():
    image = band_with_text("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", 60, 520)
    reader = ScreenReader(threads=1)
    boxes = reader.detect(image, (0, 400, 1920, 250))
    assert len(boxes) == 1
    bx, by, bw, bh = boxes[0]
    assert abs(bx - 60) < 20 and 500 <= by <= 530 and 700 < bw < 1000
    lines = reader.recognise(image, boxes)
    assert lines and "AKIAIOSFODNN7EXAMPLE" in lines[0].text.replace(" ", "")
