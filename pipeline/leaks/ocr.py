"""OCR of screen regions with rapidocr (PP-OCR ONNX models shipped in its wheel): text lines
are detected in a region, and only lines whose picture has not been read before are
recognised (pipeline.leaks.line_cache: a line that stays on screen, comes back or merely moves is
never recognised twice). Nothing that holds a secret in clear is written to the work folder."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.errors import ModelUnavailableError
from pipeline.leaks.line_cache import LineCache
from pipeline.media.geometry import Box

log = logging.getLogger(__name__)

#: recognitions below this score are dropped as unreadable
MIN_SCORE = 0.5
#: lines narrower than this many times their height are not recognised
MIN_ASPECT = 4.0
#: distinct line pictures remembered (least recently used go first)
CACHE_LINES = 4000


@dataclass(frozen=True)
class OcrLine:
    """One line of text read on screen; `box` is [x, y, w, h] in video pixels."""

    text: str
    box: tuple[int, int, int, int]
    score: float


@dataclass
class OcrStats:
    regions: int = 0
    lines_recognised: int = 0
    cache_hits: int = 0


#: the whole frame is detected with its longer side scaled down to this many pixels, and
#: every region at that same scale (text keeps one size for the detector)
DETECT_SIDE = 960
#: a pixel step (left to right or top to bottom) this sharp is ink: text strokes step by 100+
#: gray levels, compression noise and the edges of pale panels by well under this
INK_STEP = 32
#: background kept around the ink, so that the detector sees whole characters
INK_MARGIN = 24
#: background kept left and right of a line's ink when it is boxed without the detector
LINE_MARGIN = 4


def ink_extent(image: np.ndarray, region: Box) -> Box | None:
    """The part of `region` ([x, y, w, h] of a gray image) that holds sharp steps, widened by
    INK_MARGIN and kept inside the region; None when the region has none (nothing to read)."""
    x, y, w, h = region
    crop = image[max(0, y) : y + h, max(0, x) : x + w]
    if crop.size == 0:
        return None
    pixels = crop.astype(np.int16)
    across = np.abs(np.diff(pixels, axis=1)) > INK_STEP
    down = np.abs(np.diff(pixels, axis=0)) > INK_STEP
    # a step between pixel i and i+1 marks both; (h, w-1) and (h-1, w) trimmed to agree
    cols = np.flatnonzero(across.any(axis=0) | down.any(axis=0)[:-1])
    rows = np.flatnonzero(across.any(axis=1)[:-1] | down.any(axis=1))
    if cols.size == 0 or rows.size == 0:
        return None
    x0 = max(0, int(cols[0]) - INK_MARGIN)
    x1 = min(crop.shape[1], int(cols[-1]) + 2 + INK_MARGIN)
    y0 = max(0, int(rows[0]) - INK_MARGIN)
    y1 = min(crop.shape[0], int(rows[-1]) + 2 + INK_MARGIN)
    return (max(0, x) + x0, max(0, y) + y0, x1 - x0, y1 - y0)


def ink_span(image: np.ndarray, box: Box) -> Box | None:
    """`box` ([x, y, w, h] of a gray image, one line of text) trimmed left and right to the
    columns that hold sharp steps, with LINE_MARGIN pixels kept each side, as the text
    detector boxes a line; None when it holds none."""
    x, y, w, h = box
    crop = image[max(0, y) : y + h, max(0, x) : x + w].astype(np.int16)
    if crop.size == 0:
        return None
    cols = np.flatnonzero((np.abs(np.diff(crop, axis=1)) > INK_STEP).any(axis=0))
    if cols.size == 0:
        return None
    x0 = max(0, x + int(cols[0]) - LINE_MARGIN)
    x1 = min(image.shape[1], x + int(cols[-1]) + 2 + LINE_MARGIN)
    return (x0, y, x1 - x0, h)


def load_ocr_engine(params: dict[str, Any], *, hint: str | None = None) -> Any:
    """A rapidocr engine (PP-OCR ONNX models shipped in its wheel) with `params` on top of
    quiet logging: the one place the OCR models are loaded.

    Raises ModelUnavailableError, with `hint` or how to reinstall, when they cannot load."""
    try:
        from rapidocr import RapidOCR

        return RapidOCR(params={"Global.log_level": "error", **params})
    except Exception as exc:  # the engine raises plain exceptions on missing or bad models
        raise ModelUnavailableError(
            f"cannot load the OCR models ({type(exc).__name__}: {exc})",
            hint=hint or "run `make install` to reinstall rapidocr with its bundled models",
        ) from exc


class ScreenReader:
    """Reads text lines in regions of gray frames, recognising each distinct line once."""

    def __init__(self, threads: int = 0):
        threads = threads or min(4, os.cpu_count() or 1)
        self._engine = load_ocr_engine(
            {
                "Global.use_cls": False,
                # bands of changed rows are wide and short: rapidocr would pad any region
                # wider than 8x its height to w/4 tall before detecting (a 1920x144 band
                # became 1920x480 and took twice as long as a 1920x288 one)
                "Global.use_vertical_padding": False,
                # detect() scales regions itself (DETECT_SIDE): rapidocr must not scale again
                "Det.limit_type": "max",
                "Det.limit_side_len": 4096,
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                # rapidocr turns onnxruntime's buffer arena off: every detection then maps
                # its activations afresh and faults them in (3.5 s of 51 on the 10-minute
                # Zoom-layout bench run); the arena keeps them, ~200 MB more peak RSS at 720p
                "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
            }
        )
        self._cache = LineCache(CACHE_LINES)
        self.stats = OcrStats()

    def _detect(self, bgr: np.ndarray) -> list[tuple[int, int, int, int]]:
        result = self._engine(bgr, use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(result, "boxes", None)
        if boxes is None:
            return []
        found = []
        for quad in np.asarray(boxes):
            x0, y0 = np.floor(quad.min(axis=0)).astype(int)
            x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
            if x1 - x0 >= 4 and y1 - y0 >= 4:
                found.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
        return found

    def detect(self, image: np.ndarray, region: Box) -> list[Box]:
        """Boxes ([x, y, w, h], image pixels) of the text lines inside `region` of `image`.
        The detector only looks at the part of the region that has ink (sharp steps), with
        a margin: detection costs by the area, and a changed band of a screen is mostly
        empty background."""
        import cv2

        inked = ink_extent(image, region)
        if inked is None:
            return []
        # every region at the scale the whole frame is detected at: text keeps one size for
        # the detector whatever the region, and a small region costs by its own area
        scale = min(1.0, DETECT_SIDE / max(image.shape[0], image.shape[1]))
        x, y, w, h = inked
        crop = np.ascontiguousarray(image[y : y + h, x : x + w])
        if scale < 1.0:
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        self.stats.regions += 1
        boxes = self._detect(cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR))
        return [
            (
                x + int(bx / scale),
                y + int(by / scale),
                int(np.ceil(bw / scale)),
                int(np.ceil(bh / scale)),
            )
            for bx, by, bw, bh in boxes
        ]

    def recognise(self, image: np.ndarray, boxes: list[Box]) -> list[OcrLine]:
        """The text of each line box (in one batch, skipping pictures read before). Lines
        scoring under MIN_SCORE or empty are left out."""
        import cv2

        # a line shorter than ~8 characters cannot hold a credential: not worth reading
        boxes = [b for b in boxes if b[2] >= MIN_ASPECT * b[3]]
        crops = [
            np.ascontiguousarray(image[max(0, by) : by + bh, max(0, bx) : bx + bw])
            for bx, by, bw, bh in boxes
        ]

        def recognise(todo: list[int]) -> list[tuple[str, float]]:
            result = self._engine.recognize_txt(
                [cv2.cvtColor(crops[i], cv2.COLOR_GRAY2BGR) for i in todo]
            )
            return [
                (text, float(score)) for text, score in zip(result.txts, result.scores, strict=True)
            ]

        readings, recognised = self._cache.read(crops, recognise)
        self.stats.lines_recognised += recognised
        self.stats.cache_hits += len(crops) - recognised
        lines = []
        for box, (text, score) in zip(boxes, readings, strict=True):
            if score >= MIN_SCORE and text.strip():
                lines.append(OcrLine(text.strip(), box, score))
        return lines

    def read(self, image: np.ndarray, region: Box) -> list[OcrLine]:
        """The text lines inside `region` ([x, y, w, h] of the gray `image`), top to bottom."""
        lines = self.recognise(image, self.detect(image, region))
        return sorted(lines, key=lambda ln: (ln.box[1], ln.box[0]))
