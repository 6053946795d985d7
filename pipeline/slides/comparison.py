"""Comparing two small gray pictures of the shared screen: which cells changed, which held
content before and after (replaced, not merely added to), and whether a vertical shift
explains the difference (a page or a terminal scrolled). pipeline.slides.changes decides
from these comparisons what is a new slide."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DetectorOptions:
    """Tuning of the detector (recorded in slides.json)."""

    #: samples per second read from the recording
    sample_fps: float = 2.0
    #: width the frames are scaled to
    width: int = 320
    #: cell edge in pixels of the scaled frame
    cell: int = 10
    #: a cell's mean absolute difference above this means it changed
    cell_threshold: float = 6.0
    #: fraction of (unmasked) cells with replaced content that makes a change
    replaced_fraction: float = 0.02
    #: ... and the share of the cells holding content (before or after) that must have been
    #: replaced: a progress bar, a spinner or a status label in an app replaces a few
    #: percent of the screen but little of what it shows
    replaced_of_content: float = 0.2
    #: fraction of changed cells that makes a change even when content was only added
    changed_fraction: float = 0.5
    #: while a change settles, a jump over this fraction of the screen starts it afresh
    switch_fraction: float = 0.2
    #: a new picture must last this long to count (it may scroll or animate meanwhile)
    stable_seconds: float = 2.0
    #: cell activity (0..1, moving average of "changed since last sample") above which a
    #: cell is masked as a moving region
    activity_mask: float = 0.3
    #: weight of the newest sample in the activity average
    activity_rate: float = 0.15
    #: above this masked fraction of the screen there is no screen share (gallery view)
    no_share_fraction: float = 0.5


@dataclass(frozen=True)
class Comparison:
    """Fractions of the compared (unmasked) cells that changed and whose content was
    replaced, the replaced share of the cells with content, and whether it scrolled."""

    changed: float
    replaced: float
    scrolled: bool
    replaced_of_content: float = 1.0
    #: the topmost text (where a slide's title sits) was replaced
    title_replaced: bool = False

    def is_change(self, opts: DetectorOptions) -> bool:
        if self.scrolled:
            return False
        replaced = self.replaced >= opts.replaced_fraction and (
            self.replaced_of_content >= opts.replaced_of_content or self.title_replaced
        )
        return replaced or self.changed >= opts.changed_fraction


class CellGrid:
    """Per-cell statistics of a gray frame."""

    def __init__(self, image: np.ndarray, cell: int):
        h, w = image.shape
        self.h, self.w = h // cell * cell, w // cell * cell
        self.cell = cell
        self.image = image[: self.h, : self.w].astype(np.int16)
        blocks = self.blocks(self.image).astype(np.float32)
        self.mean = blocks.mean(axis=(1, 3))
        self.std = blocks.std(axis=(1, 3))

    def blocks(self, a: np.ndarray) -> np.ndarray:
        c = self.cell
        return a.reshape(a.shape[0] // c, c, a.shape[1] // c, c)

    def sharpness(self) -> float:
        """Mean gradient magnitude: higher for a crisp, fully drawn frame."""
        img = self.image.astype(np.float32)
        return float(np.abs(np.diff(img, axis=0)).mean() + np.abs(np.diff(img, axis=1)).mean())


def cell_difference(a: CellGrid, b: CellGrid) -> np.ndarray:
    """Per-cell mean absolute difference of two grids of the same size."""
    return a.blocks(np.abs(a.image - b.image)).mean(axis=(1, 3))


def _shifted_difference(a: CellGrid, b: CellGrid, dy: int) -> np.ndarray:
    """Per-pixel difference of `a` shifted up by `dy` rows against `b`. Rows the shift
    uncovers count as changed: what scrolled into view is new, and a big shift that
    merely pushes the difference out of view must not explain it away."""
    full = np.full_like(a.image, 255)
    if dy == 0:
        return np.abs(a.image - b.image)
    if dy > 0:
        full[: a.h - dy] = np.abs(a.image[dy:] - b.image[:-dy])
    else:
        full[-dy:] = np.abs(a.image[:dy] - b.image[-dy:])
    return full


def _shifted_cells(a: CellGrid, b: CellGrid, dy: int) -> np.ndarray:
    """Per-cell difference of `a` shifted by `dy` rows (or a row either side of it, for a
    scroll by a fraction of a pixel of the small view) against `b`."""
    diffs = [_shifted_difference(a, b, d) for d in (dy - 1, dy, dy + 1) if d]
    return a.blocks(np.minimum.reduce(diffs)).mean(axis=(1, 3))


def _scroll_explains(a: CellGrid, b: CellGrid, changed: np.ndarray, opts: DetectorOptions) -> bool:
    """True when shifting `a` vertically makes the `changed` cells match `b`: a page or a
    terminal scrolled. Parts that did not move (a browser's toolbar) are not held against
    it, since only cells that changed without a shift are judged. The band a shift uncovers
    is left out of the judgement (what scrolled into view is new), but most changed cells
    must lie outside it, or a shift could merely push the difference out of view. The three
    shifts whose row means match best are tried (a page repeats its own look)."""
    rows_a = a.image.mean(axis=1)
    rows_b = b.image.mean(axis=1)
    h = a.h
    errors = []
    for dy in range(-h // 3, h // 3 + 1):
        if abs(dy) < 2:
            continue
        if dy > 0:
            err = np.abs(rows_a[dy:] - rows_b[:-dy]).mean()
        else:
            err = np.abs(rows_a[:dy] - rows_b[-dy:]).mean()
        errors.append((float(err), dy))
    cell_top = np.arange(changed.shape[0]) * a.cell
    for _, dy in sorted(errors)[:3]:
        band = abs(dy) + 1
        if dy > 0:
            covered_rows = cell_top + a.cell <= h - band
        else:
            covered_rows = cell_top >= band
        covered = changed & covered_rows[:, None]
        if covered.sum() < 0.5 * changed.sum():
            continue
        still_changed = (_shifted_cells(a, b, dy) > opts.cell_threshold) & covered
        if still_changed.sum() <= 0.35 * covered.sum():
            return True
    return False


def compare(
    stable: CellGrid, current: CellGrid, mask: np.ndarray, opts: DetectorOptions
) -> Comparison:
    """How much `current` differs from `stable`, ignoring masked cells."""
    diff = cell_difference(stable, current)
    keep = ~mask
    n = max(1, int(keep.sum()))
    changed = (diff > opts.cell_threshold) & keep
    content_before = stable.std > 6
    content_after = current.std > 6
    flipped = np.abs(stable.mean - current.mean) > 40
    replaced = changed & ((content_before & content_after) | flipped)
    changed_frac = changed.sum() / n
    replaced_frac = replaced.sum() / n
    of_content = replaced.sum() / max(1, int(((content_before | content_after) & keep).sum()))
    scrolled = False
    if replaced_frac >= opts.replaced_fraction or changed_frac >= opts.changed_fraction:
        scrolled = _scroll_explains(stable, current, changed, opts)
    title = _title_replaced(replaced, (content_before | content_after) & keep)
    return Comparison(float(changed_frac), float(replaced_frac), scrolled, float(of_content), title)


#: rows of cells, from the first that holds content, where a slide's title sits
TITLE_ROWS = 3
#: the title is replaced when this share of its content cells (and 3 at least) were
TITLE_REPLACED = 0.3


def _title_replaced(replaced: np.ndarray, content: np.ndarray) -> bool:
    """Whether the topmost text was replaced: the next slide of a deck may differ in its
    title alone (the same bullets), a small share of what the screen shows, while an app's
    animation (bars filling, status labels) leaves its heading as it was."""
    rows = np.flatnonzero(content.any(axis=1))
    if rows.size == 0:
        return False
    top = slice(int(rows[0]), int(rows[0]) + TITLE_ROWS)
    hit = int((replaced & content)[top].sum())
    return hit >= 3 and hit >= TITLE_REPLACED * int(content[top].sum())
