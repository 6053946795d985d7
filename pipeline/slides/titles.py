"""Naming a shared screen with OCR (rapidocr, PP-OCR models shipped in its wheel), as a
person would: a slide by its title, a window by its name (an editor by its file, a page or
an app by its name, a shell "Terminal"), never by a line of output or code.

The caller passes the shared screen alone (cut to the share rectangle: no webcam tiles, no
name labels). Text lines are found in its upper part, scaled to 640 px wide (a small image
keeps detection cheap), and only the few lines that can name the screen are recognised,
each cut from the full-size picture:

1. the window's title bar or tab: a small line along the top edge, trimmed to a name
   (screen_names.window_name); when the screen's heading says the same, the heading's
   reading (larger, so more reliable);
2. else the heading: the tallest line that stands out from the rest of the text;
3. else "Terminal" when a line starts with a shell prompt;
4. else None (the chapters stage then uses key phrases of what was said)."""

from __future__ import annotations

import difflib
import logging
import statistics

import numpy as np

from pipeline.leaks.line_cache import LineCache
from pipeline.leaks.ocr import load_ocr_engine
from pipeline.media.geometry import Box
from pipeline.slides.screen_names import (
    TERMINAL,
    is_prompt,
    plausible_title,
    tidy_title,
    window_name,
)

log = logging.getLogger(__name__)

#: fraction of the screen's height searched for what names it
TOP_FRACTION = 0.6
OCR_WIDTH = 640
MIN_SCORE = 0.6
#: a title bar or tab: the line's top within this fraction of the screen's height ...
BAR_FRACTION = 0.08
#: ... and the line no taller than this fraction of it (a slide's title is larger)
BAR_LINE_FRACTION = 0.06
#: a window title needs this much OCR confidence (it is small text)
BAR_SCORE = 0.8
#: a heading is at least this much taller than the median of the other lines
HEADING_RATIO = 1.35
#: lines read while looking for a heading or a prompt
MAX_READS = 8
#: distinct line pictures remembered across screens (least recently used go first)
CACHE_LINES = 2000


