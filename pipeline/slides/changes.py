"""Finding the moments the presented content changes (slide -> next slide, deck -> terminal,
terminal -> browser) in a stream of small gray frames, while ignoring what moves but is no
topic change: webcam tiles, the mouse cursor, typing, scrolling, a video playing in a slide.

How: each frame is cut into a grid of cells (10x10 px at 320 px wide). Between the last
stable picture and the current one a cell counts as *changed* when its mean absolute
difference is large. Then:

- cells that keep changing while the rest is still (a webcam tile, a playing video) earn
  *activity* and are masked out;
- a vertical shift that explains the difference is a scroll, not a change;
- only *replaced* content counts: cells that held content before and hold other content now,
  or whose brightness flipped (light deck -> dark terminal). Text appearing on an empty
  background (typing, command output, a bullet built in) is not a new topic;
- a change is kept only when the new picture then stays stable for `stable_seconds`.

The difference to the last stable picture (not to the previous frame) is tracked as the
picture drifts, so slow typing never adds up to a change.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from pipeline.media.activity import StreamActivity
from pipeline.media.frames import SampledFrame


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
    #: fraction of changed cells that makes a change even when content was only added
    changed_fraction: float = 0.5
    #: while a change settles, a jump over this fraction of the screen starts it afresh
    switch_fraction: float = 0.2
    #: a new picture must hold still this long to count
    stable_seconds: float = 2.0
    #: cell activity (0..1, moving average of "changed since last sample") above which a
    #: cell is masked as a moving region
    activity_mask: float = 0.3
    #: weight of the newest sample in the activity average
    activity_rate: float = 0.15
    #: above this masked fraction of the screen there is no screen share (gallery view)
    no_share_fraction: float = 0.5


@dataclass(frozen=True)
class DetectedChange:
    """A change found by the detector: when it started, the time of the most stable sharp
    sample after it (worth grabbing as the representative frame), and a confidence 0..1."""

    time: float
    frame_time: float
    confidence: float
    replaced: float


@dataclass(frozen=True)
class Comparison:
    changed: float
    replaced: float
    scrolled: bool

    def is_change(self, opts: DetectorOptions) -> bool:
        if self.scrolled:
            return False
        return self.replaced >= opts.replaced_fraction or self.changed >= opts.changed_fraction


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


def _shifted_cells(a: CellGrid, b: CellGrid, dy: int) -> np.ndarray:
    """Per-cell difference of `a` shifted up by `dy` rows against `b`. Rows the shift
    uncovers count as changed: what scrolled into view is new, and a big shift that
    merely pushes the difference out of view must not explain it away."""
    if dy > 0:
        diff = np.abs(a.image[dy:] - b.image[:-dy])
        top = 0
    else:
        diff = np.abs(a.image[:dy] - b.image[-dy:])
        top = -dy
    full = np.full_like(a.image, 255)
    full[top : top + diff.shape[0]] = diff
    return a.blocks(full).mean(axis=(1, 3))


def _scroll_explains(a: CellGrid, b: CellGrid, changed: np.ndarray, opts: DetectorOptions) -> bool:
    """True when shifting `a` vertically makes the `changed` cells match `b`: a page or a
    terminal scrolled. Parts that did not move (a browser's toolbar) are not held against
    it, since only cells that changed without a shift are judged."""
    rows_a = a.image.mean(axis=1)
    rows_b = b.image.mean(axis=1)
    h = a.h
    best, best_dy = None, 0
    for dy in range(-h // 3, h // 3 + 1):
        if abs(dy) < 2:
            continue
        if dy > 0:
            err = np.abs(rows_a[dy:] - rows_b[:-dy]).mean()
        else:
            err = np.abs(rows_a[:dy] - rows_b[-dy:]).mean()
        if best is None or err < best:
            best, best_dy = err, dy
    if best is None:
        return False
    still_changed = (_shifted_cells(a, b, best_dy) > opts.cell_threshold) & changed
    return bool(still_changed.sum() <= 0.35 * changed.sum())


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
    scrolled = False
    if replaced_frac >= opts.replaced_fraction or changed_frac >= opts.changed_fraction:
        scrolled = _scroll_explains(stable, current, changed, opts)
    return Comparison(float(changed_frac), float(replaced_frac), scrolled)


@dataclass
class _Candidate:
    start: float
    grid: CellGrid
    still_since: float
    best_time: float
    best_sharpness: float


class SlideChangeDetector:
    """Feed sampled frames in time order (`feed`), then `finish`; read `changes` and
    `masked_fraction`. Memory: a few frames, whatever the recording's length."""

    def __init__(self, opts: DetectorOptions | None = None):
        self.opts = opts or DetectorOptions()
        self.changes: list[DetectedChange] = []
        self.first_frame_time: float = 0.0
        self._stable: CellGrid | None = None
        self._previous: CellGrid | None = None
        self._activity: np.ndarray | None = None
        self._candidate: _Candidate | None = None
        self._masked_sum = 0.0
        self._samples = 0
        self._first_best = (0.0, -1.0)  # (time, sharpness) of the opening picture

    @property
    def masked_fraction(self) -> float:
        """Average fraction of the screen masked as moving regions."""
        return self._masked_sum / self._samples if self._samples else 0.0

    @property
    def screen_share(self) -> bool:
        """False when most of the picture keeps moving (gallery view, no shared screen)."""
        return self.masked_fraction < self.opts.no_share_fraction

    def mask(self) -> np.ndarray:
        assert self._activity is not None
        return self._activity > self.opts.activity_mask

    def current_mask(self) -> np.ndarray | None:
        """The cells masked as moving regions so far (None before the first frame)."""
        return None if self._activity is None else self.mask()

    def feed(self, frame: SampledFrame) -> None:
        opts = self.opts
        grid = CellGrid(frame.image, opts.cell)
        t = frame.time
        if self._stable is None:
            self._stable = self._previous = grid
            self._activity = np.zeros_like(grid.mean)
            self.first_frame_time = t
            self._first_best = (t, grid.sharpness())
            return
        step = cell_difference(self._previous, grid) > opts.cell_threshold
        # a frame where much of the screen changes at once is a cut, not a moving region
        if step.mean() < 0.2:
            self._activity += opts.activity_rate * (step - self._activity)
        mask = self.mask()
        self._masked_sum += float(mask.mean())
        self._samples += 1
        moving = (step & ~mask).sum() / max(1, int((~mask).sum())) >= opts.replaced_fraction

        cand = self._candidate
        if cand is None:
            comparison = compare(self._stable, grid, mask, opts)
            if comparison.is_change(opts):
                self._candidate = _Candidate(t, grid, t, t, grid.sharpness())
            else:
                self._stable = grid  # drift: typing, scrolling, cursor
                if not self.changes and not moving:
                    s = grid.sharpness()
                    if s > self._first_best[1]:
                        self._first_best = (t, s)
        else:
            jump = compare(cand.grid, grid, mask, opts)
            if jump.is_change(opts) and jump.changed >= opts.switch_fraction:
                # a second screen switch: what was settling is not what the topic looks like
                # (smaller jumps, e.g. a video playing in the new slide, are movement)
                self._candidate = _Candidate(t, grid, t, t, grid.sharpness())
                self._previous = grid
                return
            if moving:
                cand.grid, cand.still_since = grid, t
                cand.best_time, cand.best_sharpness = t, grid.sharpness()
            else:
                s = grid.sharpness()
                if s > cand.best_sharpness:
                    cand.best_time, cand.best_sharpness = t, s
                cand.grid = grid
            if t - cand.still_since >= opts.stable_seconds:
                self._settle(cand, mask)
        self._previous = grid

    def _settle(self, cand: _Candidate, mask: np.ndarray) -> None:
        comparison = compare(self._stable, cand.grid, mask, self.opts)
        if comparison.is_change(self.opts):
            confidence = min(1.0, 0.5 + comparison.replaced / (4 * self.opts.replaced_fraction))
            self.changes.append(
                DetectedChange(
                    cand.start, cand.best_time, round(confidence, 3), comparison.replaced
                )
            )
        self._stable = cand.grid
        self._candidate = None

    def finish(self) -> list[DetectedChange]:
        """Close the stream (a change still settling at the end is judged as it stands)."""
        if self._candidate is not None and self._activity is not None:
            self._settle(self._candidate, self.mask())
        return self.changes

    @property
    def opening_frame_time(self) -> float:
        """Time of the sharpest still sample of the opening picture (before any change)."""
        return self._first_best[0]


#: a keyframe differing from the one before over this share of the picture, with no packet
#: spike between them, shows a switch made at the keyframe itself
SWITCH_AT_KEYFRAME_FRACTION = 0.25


#: keyframe-to-keyframe comparisons a cell is remembered over, and in how many of them it must
#: have changed to count as a moving region (a webcam tile differs at every keyframe)
GATE_HISTORY, GATE_MOVING = 4, 3


class KeyframeGate:
    """Decides whether the stretch between two keyframes needs a closer look: yes when more
    of the picture changed than a cursor would move, outside the regions that changed at
    most recent keyframes (a webcam tile). Deliberately more eager than the detector, which
    makes the real decision on the samples of that stretch. Counts what it opened.

    It learns the moving regions from the keyframes alone, not from the detector: the screen
    pass decodes ahead of the detector, so what the detector has learnt when the gate is
    asked would depend on timing.

    With `activity` (the stream's packet-size spikes) a stretch is also opened when the two
    keyframes look alike but a frame between them carried far more bytes than its
    neighbours: something came and went (A -> B -> A) between the keyframes."""

    def __init__(
        self,
        detector: SlideChangeDetector,
        changed_fraction: float = 0.01,
        activity: StreamActivity | None = None,
    ):
        self.opts = detector.opts
        self.activity = activity
        self.changed_fraction = changed_fraction
        self._history: deque[np.ndarray] = deque(maxlen=GATE_HISTORY)
        self.opened = 0
        self.opened_seconds = 0.0

    def __call__(self, a: SampledFrame, b: SampledFrame) -> bool:
        ga, gb = CellGrid(a.image, self.opts.cell), CellGrid(b.image, self.opts.cell)
        changed = cell_difference(ga, gb) > self.opts.cell_threshold
        moving = np.zeros_like(changed)
        if len(self._history) >= GATE_MOVING and self._history[0].shape == changed.shape:
            moving = np.sum(np.stack(self._history), axis=0) >= GATE_MOVING
        self._history.append(changed)
        keep = ~moving
        fraction = (changed & keep).sum() / max(1, int(keep.sum()))
        differs = fraction >= self.changed_fraction
        if self.activity is not None:
            if self.activity.active_between(a.time, b.time):
                differs = True
            elif fraction >= SWITCH_AT_KEYFRAME_FRACTION:
                # a switch this large inside the stretch would have spiked a packet: it
                # happened at the keyframe itself, which is sampled already
                differs = False
        if differs:
            self.opened += 1
            self.opened_seconds += b.time - a.time
        return bool(differs)


def detect_changes(
    frames: Iterable[SampledFrame], opts: DetectorOptions | None = None
) -> SlideChangeDetector:
    """Run the detector over `frames`; returns it finished (read `.changes`)."""
    detector = SlideChangeDetector(opts)
    for frame in frames:
        detector.feed(frame)
    detector.finish()
    return detector
