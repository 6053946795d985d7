"""Where the shared screen is: per stretch of the recording, the rectangle that holds the
shared content, found on the small gray samples the screen pass already makes.

A Zoom recording lays the shared screen out in a rectangle on a flat dark background, with
webcam tiles beside it (speaker view: a strip on the right; a strip on top), or fills the
frame with it, or shows no share at all (gallery view). The share is large, stays in place
and changes only in steps; a webcam tile changes between any two samples. So each sample's
4x4 px blocks are sorted into three kinds:

- *moving*: changed against both of the next two samples (a webcam tile; looking ahead,
  not back, so that the first sample after a layout switch is judged by the new layout);
- *background*: the colour of a flat, dark frame border, and still;
- *content*: anything else.

The share is the largest rectangle of content (moving blocks allowed inside it: a video in
a slide) that is mostly content, with tiles moving outside it. Without a dark flat border or
without tiles beside it, the whole frame is the share (a full-screen share, or the old
screen recordings); with most of the frame moving and no such rectangle there is none.
`ShareTracker` turns the per-sample answers into stretches: a new layout must hold for
`CONFIRM` samples and starts at the first of them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from pipeline.media.geometry import Box, iou
from pipeline.media.sampling import SampledFrame

#: block edge in pixels of the small view
BLOCK = 4
#: a block whose mean absolute difference to a later sample exceeds this has moved
MOVING_LEVEL = 3.0
#: a pixel this far from the background colour is content
CONTENT_LEVEL = 2.5
#: Zoom's background is dark: a brighter flat border is the shared picture's own margin
DARK_BACKGROUND = 48
#: share of the border that must be within 3 levels of its median to be a flat background
FLAT_BORDER = 0.6
#: the share rectangle must cover this much of the frame and be this much content ...
MIN_SHARE_AREA, MIN_CONTENT = 0.15, 0.6
#: ... with at least this much of the frame moving outside it (tiles beside the share)
MIN_TILES_OUTSIDE = 0.015
#: ... and at most this much moving inside it (a webcam tile with a still wall is not a share)
MAX_MOVING_INSIDE = 0.05
#: with a dark flat border, this much of the frame moving and no share rectangle, nobody is
#: sharing (gallery view)
NO_SHARE_MOVING = 0.1
#: two boxes overlapping less than this (intersection over union) are different layouts
SAME_LAYOUT_IOU = 0.8
#: samples a new layout must hold before it counts (it starts at the first of them)
CONFIRM = 2
#: a share box holds, whatever it shows, while this share of the RING pixels just outside it
#: (where nothing moves) are still background and at most MAX_ACTIVE_FRAMED of it is active
RING, FRAMED, MAX_ACTIVE_FRAMED = 2, 0.9, 0.25
#: a share box covering this share of the picture is the whole picture: no frame of
#: background to see around it, and the secret scanner does not crop to it
WHOLE_FRAME = 0.95


def _blocks(a: np.ndarray) -> np.ndarray:
    """The mean of each BLOCK x BLOCK block (OpenCV's area scaling: exact for whole
    blocks of small values, 10x faster than numpy's reshape and mean)."""
    import cv2

    h, w = a.shape[0] // BLOCK * BLOCK, a.shape[1] // BLOCK * BLOCK
    whole = np.ascontiguousarray(a[:h, :w], dtype=np.float32)
    return cv2.resize(whole, (w // BLOCK, h // BLOCK), interpolation=cv2.INTER_AREA)


def _best_shift(a: np.ndarray, b: np.ndarray) -> int:
    """The vertical shift (rows, up to a third of the height) that best lines up `a` with
    `b` by their row means: how far a page or a terminal scrolled between them. Ties go to
    the smallest shift, down before up."""
    rows_a, rows_b = a.mean(axis=1), b.mean(axis=1)
    h = len(rows_a)
    shifts = np.arange(2, max(2, h // 3))
    index = np.arange(h)[None, :] + shifts[:, None]  # row i + d, for each shift d
    inside = index < h
    index = np.minimum(index, h - 1)
    count = np.maximum(1, inside.sum(axis=1))
    down = (np.abs(rows_a[index] - rows_b[None, :]) * inside).sum(axis=1) / count
    up = (np.abs(rows_a[None, :] - rows_b[index]) * inside).sum(axis=1) / count
    errors = np.concatenate([[np.abs(rows_a - rows_b).mean()], np.stack([down, up], 1).ravel()])
    candidates = np.concatenate([[0], np.stack([shifts, -shifts], 1).ravel()])
    return int(candidates[int(np.argmin(errors))])


def changed_blocks(image: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Blocks that differ between two samples even after the best vertical shift (scrolled
    content has not changed in this sense)."""
    base, other = image.astype(np.int16), other.astype(np.int16)
    diff = np.abs(base - other)
    dy = _best_shift(base, other)
    # the neighbouring shifts too: a scroll by a fraction of a small-view pixel
    for d in {dy - 1, dy, dy + 1} - {0} if dy else ():
        shifted = diff.copy()
        if d > 0:
            shifted[:-d] = np.abs(base[d:] - other[:-d])
        else:
            shifted[-d:] = np.abs(base[:d] - other[-d:])
        diff = np.minimum(diff, shifted)
    return _blocks(diff) > MOVING_LEVEL


def zoom_background(image: np.ndarray) -> float | None:
    """The colour of the frame's outermost pixels when they are flat and dark (Zoom's
    background around a share), else None."""
    ring = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]]).astype(np.float32)
    level = float(np.median(ring))
    if level > DARK_BACKGROUND or np.mean(np.abs(ring - level) <= 3) < FLAT_BORDER:
        return None
    return level


def largest_rectangle(allowed: np.ndarray) -> tuple[int, int, int, int] | None:
    """The largest all-True axis-aligned rectangle of a boolean grid, as (col, row, cols,
    rows), or None when the grid has no True cell (of equal ones, the leftmost, then the
    highest-ending).

    With `runs` the True cells ending at each cell going up, the tallest rectangle over
    columns a..b with its bottom in row r is as tall as the least run among them: for each
    left column a, numpy takes that running minimum for every row and right column at once
    (3x faster than a stack over cells in Python, on the 45 x 80 grids of a 320 px view)."""
    rows, cols = allowed.shape
    if not allowed.any():
        return None
    runs = np.zeros((rows, cols), dtype=np.int32)
    run = np.zeros(cols, dtype=np.int32)
    for r in range(rows):
        run = np.where(allowed[r], run + 1, 0)
        runs[r] = run
    widths = np.arange(1, cols + 1)
    tallest = int(runs.max())
    best, best_area = None, 0
    for a in range(cols):
        if tallest * (cols - a) <= best_area:
            break  # no rectangle starting this far right can be larger
        heights = np.minimum.accumulate(runs[:, a:], axis=1)
        areas = heights * widths[: cols - a]
        k = int(np.argmax(areas))
        if int(areas.flat[k]) > best_area:
            r, w = divmod(k, cols - a)
            best_area, h = int(areas.flat[k]), int(heights[r, w])
            best = (a, r - h + 1, w + 1, h)
    return best


def _refine(content: np.ndarray, rect: tuple[int, int, int, int]) -> Box:
    """A block rectangle made pixel-exact: each edge moved outward from one block inside it
    while the row or column beyond is mostly content (at most one block past the edge)."""
    c, r, w, h = rect
    x0, y0, x1, y1 = c * BLOCK, r * BLOCK, (c + w) * BLOCK, (r + h) * BLOCK
    img_h, img_w = content.shape
    rows, cols = content[y0:y1], content[:, x0:x1]

    def grow(start: int, step: int, stop: int, filled) -> int:
        edge = start
        while edge != stop and filled(edge + step):
            edge += step
        return edge

    inner = min(BLOCK, (x1 - x0) // 2, (y1 - y0) // 2)
    left = grow(x0 + inner, -1, max(0, x0 - BLOCK), lambda x: rows[:, x].mean() >= 0.5)
    right = grow(
        x1 - 1 - inner, 1, min(img_w - 1, x1 - 1 + BLOCK), lambda x: rows[:, x].mean() >= 0.5
    )
    top = grow(y0 + inner, -1, max(0, y0 - BLOCK), lambda y: cols[y].mean() >= 0.5)
    bottom = grow(
        y1 - 1 - inner, 1, min(img_h - 1, y1 - 1 + BLOCK), lambda y: cols[y].mean() >= 0.5
    )
    return (left, top, right - left + 1, bottom - top + 1)


def find_share(
    image: np.ndarray,
    moving: np.ndarray,
    current: Box | None = None,
    active: np.ndarray | None = None,
    nobody_sharing: bool = False,
) -> Box | None:
    """The share rectangle of one small gray sample (in its pixels), given its moving blocks
    (that change at every step), its `active` ones (that changed at some step; default:
    the moving ones) and the `current` layout's box: the whole frame when nothing marks out
    a smaller one, None when nobody shares. A rectangle where the current box is needs only
    tiles beside it (what scrolls or plays inside it may move); the current box also holds
    while the frame of background around it does (`_still_framed`: a dark terminal shows
    little content of its own); and when `nobody_sharing` so far, a whole-frame share must be
    far stiller than what ends one."""
    active = moving if active is None else active
    h, w = image.shape
    background = zoom_background(image)
    if background is None:
        return (0, 0, w, h)
    content_px = np.abs(image.astype(np.float32) - background) > CONTENT_LEVEL
    content = (_blocks(content_px.astype(np.float32)) > 0.5) & ~moving
    box, inside = None, np.zeros_like(moving)
    rect = largest_rectangle(content | moving)
    if rect is not None:
        c, r, cw, rh = rect
        inside[r : r + rh, c : c + cw] = True
        if float((moving & ~inside).mean()) >= MIN_TILES_OUTSIDE:
            box = _refine(content_px, rect)
    if box is not None and current is not None and same_layout(box, current):
        return box
    if current is not None and _still_framed(content_px, moving | active, current):
        return current
    if (
        box is not None
        and inside.mean() >= MIN_SHARE_AREA
        and content[inside].mean() >= MIN_CONTENT
        and active[inside].mean() <= MAX_MOVING_INSIDE
    ):
        return box
    still_enough = NO_SHARE_MOVING * (0.4 if nobody_sharing else 1.0)
    return None if active.mean() >= still_enough else (0, 0, w, h)


def _still_framed(content_px: np.ndarray, active: np.ndarray, box: Box) -> bool:
    """Whether the share `box` still holds when its own content does not show it (a dark
    terminal or editor on Zoom's dark background is mostly background-coloured): the frame
    of background just outside the box is still there, tiles still move beside it, and it is
    not full of moving pictures (gallery view taking its place). A full-frame share, a
    speaker's video or a gallery covers that frame, or some of it, with content."""
    h, w = content_px.shape
    x, y, bw, bh = box
    if (bw * bh) >= WHOLE_FRAME * w * h:
        return False
    inside = np.zeros(active.shape, dtype=bool)
    inside[y // BLOCK : -(-(y + bh) // BLOCK), x // BLOCK : -(-(x + bw) // BLOCK)] = True
    if float((active & ~inside).mean()) < MIN_TILES_OUTSIDE:
        return False
    if float(active[inside].mean()) > MAX_ACTIVE_FRAMED:
        return False
    ring = np.zeros((h, w), dtype=bool)
    ring[max(0, y - RING) : y + bh + RING, max(0, x - RING) : x + bw + RING] = True
    ring[y : y + bh, x : x + bw] = False
    still = np.repeat(np.repeat(~active, BLOCK, axis=0), BLOCK, axis=1)
    still = np.pad(still, ((0, max(0, h - still.shape[0])), (0, max(0, w - still.shape[1]))))
    ring &= still[:h, :w]
    if int(ring.sum()) < RING * (bw + bh):  # too little of the frame to be seen
        return False
    return float(content_px[ring].mean()) <= 1.0 - FRAMED


def same_layout(a: Box | None, b: Box | None) -> bool:
    """Whether two share boxes (or no share) are the same layout."""
    if a is None or b is None:
        return a is None and b is None
    return iou(a, b) >= SAME_LAYOUT_IOU


@dataclass
class ShareStretch:
    """From `start` on, the share was `box` (small-view pixels) or nobody shared (None)."""

    start: float
    box: Box | None
    end: float = 0.0
    seen: Counter = field(default_factory=Counter)

    def typical_box(self) -> Box | None:
        """The box seen most often in the stretch (None when nobody shared)."""
        if self.box is None or not self.seen:
            return self.box
        return self.seen.most_common(1)[0][0]


@dataclass(frozen=True)
class LaidOutSample:
    """A sample with the share box of its stretch; `new_layout` on a stretch's first."""

    frame: SampledFrame
    box: Box | None
    new_layout: bool


class ShareTracker:
    """Feed small gray samples in time order; each comes back (from `feed`, or `finish` for
    the last few) with its stretch's share box, a few samples later: a sample's moving
    blocks are those that changed against the sample before it and the next one, and
    between the next two (a webcam changes at every step; a cut only once). A new layout
    must hold for CONFIRM samples. `stretches` lists the layouts seen."""

    def __init__(self) -> None:
        self.stretches: list[ShareStretch] = []
        self._waiting: list[SampledFrame] = []  # the sample before, this one, two after
        self._steps: list[np.ndarray] = []  # changed blocks between consecutive _waiting
        self._pending: list[tuple[SampledFrame, Box | None]] = []  # a layout not yet held
        self._last_time = 0.0
        self._judged_first = False

    def feed(self, frame: SampledFrame) -> list[LaidOutSample]:
        """Take one sample; returns the samples now placed in a stretch, in time order."""
        if self._waiting:
            self._steps.append(changed_blocks(self._waiting[-1].image, frame.image))
        self._waiting.append(frame)
        if len(self._waiting) < 4 and not (len(self._waiting) == 3 and not self._judged_first):
            return []
        return self._next()

    def _next(self) -> list[LaidOutSample]:
        """Judge the sample after the one before (all steps around it are known or final)."""
        if not self._judged_first:
            self._judged_first = True
            return self._judged(self._waiting[0], self._steps[:2])
        out = self._judged(self._waiting[1], self._steps[:3])
        self._waiting.pop(0)
        self._steps.pop(0)
        return out

    def finish(self) -> list[LaidOutSample]:
        """The samples still held back, placed (the stream has ended)."""
        out: list[LaidOutSample] = []
        if self._waiting and not self._judged_first:
            out += self._next()
        while len(self._waiting) > 1:
            out += self._next()
        if self._pending:
            out += self._settle_pending(confirmed=len(self._pending) >= CONFIRM)
        if self.stretches:
            self.stretches[-1].end = max(self.stretches[-1].end, self._last_time)
        return out

    def _judged(self, frame: SampledFrame, steps: list[np.ndarray]) -> list[LaidOutSample]:
        self._last_time = frame.time
        current = self.stretches[-1].box if self.stretches else None
        if steps:
            moving = np.logical_and.reduce(steps)
            after = steps[1:] if len(steps) == 3 else steps
            active = np.logical_or.reduce(after) & (steps[0] if len(steps) == 3 else True)
            nobody = bool(self.stretches) and current is None
            box = find_share(frame.image, moving, current, active, nobody_sharing=nobody)
        elif self.stretches:  # a lone last sample: nothing to compare, keep the layout
            box = current
        else:
            box = find_share(frame.image, np.zeros_like(_blocks(frame.image), dtype=bool))
        if not self.stretches:
            self.stretches.append(ShareStretch(frame.time, box))
        current_stretch = self.stretches[-1]
        if same_layout(box, current_stretch.box) and not self._pending:
            return [self._place(frame, box)]
        if self._pending and not same_layout(box, self._pending[0][1]):
            # the run of a different layout broke off: it was a flicker
            out = self._settle_pending(confirmed=False)
            if same_layout(box, current_stretch.box):
                return [*out, self._place(frame, box)]
            self._pending = [(frame, box)]
            return out
        self._pending.append((frame, box))
        if len(self._pending) >= CONFIRM:
            return self._settle_pending(confirmed=True)
        return []

    def _place(self, frame: SampledFrame, box: Box | None, new: bool = False) -> LaidOutSample:
        stretch = self.stretches[-1]
        stretch.end = frame.time
        if box is not None and stretch.box is not None:
            stretch.seen[box] += 1
        return LaidOutSample(frame, stretch.box, new)

    def _settle_pending(self, confirmed: bool) -> list[LaidOutSample]:
        pending, self._pending = self._pending, []
        out = []
        if confirmed:
            first, box = pending[0]
            self.stretches[-1].end = first.time
            self.stretches.append(ShareStretch(first.time, box))
        for i, (frame, box) in enumerate(pending):
            out.append(self._place(frame, box if confirmed else None, new=confirmed and i == 0))
        return out


def to_video_pixels(
    box: Box | None, small: tuple[int, int], width: int, height: int
) -> list | None:
    """A box in the small view (`small` = its height, width) as [x, y, w, h] in the video's
    `width` x `height` pixels (None stays None)."""
    if box is None:
        return None
    sx, sy = width / small[1], height / small[0]
    x0, y0 = round(box[0] * sx), round(box[1] * sy)
    x1, y1 = round((box[0] + box[2]) * sx), round((box[1] + box[3]) * sy)
    return [x0, y0, min(width, x1) - x0, min(height, y1) - y0]