class SlideTitleReader:
    """Reads what names a screen; the OCR engine loads on first use. A line whose picture was
    read on an earlier screen (a window's title bar, a heading shown again, a prompt) is not
    recognised again (pipeline.leaks.line_cache: the cache is in memory only)."""

    def __init__(self) -> None:
        self._engine = None
        self._cache = LineCache(CACHE_LINES)
        #: lines recognised by the model (cache hits not counted)
        self.lines_recognised = 0

    def _ocr(self):
        if self._engine is None:
            self._engine = load_ocr_engine(
                {"Global.use_cls": False, "Det.limit_type": "max", "Det.limit_side_len": OCR_WIDTH},
                hint="reinstall rapidocr (`make install`), or set chapters.ocr = false",
            )
        return self._engine

    def line_boxes(self, screen: np.ndarray) -> list[Box]:
        """Boxes (x, y, w, h in `screen` pixels) of the text lines in the upper part of
        `screen` (HxWx3 RGB)."""
        from PIL import Image

        h, w = screen.shape[:2]
        top = screen[: max(1, int(h * TOP_FRACTION))]
        scale = min(1.0, OCR_WIDTH / w)
        if scale < 1.0:
            size = (OCR_WIDTH, max(1, round(top.shape[0] * scale)))
            top = np.asarray(Image.fromarray(top).resize(size, Image.Resampling.BOX))
        result = self._ocr()(np.ascontiguousarray(top), use_det=True, use_cls=False, use_rec=False)
        if getattr(result, "boxes", None) is None:
            return []
        boxes = []
        for quad in np.asarray(result.boxes):
            x0, y0 = np.floor(quad.min(axis=0) / scale).astype(int)
            x1, y1 = np.ceil(quad.max(axis=0) / scale).astype(int)
            x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
            if x1 - x0 >= 4 and y1 - y0 >= 4:
                boxes.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
        return boxes

    def read(self, screen: np.ndarray, boxes: list[Box]) -> list[tuple[str, float]]:
        """The text of each line box of `screen` and OCR's confidence in it, in one batch."""
        if not boxes:
            return []
        import cv2

        crops = [np.ascontiguousarray(screen[y : y + h, x : x + w]) for x, y, w, h in boxes]
        grays = [cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) for crop in crops]

        def recognise(todo: list[int]) -> list[tuple[str, float]]:
            result = self._ocr().recognize_txt([crops[i] for i in todo])
            return [(str(t), float(c)) for t, c in zip(result.txts, result.scores, strict=True)]

        readings, recognised = self._cache.read(grays, recognise)
        self.lines_recognised += recognised
        return readings

    def title(self, screen: np.ndarray) -> str | None:
        """What names `screen` (HxWx3 RGB, the shared screen alone), or None."""
        boxes = self.line_boxes(screen)
        if not boxes:
            return None
        height = screen.shape[0]
        bar = [
            b for b in boxes if b[1] <= BAR_FRACTION * height and b[3] <= BAR_LINE_FRACTION * height
        ]
        named = None
        bar.sort(key=lambda b: (b[1], b[0]))
        for text, score in self.read(screen, bar):
            named = window_name(text) if score >= BAR_SCORE else None
            if named:
                break
        body = [b for b in boxes if b not in bar]
        heading = self._heading(screen, body)
        if named and heading and _same(named, heading):
            return heading
        if named or heading:
            return named or heading
        return TERMINAL if self._shows_prompt(screen, body) else None

    def _heading(self, screen: np.ndarray, boxes: list[Box]) -> str | None:
        """The line in the largest letters, when they are clearly larger than the other
        lines' (a slide's title, a page's heading, not one line of output among others)
        and it reads as a title."""
        tallest = sorted(boxes, key=lambda b: -b[3])[:MAX_READS]
        readings = self.read(screen, tallest)
        sizes = [letter_size(b, text) for b, (text, _) in zip(tallest, readings, strict=True)]
        best, best_size = None, 0.0
        for i, (text, score) in enumerate(readings):
            text = tidy_title(text)
            if score >= MIN_SCORE and plausible_title(text) and sizes[i] > best_size:
                best, best_size = i, sizes[i]
        if best is None:
            return None
        others = [s for i, (s, (t, _)) in enumerate(zip(sizes, readings, strict=True))
                  if i != best and len(t.strip()) >= 3]  # fmt: skip
        if others and best_size < HEADING_RATIO * statistics.median(others):
            return None
        return tidy_title(readings[best][0])

    def _shows_prompt(self, screen: np.ndarray, boxes: list[Box]) -> bool:
        left = min((b[0] for b in boxes), default=0)
        lines = sorted(
            (b for b in boxes if b[0] <= left + 0.02 * screen.shape[1]), key=lambda b: b[1]
        )
        readings = self.read(screen, lines[:MAX_READS])
        return any(score >= MIN_SCORE and is_prompt(text) for text, score in readings)

    def all_text(self, image: np.ndarray) -> str:
        """Every line OCR reads on the slide (HxWx3 RGB), top to bottom, one per line."""
        if image.shape[1] > OCR_WIDTH:
            from PIL import Image

            height = max(1, round(image.shape[0] * OCR_WIDTH / image.shape[1]))
            image = np.asarray(Image.fromarray(image).resize((OCR_WIDTH, height)))
        result = self._ocr()(np.ascontiguousarray(image), use_cls=False)
        return "\n".join(str(t) for t in (getattr(result, "txts", None) or ()))


def letter_size(box: Box, text: str) -> float:
    """How wide a letter of `text` is in its line box, in pixels: a measure of the font's
    size. The detector widens every box by about 0.31 of its height on each side."""
    letters = len(text.strip())
    return max(0.0, box[2] - 0.62 * box[3]) / letters if letters else 0.0


def _same(a: str, b: str) -> bool:
    a, b = a.casefold(), b.casefold()
    return a in b or b in a or difflib.SequenceMatcher(None, a, b).ratio() >= 0.8
