"""How far the shared screen scrolled between two samples, and which parts of it moved.

A page scrolled between two samples changes nearly every pixel, yet it shows nothing new but
the rows that came into view. The screen scanner follows the scroll instead of reading the
page again: it moves the lines it has read, and reads only what appeared.

`find_scroll` matches a strip of the new picture against the old one (both reduced to a few
columns but kept at full height, so that a scroll of one pixel is seen) and returns the
vertical offset `dy`: row y of the new picture shows what row y + dy of the old one showed
(dy > 0: the content moved up, the page was scrolled down). `scrolled_cells` says, cell by cell,
where that holds."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: columns the pictures are reduced to before matching (full height is kept)
MATCH_COLUMNS = 80
#: a scroll of more than this share of the height between two samples is not followed
MAX_SHIFT = 0.45
#: rows of the new picture that differ from the old (mean gray difference) by more than this
#: are the change a scroll must explain
ROW_DIFF = 6.0
#: a scroll is only looked for when at least this share of the rows changed
MIN_CHANGED_ROWS = 0.1
#: the matched strip must explain the change: its normalised squared difference at the best
#: offset at most this, and at most SHARPNESS times the one without an offset
MAX_MATCH_ERROR, SHARPNESS = 0.02, 0.25
#: the strip matched must vary by at least this (gray levels, standard deviation)
STRIP_TEXTURE = 4.0
#: a row matches another when none of its MATCH_COLUMNS differs by more than this (gray
#: levels): one other character in the row differs by 40 or more, the encoder's noise by
#: well under
ROW_MATCH = 16.0
#: a scroll must explain at least this share of the changed rows
EXPLAINED = 0.5
#: offsets of the strip's best matches checked over the whole change
CANDIDATES = 8


def _columns(picture: np.ndarray) -> np.ndarray:
    import cv2

    h, w = picture.shape[:2]
    return cv2.resize(picture, (min(w, MATCH_COLUMNS), h), interpolation=cv2.INTER_AREA).astype(
        np.float32
    )


def find_scroll(previous: np.ndarray, current: np.ndarray) -> int | None:
    """The vertical offset dy with current[y] == previous[y + dy] over the part of the
    picture that changed, or None when the change is not a scroll (or nothing changed).

    The most textured strip of each half of the change is matched against the old picture;
    the best few offsets are then checked over every changed row: the one that explains most
    of them wins (a page of look-alike sections matches a short strip at several offsets,
    the whole change at one)."""
    if previous.shape != current.shape or previous.ndim != 2:
        return None
    h = previous.shape[0]
    old, new = _columns(previous), _columns(current)
    changed = np.abs(new - old).mean(axis=1) > ROW_DIFF
    rows = np.flatnonzero(changed)
    if rows.size < MIN_CHANGED_ROWS * h:
        return None
    first, last = int(rows[0]), int(rows[-1]) + 1
    height = max(16, h // 6)
    # a strip in each half of the change: the upper one finds a scroll down far, the lower one
    # a scroll up far; each proposes its best few offsets
    candidates: set[int] = set()
    for lo, hi in ((first, (first + last) // 2 + height), ((first + last) // 2 - height, last)):
        top = _textured_strip(new, max(first, lo), min(last, hi), height)
        if top is not None:
            candidates |= _offsets(old, new[top : top + height], top, int(MAX_SHIFT * h))
    explained = {dy: _explained_rows(old, new, changed, dy) for dy in candidates - {0}}
    if not explained:
        return None
    dy = max(explained, key=lambda d: (explained[d], -abs(d)))
    if explained[dy] < EXPLAINED * changed.sum():
        return None
    return dy


def _offsets(old: np.ndarray, strip: np.ndarray, top: int, reach: int) -> set[int]:
    """The offsets (up to `reach` rows) at which `strip`, taken at row `top` of the new
    picture, matches the old picture best: its CANDIDATES best dips that match well."""
    import cv2

    h = old.shape[0]
    lo, hi = max(0, top - reach), min(h, top + len(strip) + reach)
    scores = cv2.matchTemplate(old[lo:hi], strip, cv2.TM_SQDIFF_NORMED)[:, 0]
    unshifted = float(scores[top - lo])
    # a match is a dip a few offsets wide: one candidate each
    dips = np.flatnonzero((scores <= np.roll(scores, 1)) & (scores <= np.roll(scores, -1)))
    return {
        lo + int(k) - top
        for k in dips[np.argsort(scores[dips])][:CANDIDATES]
        if scores[k] <= MAX_MATCH_ERROR and scores[k] <= SHARPNESS * unshifted
    }


def _textured_strip(picture: np.ndarray, first: int, last: int, height: int) -> int | None:
    """The top row of the most textured strip of `height` rows between rows first and last
    (a plain strip matches anywhere), or None when none is textured enough."""
    best, top = STRIP_TEXTURE, None
    for start in range(first, max(first, last - height) + 1, max(1, height // 2)):
        spread = float(picture[start : start + height].std())
        if start + height <= picture.shape[0] and spread > best:
            best, top = spread, start
    return top


def _explained_rows(old: np.ndarray, new: np.ndarray, changed: np.ndarray, dy: int) -> int:
    """How many changed rows of `new` show what the row dy further in `old` showed (a fixed
    header or a pane that did not scroll explains nothing at any offset; a look-alike
    section further down explains fewer rows than the true offset does)."""
    h = old.shape[0]
    y0, y1 = max(0, -dy), min(h, h - dy)
    rows = np.flatnonzero(changed[y0:y1]) + y0
    return int((np.abs(new[rows] - old[rows + dy]).max(axis=1) <= ROW_MATCH).sum())


def shifted(previous: np.ndarray, dy: int) -> tuple[np.ndarray, np.ndarray]:
    """`previous` moved by dy rows (row y holds previous[y + dy]), and which rows of it are
    known (rows whose source lies outside the old picture are not)."""
    h = previous.shape[0]
    moved = np.zeros_like(previous)
    known = np.zeros(h, dtype=bool)
    src0, src1 = max(0, dy), min(h, h + dy)
    moved[src0 - dy : src1 - dy] = previous[src0:src1]
    known[src0 - dy : src1 - dy] = True
    return moved, known


def scrolled_cells(
    previous: np.ndarray,
    current: np.ndarray,
    dy: int,
    low_shape: tuple[int, int],
    changed: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """The cells, as `changed(a, b)` lays them over pictures reduced to `low_shape` (h, w),
    in which the old picture shifted by dy does not differ from the new one: what the scroll
    explains. `changed` is the screen scanner's own test, so that a cell the scroll explains
    is one the scanner would have seen unchanged had the old picture been there."""
    import cv2

    moved, known = shifted(previous, dy)
    size = (low_shape[1], low_shape[0])
    old = cv2.resize(moved, size, interpolation=cv2.INTER_AREA).astype(np.int16)
    new = cv2.resize(current, size, interpolation=cv2.INTER_AREA).astype(np.int16)
    rows_known = cv2.resize(
        known.astype(np.uint8)[:, None] * 255, (1, size[1]), interpolation=cv2.INTER_AREA
    )[:, 0]
    old[rows_known < 255] = -1000  # rows not (wholly) in the old picture: nothing explains them
    return ~changed(old, new)
