"""Reading a slide's title with OCR (rapidocr, PP-OCR models shipped in its wheel): the
largest line of text in the top part of the slide. Only that top strip, scaled to 640 px
wide, is read: a title is large, and a small image is what keeps OCR cheap."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np

from pipeline.errors import ModelUnavailableError

log = logging.getLogger(__name__)

#: fraction of the slide's height searched for the title
TOP_FRACTION = 0.4
OCR_WIDTH = 640
MIN_SCORE = 0.6


@dataclass(frozen=True)
class TextLine:
    """A line of text read by OCR: its text, height in px (of the OCR image), top y, score."""

    text: str
    height: float
    top: float
    score: float


def plausible_title(text: str) -> bool:
    """True for text that reads like a title: at least 3 letters, mostly letters/spaces, not
    a URL, a prompt or a number."""
    text = text.strip()
    letters = sum(c.isalpha() for c in text)
    if letters < 3 or letters < 0.6 * len(text.replace(" ", "")):
        return False
    return not re.match(r"^(https?://|www\.|[$#>] )", text)


def tidy_title(text: str) -> str:
    """Trim bullets, stray punctuation and runs of spaces from an OCR title."""
    text = re.sub(r"^[\s•·\-–—*>|]+", "", text)
    text = re.sub(r"\s+", " ", text).strip(" .,;:|_-")
    return text


class SlideTitleReader:
    """Reads titles; the OCR engine loads on first use."""

    def __init__(self) -> None:
        self._engine = None

    def _ocr(self):
        if self._engine is None:
            try:
                from rapidocr import RapidOCR

                self._engine = RapidOCR(
                    params={
                        "Global.log_level": "error",
                        "Global.use_cls": False,
                        "Det.limit_type": "max",
                        "Det.limit_side_len": OCR_WIDTH,
                    }
                )
            except Exception as exc:  # the engine raises plain exceptions on bad models
                raise ModelUnavailableError(
                    f"cannot load the OCR models: {exc}",
                    hint="reinstall rapidocr (`make install`), or set chapters.ocr = false",
                ) from exc
        return self._engine

    def lines(self, image: np.ndarray) -> list[TextLine]:
        """Text lines in the top part of `image` (HxWx3 RGB), largest first."""
        from PIL import Image

        h, w = image.shape[:2]
        top = image[: max(1, int(h * TOP_FRACTION))]
        if w > OCR_WIDTH:
            th = max(1, round(top.shape[0] * OCR_WIDTH / w))
            top = np.asarray(Image.fromarray(top).resize((OCR_WIDTH, th), Image.Resampling.BOX))
        result = self._ocr()(np.ascontiguousarray(top))
        if result.boxes is None or result.txts is None:
            return []
        lines = []
        for box, text, score in zip(result.boxes, result.txts, result.scores, strict=False):
            ys = [p[1] for p in box]
            lines.append(TextLine(text, max(ys) - min(ys), min(ys), float(score)))
        return sorted(lines, key=lambda ln: -ln.height)

    def title(self, image: np.ndarray) -> str | None:
        """The slide's title: the tallest plausible line of text near the top, or None."""
        for line in self.lines(image):
            if line.score < MIN_SCORE:
                continue
            text = tidy_title(line.text)
            if plausible_title(text):
                return text
        return None
