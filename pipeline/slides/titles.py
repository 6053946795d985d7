"""Reading a slide's title with OCR (rapidocr, PP-OCR models shipped in its wheel): the
largest line of text in the top part of the slide. Only that top strip, scaled to 640 px
wide, is looked at: a title is large, and a small image is what keeps OCR cheap. Lines are
found first and recognised tallest first, until one reads as a title: usually one line is
recognised per slide, not all of them."""

from __future__ import annotations

import logging
import re

import numpy as np

from pipeline.leaks.ocr import load_ocr_engine

log = logging.getLogger(__name__)

#: fraction of the slide's height searched for the title
TOP_FRACTION = 0.4
OCR_WIDTH = 640
MIN_SCORE = 0.6


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
            self._engine = load_ocr_engine(
                {"Global.use_cls": False, "Det.limit_type": "max", "Det.limit_side_len": OCR_WIDTH},
                hint="reinstall rapidocr (`make install`), or set chapters.ocr = false",
            )
        return self._engine

    def _top_strip(self, image: np.ndarray) -> np.ndarray:
        from PIL import Image

        h, w = image.shape[:2]
        top = image[: max(1, int(h * TOP_FRACTION))]
        if w > OCR_WIDTH:
            th = max(1, round(top.shape[0] * OCR_WIDTH / w))
            top = np.asarray(Image.fromarray(top).resize((OCR_WIDTH, th), Image.Resampling.BOX))
        return np.ascontiguousarray(top)

    def line_pictures(self, image: np.ndarray) -> list[np.ndarray]:
        """The pictures of the text lines found in the top part of `image` (HxWx3 RGB),
        tallest line first."""
        top = self._top_strip(image)
        result = self._ocr()(top, use_det=True, use_cls=False, use_rec=False)
        if getattr(result, "boxes", None) is None:
            return []
        found = []
        for quad in np.asarray(result.boxes):
            x0, y0 = np.floor(quad.min(axis=0)).astype(int)
            x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
            x0, y0 = max(0, x0), max(0, y0)
            if x1 - x0 >= 2 and y1 - y0 >= 2:
                crop = np.ascontiguousarray(top[y0:y1, x0:x1])
                found.append((float(quad[:, 1].max() - quad[:, 1].min()), crop))
        return [crop for _, crop in sorted(found, key=lambda f: -f[0])]

    def title(self, image: np.ndarray) -> str | None:
        """The slide's title: the tallest plausible line of text near the top, or None."""
        for crop in self.line_pictures(image):
            result = self._ocr().recognize_txt([crop])
            text, score = result.txts[0], float(result.scores[0])
            if score < MIN_SCORE:
                continue
            text = tidy_title(text)
            if plausible_title(text):
                return text
        return None

    def all_text(self, image: np.ndarray) -> str:
        """Every line OCR reads on the slide (HxWx3 RGB), top to bottom, one per line."""
        if image.shape[1] > OCR_WIDTH:
            from PIL import Image

            height = max(1, round(image.shape[0] * OCR_WIDTH / image.shape[1]))
            image = np.asarray(Image.fromarray(image).resize((OCR_WIDTH, height)))
        result = self._ocr()(np.ascontiguousarray(image), use_cls=False)
        return "\n".join(str(t) for t in (getattr(result, "txts", None) or ()))
