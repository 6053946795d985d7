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
from pipeline.media.geometry import Box
from pipeline.slides.comparison import (
    CellGrid,
    Comparison,
    DetectorOptions,
    cell_difference,
    compare,
)
from pipeline.slides.share_region import LaidOutSample, ShareStretch, ShareTracker

__all__ = ["CellGrid", "Comparison", "DetectorOptions", "compare", "detect_changes"]


@dataclass(frozen=True)
class DetectedChange:
    """A change found by the detector: when it started, the time of the most stable sharp
    sample after it (worth grabbing as the representative frame), and a confidence 0..1."""

    time: float
    frame_time: float
    confidence: float
    replaced: float
    #: the share rectangle at the change (small-view pixels), None when nobody shares
    share: Box | None = None


@dataclass
class _Candidate:
    start: float
    grid: CellGrid | None
    best_time: float
    best_sharpness: float
    #: a layout switch (a share starts, ends or moves): a change without comparing pictures
    layout: bool = False


def share_crop(image: np.ndarray, box: Box) -> np.ndarray:
    """The part of a small gray picture inside the share `box`."""
    x, y, w, h = box
    return image[y : y + h, x : x + w]


class SlideChangeDetector:
    """Feed sampled frames in time order (`feed`), then `finish`; read `changes`, `shares`
    and `masked_fraction`. Slides are compared only inside the share rectangle of their
    stretch (pipeline.slides.share_region); a layout switch is a change of its own.
    Decisions come a few samples late (the share tracker looks ahead). Memory: a few
    frames, whatever the recording's length."""

    def __init__(self, opts: DetectorOptions | None = None):
        self.opts = opts or DetectorOptions()
        self.changes: list[DetectedChange] = []
        self.first_frame_time: float = 0.0
        self.tracker = ShareTracker()
        self._box: Box | None = None
        self._stable: CellGrid | None = None
        self._previous: CellGrid | None = None
        self._activity: np.ndarray | None = None
        self._candidate: _Candidate | None = None
        self._masked_sum = 0.0
        self._samples = 0
        self._first_best = (0.0, -1.0)  # (time, sharpness) of the opening picture
        self._frame_size: tuple[int, int] = (0, 0)

    @property
    def masked_fraction(self) -> float:
        """Average fraction of the screen outside the share or masked as moving inside it."""
        return self._masked_sum / self._samples if self._samples else 0.0

    @property
    def screen_share(self) -> bool:
        """False when most of the picture keeps moving (gallery view, no shared screen)."""
        return self.masked_fraction < self.opts.no_share_fraction

    @property
    def frame_size(self) -> tuple[int, int]:
        """Height and width of the small pictures fed (0, 0 before the first)."""
        return self._frame_size

    @property
    def shares(self) -> list[ShareStretch]:
        """The layout stretches seen (box None: nobody shared), in small-view pixels."""
        return self.tracker.stretches

    def mask(self) -> np.ndarray:
        assert self._activity is not None
        return self._activity > self.opts.activity_mask

    def current_mask(self) -> np.ndarray | None:
        """The cells masked as moving regions so far (None before the first frame)."""
        return None if self._activity is None else self.mask()

    def feed(self, frame: SampledFrame) -> None:
        """Take one sample (a small gray picture)."""
        self._frame_size = frame.image.shape
        for placed in self.tracker.feed(frame):
            self._feed_placed(placed)

    def _feed_placed(self, placed: LaidOutSample) -> None:
        t = placed.frame.time
        if placed.new_layout:
            self._switch_layout(t)
        self._box = placed.box
        if placed.box is None:
            self._count_masked(None)
            self._stable = self._previous = None
            cand = self._candidate
            if cand is not None and t - cand.start >= self.opts.stable_seconds:
                self._settle(cand, None)
            return
        grid = CellGrid(share_crop(placed.frame.image, placed.box), self.opts.cell)
        if self._stable is None or self._stable.mean.shape != grid.mean.shape:
            self._start_layout(t, grid)
            return
        self._compare_next(t, grid)

    def _switch_layout(self, t: float) -> None:
        """A share started, ended or moved at `t`: that is a change (it held CONFIRM samples)."""
        self._candidate = _Candidate(t, None, t, -1.0, layout=True)
        self._stable = self._previous = None

    def _start_layout(self, t: float, grid: CellGrid) -> None:
        self._stable = self._previous = grid
        self._activity = np.zeros_like(grid.mean)
        self._count_masked(self.mask())
        cand = self._candidate
        if cand is not None and cand.layout:
            cand.grid, cand.best_time, cand.best_sharpness = grid, t, grid.sharpness()
        elif not self.changes and cand is None and self._first_best[1] < 0:
            self.first_frame_time = t
            self._first_best = (t, grid.sharpness())

    def _count_masked(self, mask: np.ndarray | None) -> None:
        h, w = self._frame_size
        if mask is None or self._box is None or not h:
            self._masked_sum += 1.0
        else:
            share = self._box[2] * self._box[3] / float(h * w)
            self._masked_sum += 1.0 - share + share * float(mask.mean())
        self._samples += 1

    def _compare_next(self, t: float, grid: CellGrid) -> None:
        opts = self.opts
        step = cell_difference(self._previous, grid) > opts.cell_threshold
        # a frame where much of the screen changes at once is a cut, not a moving region
        if step.mean() < 0.2:
            self._activity += opts.activity_rate * (step - self._activity)
        mask = self.mask()
        self._count_masked(mask)
        moving = (step & ~mask).sum() / max(1, int((~mask).sum())) >= opts.replaced_fraction
        cand = self._candidate
        if cand is None:
            if compare(self._stable, grid, mask, opts).is_change(opts):
                self._candidate = _Candidate(t, grid, t, grid.sharpness())
            else:
                self._stable = grid  # drift: typing, scrolling, cursor
                if not self.changes and not moving:
                    s = grid.sharpness()
                    if s > self._first_best[1]:
                        self._first_best = (t, s)
            self._previous = grid
            return
        if not cand.layout and cand.grid is not None:
            jump = compare(cand.grid, grid, mask, opts)
            if jump.is_change(opts) and jump.changed >= opts.switch_fraction:
                # a second screen switch: what was settling is not what the topic looks like
                # (smaller jumps, e.g. a video playing in the new slide, are movement)
                self._candidate = _Candidate(t, grid, t, grid.sharpness())
                self._previous = grid
                return
        if not moving:
            s = grid.sharpness()
            if s > cand.best_sharpness:
                cand.best_time, cand.best_sharpness = t, s
        cand.grid = grid
        # the new screen counts from its first sample however it scrolls or animates after
        if t - cand.start >= opts.stable_seconds:
            self._settle(cand, mask)
        self._previous = grid

    def _settle(self, cand: _Candidate, mask: np.ndarray | None) -> None:
        """Keep the candidate as a change when it is a layout switch, or when what it became
        still differs from the picture before it (else it was a flash)."""
        if cand.layout:
            self.changes.append(DetectedChange(cand.start, cand.best_time, 1.0, 1.0, self._box))
        elif self._stable is not None and cand.grid is not None and mask is not None:
            comparison = compare(self._stable, cand.grid, mask, self.opts)
            if comparison.is_change(self.opts):
                replaced = comparison.replaced
                confidence = min(1.0, 0.5 + replaced / (4 * self.opts.replaced_fraction))
                self.changes.append(
                    DetectedChange(
                        cand.start, cand.best_time, round(confidence, 3), replaced, self._box
                    )
                )
        if cand.grid is not None and self._box is not None:
            self._stable = cand.grid
        self._candidate = None

    def finish(self) -> list[DetectedChange]:
        """Close the stream (a change still settling at the end is judged as it stands)."""
        for placed in self.tracker.finish():
            self._feed_placed(placed)
        if self._candidate is not None:
            self._settle(self._candidate, self.mask() if self._activity is not None else None)
        return self.changes

    @property
    def opening_frame_time(self) -> float:
        """Time of the sharpest still sample of the opening picture (before any change)."""
        return self._first_best[0]


