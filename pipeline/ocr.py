"""OCR of screen regions with rapidocr (PP-OCR ONNX models shipped in its wheel): text lines
are detected in a region, and only lines whose picture has not been read before are
recognised. A line's picture is keyed by a perceptual hash (a coarse, quantised thumbnail),
so a line that merely stays on screen, or comes back, is never recognised twice.

The cache lives in memory only: it holds what was read, secrets included, and nothing that
holds a secret in clear is written to the work folder. It keeps the CACHE_LINES most recently
used lines, so memory stays flat however long the recording."""

from __future__ import annotations

import hashlib
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from pipeline.errors import ModelUnavailableError

log = logging.getLogger(__name__)

#: recognitions below this score are dropped as unreadable
MIN_SCORE = 0.5
#: lines narrower than this many times their height are not recognised
MIN_ASPECT = 4.0
#: distinct line pictures remembered (least recently used go first)
CACHE_LINES = 20_000


Box = tuple[int, int, int, int]


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


def line_hash(crop: np.ndarray) -> str:
    """A perceptual hash of a text line picture: its size (to 4 px) and a quarter-size
    thumbnail quantised to 8 gray levels. Compression noise rarely changes it; one typed
    character always does."""
    import cv2

    h, w = crop.shape[:2]
    thumb = cv2.resize(crop, (max(4, w // 4), max(4, h // 4)), interpolation=cv2.INTER_AREA)
    digest = hashlib.blake2b((thumb // 32).tobytes(), digest_size=12).hexdigest()
    return f"{w // 4}x{h // 4}:{digest}"


class ScreenReader:
    """Reads text lines in regions of gray frames, recognising each distinct line once."""

    def __init__(self, threads: int = 0):
        try:
            from rapidocr import RapidOCR

            threads = threads or min(4, os.cpu_count() or 1)
            self._engine = RapidOCR(
                params={
                    "Global.use_cls": False,
                    "Global.log_level": "error",
                    "Det.limit_type": "max",
                    "Det.limit_side_len": 960,
                    "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                }
            )
        except Exception as exc:
            raise ModelUnavailableError(
                f"cannot load the OCR models ({type(exc).__name__})",
                hint="run `make install` to install rapidocr with its bundled models",
            ) from exc
        self._cache: OrderedDict[str, tuple[str, float]] = OrderedDict()
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
        """Boxes ([x, y, w, h], image pixels) of the text lines inside `region` of `image`."""
        import cv2

        x, y, w, h = region
        crop = np.ascontiguousarray(image[y : y + h, x : x + w])
        if crop.size == 0:
            return []
        self.stats.regions += 1
        boxes = self._detect(cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR))
        return [(x + bx, y + by, bw, bh) for bx, by, bw, bh in boxes]

    def recognise(self, image: np.ndarray, boxes: list[Box]) -> list[OcrLine]:
        """The text of each line box (in one batch, skipping pictures read before). Lines
        scoring under MIN_SCORE or empty are left out."""
        import cv2

        # a line shorter than ~8 characters cannot hold a credential: not worth reading
        boxes = [b for b in boxes if b[2] >= MIN_ASPECT * b[3]]
        keys, todo = [], {}
        for bx, by, bw, bh in boxes:
            line = np.ascontiguousarray(image[max(0, by) : by + bh, max(0, bx) : bx + bw])
            key = line_hash(line)
            keys.append(key)
            if key in self._cache:
                self._cache.move_to_end(key)
                self.stats.cache_hits += 1
            elif key not in todo:
                todo[key] = cv2.cvtColor(line, cv2.COLOR_GRAY2BGR)
        fresh: dict[str, tuple[str, float]] = {}
        if todo:
            result = self._engine.recognize_txt(list(todo.values()))
            for key, text, score in zip(todo, result.txts, result.scores, strict=True):
                fresh[key] = (text, float(score))
            self.stats.lines_recognised += len(todo)
        read = {key: fresh[key] if key in fresh else self._cache[key] for key in keys}
        self._cache.update(fresh)
        while len(self._cache) > CACHE_LINES:
            self._cache.popitem(last=False)
        lines = []
        for box, key in zip(boxes, keys, strict=True):
            text, score = read[key]
            if score >= MIN_SCORE and text.strip():
                lines.append(OcrLine(text.strip(), box, score))
        return lines

    def read(self, image: np.ndarray, region: Box) -> list[OcrLine]:
        """The text lines inside `region` ([x, y, w, h] of the gray `image`), top to bottom."""
        lines = self.recognise(image, self.detect(image, region))
        return sorted(lines, key=lambda ln: (ln.box[1], ln.box[0]))
