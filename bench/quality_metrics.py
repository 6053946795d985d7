"""The measures `make quality` reports, computed from a fixture's ground truth and the
artifacts the pipeline wrote (no pipeline code is imported):

- slide changes: each detected change is paired with at most one true change within
  ±TOLERANCE s (closest pairs first); precision = paired / detected, recall = paired / true.
  The first entry of slides.json is the opening picture, not a change, and is left out.
- chapter starts: the share of expected chapters that a produced chapter starts within
  ±TOLERANCE s of (paired one to one, like changes).
- chapter titles: each expected chapter that has a title is paired with the produced chapter
  that overlaps it longest in time; the title is right when both are equal after
  `normalise_title` (Unicode NFKC, curly quotes made straight, case folded, runs of
  whitespace made one space, ends stripped). Nothing else is forgiven, except that a
  demo-day feature's chapter may name the presenter after the feature: a title that begins
  with the feature's title followed by a character that is not a letter or digit
  ("Schema Change Alerts (Priya Nair)") is right.
- demo-day features: the first produced chapter that names the feature as above; its start
  minus the feature's title-slide time (missing when no chapter names it).
- thumbnail: see `thumbnail_verdict`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import cv2
import numpy as np

TOLERANCE = 1.0
#: the smallest normalised correlation with a deck slide for a thumbnail to be that slide
DECK_NCC = 0.90
#: by how much the deck slide must beat the whole meeting window where the share is smaller
WINDOW_MARGIN = 0.05


@dataclass
class Pairing:
    pairs: list[tuple[float, float]]  # (truth, found)
    missed: list[float]
    extra: list[float]

    @property
    def precision(self) -> float | None:
        n = len(self.pairs) + len(self.extra)
        return len(self.pairs) / n if n else None

    @property
    def recall(self) -> float | None:
        n = len(self.pairs) + len(self.missed)
        return len(self.pairs) / n if n else None


def pair_times(truth: list[float], found: list[float], tolerance: float = TOLERANCE) -> Pairing:
    """Pair true and found times one to one within `tolerance`, closest first."""
    candidates = sorted(
        (abs(f - t), i, j)
        for i, t in enumerate(truth)
        for j, f in enumerate(found)
        if abs(f - t) <= tolerance
    )
    used_t: set[int] = set()
    used_f: set[int] = set()
    pairs = []
    for _, i, j in candidates:
        if i not in used_t and j not in used_f:
            used_t.add(i)
            used_f.add(j)
            pairs.append((truth[i], found[j]))
    return Pairing(
        sorted(pairs),
        [t for i, t in enumerate(truth) if i not in used_t],
        [f for j, f in enumerate(found) if j not in used_f],
    )


def f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def normalise_title(title: str | None) -> str:
    text = unicodedata.normalize("NFKC", title or "")
    text = text.translate(
        str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
    )
    return re.sub(r"\s+", " ", text).strip().casefold()


def names_feature(title: str | None, feature: str) -> bool:
    """Whether a chapter title names the feature: equal, or the feature's title followed by
    anything after a separator (a presenter in brackets, a dash)."""
    got, want = normalise_title(title), normalise_title(feature)
    return got == want or (got.startswith(want) and not got[len(want)].isalnum())


def _spans(chapters: list[dict], end: float) -> list[tuple[float, float]]:
    starts = [float(c["start"]) for c in chapters]
    return list(zip(starts, [*starts[1:], end], strict=True))


def title_checks(expected: list[dict], produced: list[dict], duration: float) -> list[dict]:
    """For each expected chapter with a title: the produced chapter overlapping it longest,
    and whether the titles match."""
    checks = []
    got_spans = _spans(produced, duration)
    for (a, b), chapter in zip(_spans(expected, duration), expected, strict=True):
        if chapter.get("title") is None:
            continue
        overlaps = [max(0.0, min(b, y) - max(a, x)) for x, y in got_spans]
        best = int(np.argmax(overlaps)) if overlaps and max(overlaps) > 0 else None
        got = produced[best]["title"] if best is not None else None
        if got is None:
            right = False
        elif "presenter" in chapter:
            right = names_feature(got, chapter["title"])
        else:
            right = normalise_title(got) == normalise_title(chapter["title"])
        checks.append({"start": a, "expected": chapter["title"], "got": got, "right": right})
    return checks


def feature_errors(features: list[dict], produced: list[dict]) -> list[dict]:
    """Per feature: the start error (s) of the chapter titled with it, or None if none is."""
    out = []
    for feature in features:
        match = next((c for c in produced if names_feature(c.get("title"), feature["title"])), None)
        error = None if match is None else round(float(match["start"]) - feature["start"], 2)
        out.append({"title": feature["title"], "start": feature["start"], "error": error})
    return out


def _small_gray(image: np.ndarray) -> np.ndarray:
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    return cv2.resize(gray, (64, 36), interpolation=cv2.INTER_AREA).astype(np.float64)


def ncc(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised correlation of two pictures, compared as 64x36 gray (small shifts, the
    cursor and compression do not matter at that size): 1 = the same picture."""
    x, y = _small_gray(a).ravel(), _small_gray(b).ravel()
    x, y = x - x.mean(), y - y.mean()
    den = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return float((x * y).sum() / den) if den > 0 else 0.0


def thumbnail_verdict(
    thumb: np.ndarray,
    deck: dict[int, np.ndarray],
    windows: dict[int, np.ndarray],
    share_is_frame: dict[int, bool],
    expected: int | None,
) -> dict:
    """Is the thumbnail the deck? `deck` maps each deck slide's scene index to its picture:
    a frame from its middle cropped to the share rectangle and scaled to 1280x720; `windows`
    the whole frame at the same moment. The thumbnail is the deck when it correlates with
    some deck slide at ≥ DECK_NCC and, where the share is smaller than the frame, beats the
    whole meeting window by ≥ WINDOW_MARGIN (a thumbnail of the window, webcam tiles and all,
    matches the window better). `slide_right`: the best match is the expected scene."""
    if not deck:
        return {"deck": None, "slide_right": None, "best_scene": None, "ncc": None}
    scores = {k: ncc(thumb, ref) for k, ref in deck.items()}
    best = max(scores, key=scores.get)
    window = ncc(thumb, windows[best])
    is_deck = scores[best] >= DECK_NCC and (
        share_is_frame[best] or scores[best] >= window + WINDOW_MARGIN
    )
    return {
        "deck": bool(is_deck),
        "slide_right": None if expected is None else bool(is_deck and best == expected),
        "best_scene": best,
        "ncc": round(scores[best], 3),
        "ncc_window": round(window, 3),
    }