#: a keyframe differing from the one before over this share of the picture, with no packet
#: spike between them, shows a switch made at the keyframe itself
SWITCH_AT_KEYFRAME_FRACTION = 0.25


#: with more of the picture than this changing between any two keyframes so far (a strip of webcam
#: tiles, not one small tile), the packets are too noisy for a switch inside a stretch to
#: stand out as a spike: a large difference opens the stretch after all
NOISY_MOVING_FRACTION = 0.04


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
            elif fraction >= SWITCH_AT_KEYFRAME_FRACTION and not self._noisy():
                # a switch this large inside the stretch would have spiked a packet: it
                # happened at the keyframe itself, which is sampled already
                differs = False
        if differs:
            self.opened += 1
            self.opened_seconds += b.time - a.time
        return bool(differs)

    def _noisy(self) -> bool:
        """Whether more than NOISY_MOVING_FRACTION of the cells changed in every keyframe
        comparison remembered (two at least)."""
        if len(self._history) < 2:
            return False
        return min(float(h.mean()) for h in self._history) > NOISY_MOVING_FRACTION


def detect_changes(
    frames: Iterable[SampledFrame], opts: DetectorOptions | None = None
) -> SlideChangeDetector:
    """Run the detector over `frames`; returns it finished (read `.changes`)."""
    detector = SlideChangeDetector(opts)
    for frame in frames:
        detector.feed(frame)
    detector.finish()
    return detector
