"""Finding secrets on screen: sampled frames are compared at low resolution, only the parts of
the picture that changed are OCR'd (bands as wide as the picture up to a busy area such as a
webcam tile, so a line being typed is read whole), the text read so far is kept as a model of
what the screen shows, detectors run over it, and each secret is tracked from the first
sample where it is readable to the last.

What is not read again: regions that did not change; a moving cursor (a small change that
does not stay), or one at rest anywhere but at the end of a line read before; areas that
change all the time such as a webcam tile ("busy" cells), which are read only every
`busy_every` seconds, and never with the bands beside them, or not at all when too small to
hold a secret (a spinner, a blinking caret). A scrolled page is followed rather than read
again (pipeline.leaks.scroll), and a change is looked at where it is before across the band.
What was read while it still changed (a new screen, in the sample it appears in) is not read
again when the next sample shows it unchanged."""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from functools import lru_cache

import numpy as np

from pipeline.leaks.ocr import OcrLine, ScreenReader, ink_span
from pipeline.leaks.rules import SecretMatch, detect
from pipeline.leaks.screen_cells import (
    CELL,
    MIN_TEXT_CELLS,
    beyond,
    cell_at,
    changed_cells,
    pixels,
)
from pipeline.leaks.screen_tracks import FindingTracker, ScreenTrack
from pipeline.leaks.scroll import MIN_CHANGED_ROWS, ROW_DIFF, find_scroll, scrolled_cells
from pipeline.media.geometry import Box, iou
from pipeline.media.sampling import SampledFrame

#: a cell is busy when it changed in BUSY_MIN of the last BUSY_WINDOW samples (a webcam
#: tile, a video); typing or a passing cursor changes a cell for one or two samples only
BUSY_WINDOW, BUSY_MIN = 8, 4
#: cells of context above and below a changed area, so that whole lines are read
MARGIN_CELLS = 2
#: a busy area at least this many cells wide (with its one-cell margin) ends a band: a webcam
#: tile beside the share (1/6 of the width) is 7 or more, a cursor wiggling in place 3-4
TILE_CELLS = 6
#: a busy area narrower than this many cells (with its one-cell margin each side) is never
#: read on its own: a spinner, a blinking caret, the end of a progress bar; a line long
#: enough to hold a secret (16 characters or more) is wider. Bands of changed rows still
#: read through it
MIN_BUSY_CELLS = 5
#: a busy area is OCR'd only when at least this share of its pixels are sharp steps
TEXT_EDGE_DENSITY = 0.012

#: an area in change cells: (row0, row1, col0, col1), ends excluded
Box4 = tuple[int, int, int, int]
#: a band to read: its area, then the columns that changed in it (col0, col1)
Band = tuple[int, int, int, int, int, int]
#: cells of context left and right of a change, where text is looked for first: the band is
#: detected as wide as it goes only when a line found there runs on past them
LOCAL_CELLS = 2
#: a line box this close (px) to the edge of where it was detected may run on past it
EDGE_SLACK = 4


@lru_cache(maxsize=4096)
def _detect_line(text: str) -> tuple[SecretMatch, ...]:
    return tuple(detect(text))


def value_box(line: OcrLine, match: SecretMatch) -> Box:
    """The box of `match` inside an OCR line, by its share of the line's characters, widened
    by half a character each side (OCR boxes and proportional fonts are not exact)."""
    x, y, w, h = line.box
    n = max(1, len(line.text))
    char = w / n
    left = x + char * match.start - char / 2
    right = x + char * match.end + char / 2
    left, right = max(x, left), min(x + w, right)
    return (int(left), y, int(round(right - left)), h)


class ScreenScanner:
    """Feed it samples in time order; `finish` returns the secrets seen on screen."""

    def __init__(self, reader: ScreenReader, *, busy_every: float = 1.5):
        self.reader = reader
        self.busy_every = busy_every
        self.tracker = FindingTracker()
        self.lines: list[OcrLine] = []
        self.samples = 0
        #: samples in which at least one region was OCR'd
        self.frames_read = 0
        self._reference: np.ndarray | None = None
        self._previous: np.ndarray | None = None
        self._history: deque[np.ndarray] = deque(maxlen=BUSY_WINDOW)
        self._last_busy_read = -1e9
        self._pending = np.zeros((0, 0), dtype=bool)
        self._moving = np.zeros((0, 0), dtype=bool)
        self._busy_lines: list[OcrLine] = []
        self._layout: tuple | None = None
        self._previous_image: np.ndarray | None = None
        #: lines read before that this sample's changes only extend (typed on), with the band
        #: to read instead should their new reading fail
        self._typed: list[tuple[OcrLine, Band]] = []
        #: whether the picture scrolled since the last sample
        self._scrolled = False
        #: samples in which the picture scrolled (and was followed, not read again)
        self.scrolls = 0
        #: cells read in the last sample (in its bands), and in this one so far
        self._read_last = np.zeros((0, 0), dtype=bool)
        self._read_now = np.zeros((0, 0), dtype=bool)

    # -- change detection ------------------------------------------------------------------
    def _regions(
        self, low: np.ndarray, t: float, scale: tuple[float, float]
    ) -> tuple[list[Band], list[Box4]]:
        """What to read in this sample, in cells (row0, row1, col0, col1): bands of rows that
        changed, as wide as the picture up to the nearest busy area (a webcam tile beside
        the share is not read with them), and boxes of busy cells when due. A change narrower
        than MIN_TEXT_CELLS is read once it settles, and only at the end of a line read
        before (a line being typed); elsewhere (over text, beside it, away from it) it is a
        cursor at rest or a few characters on their own, which cannot hold a secret: it stays
        pending, and is read with what joins it."""
        import cv2

        rows, cols = -(-low.shape[0] // CELL), -(-low.shape[1] // CELL)
        self._read_now = np.zeros((rows, cols), dtype=bool)
        if self._reference is None or self._previous is None:
            self._moving = np.zeros((rows, cols), dtype=bool)
            self._pending = np.ones((rows, cols), dtype=bool)
            return [(0, rows, 0, cols, 0, cols)], []
        moving = changed_cells(low, self._previous)
        self._history.append(moving)
        busy = np.sum(np.stack(self._history), axis=0) >= BUSY_MIN
        if busy.any():  # the edges of a webcam tile flicker in and out of busy
            busy = cv2.dilate(busy.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
            busy = _filled(busy)
        pending = changed_cells(low, self._reference) & ~busy
        if self._read_last.shape == moving.shape and not self._scrolled:
            # read in the last sample while still changing, and unchanged since: what was
            # read then is what the screen shows (a new slide is read once, not again as it
            # settles). Not next to what still moves: a line being typed is read with its end
            near = cv2.dilate(moving.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
            settled = self._read_last & ~near & pending
            if settled.any():
                self._reference[pixels(settled, low.shape)] = low[pixels(settled, low.shape)]
                pending &= ~settled
        self._pending = pending | moving
        self._moving = moving
        bands = []
        mask = cv2.dilate(pending.astype(np.uint8), np.ones((1, 3), np.uint8))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        near_lines = self._line_cells((rows, cols), scale)
        inside_lines = self._line_cells((rows, cols), scale, inner=True)
        for i in range(1, count):
            c0, r0, cw, rh = (int(v) for v in stats[i][:4])
            component = (labels == i) & pending
            if not component.any():
                continue
            settled = not (moving & component).any()
            by_line = bool((near_lines & component).any())
            # a few cells changed inside lines read before, short of their ends: a pointer
            # resting over text (or one character edited), no new text to read
            over_text = not (component & ~inside_lines).any()
            wide = cw - 2 >= MIN_TEXT_CELLS
            if wide or (settled and by_line and not over_text):
                area = _span(busy, r0, r0 + rh, c0, c0 + cw)
                typed = self._typed_line((r0, r0 + rh, c0, c0 + cw), scale) if by_line else None
                if typed is not None:
                    self._typed.append((typed, (*area, c0, c0 + cw)))
                elif wide:  # a change by a line read before is that line changing: read it whole
                    bands.append((*area, *(area[2:] if by_line else (c0, c0 + cw))))
                # narrow and no line's end: a pointer resting beside text (above, below, left
                # of a line), too small to hold a secret; it stays pending like one away from text
        boxes = []
        if not busy.any():
            self._busy_lines = []
        elif t - self._last_busy_read >= self.busy_every:
            self._last_busy_read = t
            count, _, stats, _ = cv2.connectedComponentsWithStats(busy.astype(np.uint8), 8)
            for i in range(1, count):
                c0, r0, cw, rh = (int(v) for v in stats[i][:4])
                if cw >= MIN_BUSY_CELLS:  # narrower: a spinner, a blinking caret
                    boxes.append((r0, r0 + rh, c0, c0 + cw))
        return _merge_bands(bands), boxes

    # -- reading ---------------------------------------------------------------------------
    def _forget(self) -> None:
        """A new layout: nothing read so far is where it was (the tracker keeps its secrets)."""
        self._reference = self._previous = self._previous_image = None
        self._history.clear()
        self._last_busy_read = -1e9
        self._pending = np.zeros((0, 0), dtype=bool)
        self._moving = np.zeros((0, 0), dtype=bool)
        self._busy_lines, self.lines = [], []
        self._read_last = np.zeros((0, 0), dtype=bool)

    def feed(self, frame: SampledFrame, origin: tuple[int, int] = (0, 0)) -> None:
        """Read what changed in `frame` and update the tracked secrets. `frame` may be a
        crop of the picture (the share rectangle) whose top left corner is `origin` in video
        pixels: secrets are boxed in video pixels. When the crop moves or changes size (a new
        layout), what was read is forgotten and the crop read whole."""
        layout = (origin, frame.image.shape)
        if layout != self._layout:
            if self._layout is not None:
                self._forget()
            self._layout = layout
        low = frame.low.astype(np.int16)
        image = frame.image
        scale = (image.shape[1] / low.shape[1] * CELL, image.shape[0] / low.shape[0] * CELL)
        self._typed, self._scrolled = [], False
        self._follow_scroll(image, low, scale)
        bands, busy = self._regions(low, frame.time, scale)
        stats = self.reader.stats
        read_before = (stats.regions, stats.lines_recognised, stats.cache_hits)
        if self._reference is None:
            self._reference = low.copy()
        for line, band in self._typed:
            if self._read_typed(image, line, band, scale):
                self._accept(low, *band[:2], *band[4:])
            else:
                bands = _merge_bands([*bands, (*band[:4], *band[2:4])])
        for band in bands:
            self._read_band(image, band, scale)
            self._accept(low, *band[:4])
        if busy:
            self._busy_lines = [ln for box in busy for ln in self._read_busy(image, box, scale)]
        self._read_last = self._read_now
        self._previous, self._previous_image = low, image
        self.samples += 1
        self.frames_read += (stats.regions, stats.lines_recognised, stats.cache_hits) != read_before
        seen = []
        for line in self.lines + self._busy_lines:
            for match in _detect_line(line.text):
                confidence = round(match.confidence * line.score, 3)
                x, y, w, h = value_box(line, match)
                seen.append(
                    (match.rule, match.value, (x + origin[0], y + origin[1], w, h), confidence)
                )
        self.tracker.update(frame.time, seen)

    def _follow_scroll(
        self, image: np.ndarray, low: np.ndarray, scale: tuple[float, float]
    ) -> None:
        """When the picture scrolled since the last sample (pipeline.leaks.scroll), what the
        scroll explains counts as read, as it was: the lines read move with it (or are gone,
        scrolled out of view), and only the rows that came into view are left to read.
        Content not read yet before the scroll (it was still changing) stays to be read."""
        previous = self._previous_image
        if previous is None or self._previous is None or self._reference is None:
            return
        rows_changed = np.abs(low - self._previous).mean(axis=1) > ROW_DIFF
        if rows_changed.mean() < MIN_CHANGED_ROWS:
            return
        dy = find_scroll(previous, image)
        if dy is None:
            return
        follows = scrolled_cells(previous, image, dy, low.shape, changed_cells)
        stays = ~changed_cells(low, self._previous)
        moved = follows & ~stays
        sx, sy = scale
        # content not read yet before the scroll (it was still changing) moved too: it is no
        # longer moving, but is still to be read where it went
        unread = changed_cells(self._previous, self._reference)
        rows = moved.shape[0]
        carried = np.zeros_like(moved)
        for step in {int(np.floor(dy / sy)), int(np.ceil(dy / sy))}:
            src = np.arange(rows) + step
            inside = (src >= 0) & (src < rows)
            carried[inside] |= unread[src[inside]]
        if not moved.any():
            return
        self.scrolls += 1
        self._scrolled = True
        # at the edges of what scrolled: rows that came into view are new, not moving (read
        # now, and kept); rows scrolling out of view (under a fixed header) need no reading.
        # Inside it, what the scroll does not explain (a cursor resting over the page) is a
        # change like any other
        edge = int(np.ceil(abs(dy) / sy)) + 1
        came, went = beyond(moved, edge, below=dy > 0), beyond(moved, edge, below=dy < 0)
        came &= ~follows & ~stays
        went &= ~follows & ~stays & ~came
        settled = pixels(moved | came | went, low.shape)
        self._previous[settled] = low[settled]
        read = pixels((moved & ~carried) | went, low.shape)
        self._reference[read] = low[read]
        height = image.shape[0]
        lines = []
        for line in self.lines:
            x, y, w, h = line.box
            new_y = y - dy
            if cell_at(stays, x + w / 2, y + h / 2, sx, sy):
                lines.append(line)  # it did not scroll (a fixed header, a sidebar)
            elif 0 <= new_y <= height - h and cell_at(moved, x + w / 2, new_y + h / 2, sx, sy):
                lines.append(replace(line, box=(x, new_y, w, h)))  # it scrolled to new_y
        self.lines = lines

    def _read_band(self, image: np.ndarray, band: Band, scale: tuple[float, float]) -> None:
        """Read a band of changed rows (see _regions) and update the screen's lines: lines whose
        picture did not change keep their reading, new ones are recognised, gone ones go.
        Text is looked for around the change first (LOCAL_CELLS each side), and across the
        whole band only when a line found there may run on: a bar filling or an icon turning
        costs a small detection, a line being typed is read whole."""
        sx, sy = scale
        r0, r1, c0, c1, k0, k1 = band
        y0 = int(max(0, (r0 - MARGIN_CELLS) * sy))
        y1 = int(min(image.shape[0], (r1 + MARGIN_CELLS) * sy))
        x0, x1 = int(c0 * sx), int(min(image.shape[1], c1 * sx))
        lx0 = int(max(c0, k0 - LOCAL_CELLS) * sx)
        lx1 = int(min(image.shape[1], min(c1, k1 + LOCAL_CELLS) * sx))
        found = self.reader.detect(image, (lx0, y0, lx1 - lx0, y1 - y0))
        runs_on = any(
            (lx0 > x0 and b[0] <= lx0 + EDGE_SLACK)
            or (lx1 < x1 and b[0] + b[2] >= lx1 - EDGE_SLACK)
            for b in found
        )
        if runs_on:
            found = self.reader.detect(image, (x0, y0, x1 - x0, y1 - y0))
        else:
            x0, x1 = lx0, lx1
        if self._scrolled:  # a line cut by the picture's edge is read whole next sample
            found = [
                b for b in found if b[1] > EDGE_SLACK and b[1] + b[3] < image.shape[0] - EDGE_SLACK
            ]
        # lines are taken from the changed rows plus one cell each side; further out they
        # may be cut by the edge of what was read
        core = ((r0 - 1) * sy, (r1 + 1) * sy, x0, x1)
        kept, todo = [], []
        for box in (b for b in found if _centre_in(b, core)):
            old = max(self.lines, key=lambda ln: iou(ln.box, box), default=None)
            unchanged = old is not None and iou(old.box, box) > 0.6
            if unchanged and not self._touches_change(box, sx, sy):
                kept.append(old)
            else:
                todo.append(box)
        fresh = kept + self.reader.recognise(image, todo)
        self.lines = [
            ln
            for ln in self.lines
            if all(iou(ln.box, f.box) <= 0.3 for f in fresh)
            and not (_centre_in(ln.box, core) and all(iou(ln.box, b) <= 0.5 for b in found))
        ]
        self.lines.extend(fresh)

    def _typed_line(self, change: Box4, scale: tuple[float, float]) -> OcrLine | None:
        """The one line read before that a change (rows r0..r1, columns c0..c1 in cells) lies
        on, from inside it to just past its end: a line being typed or edited. None when the
        change is not that alone."""
        sx, sy = scale
        r0, r1, c0, c1 = change
        hits = [
            ln
            for ln in self.lines
            # the change's cells lie within the line's own rows of cells: a new line just
            # below (or above) reaches a row of its own
            if int(ln.box[1] // sy) <= r0
            and r1 - 1 <= int((ln.box[1] + ln.box[3] - 1) // sy)
            and ln.box[0] - sx <= c0 * sx <= ln.box[0] + ln.box[2] + LOCAL_CELLS * sx
        ]
        return hits[0] if len(hits) == 1 else None

    def _read_typed(
        self, image: np.ndarray, line: OcrLine, band: Band, scale: tuple[float, float]
    ) -> bool:
        """Read `line` again as far as the change (band's changed columns) reaches, with no
        text detection: the line's rows are known, its new end is where its ink ends. False
        when nothing readable came of it (the band is read instead)."""
        sx, _ = scale
        x, y, w, h = line.box
        reach = int(min(image.shape[1], max(x + w, band[5] * sx)))
        box = ink_span(image, (x, y, reach - x, h))
        if box is None:
            return False
        fresh = self.reader.recognise(image, [box])
        if not fresh:
            return False
        self.lines = [ln for ln in self.lines if ln is not line] + fresh
        return True

    def _read_busy(self, image: np.ndarray, box: Box4, scale: tuple[float, float]) -> list[OcrLine]:
        """Read a busy area (a webcam tile, a video) on its own; what it shows is kept apart
        from the screen's lines and replaced at each read."""
        sx, sy = scale
        r0, r1, c0, c1 = box
        x0, y0 = int(max(0, (c0 - 1) * sx)), int(max(0, (r0 - 1) * sy))
        x1 = int(min(image.shape[1], (c1 + 1) * sx))
        y1 = int(min(image.shape[0], (r1 + 1) * sy))
        if _edge_density(image[y0:y1, x0:x1]) < TEXT_EDGE_DENSITY:
            return []  # a face, a video: nothing sharp enough to be text
        return self.reader.read(image, (x0, y0, x1 - x0, y1 - y0))

    def _accept(self, low: np.ndarray, r0: int, r1: int, c0: int, c1: int) -> None:
        """Take what was read as the new reference, except cells still moving (a cursor
        passing by, a line being typed): they are read again once they settle."""
        assert self._reference is not None
        keep = np.ones((r1 - r0, c1 - c0), dtype=bool)
        if self._moving.size:
            keep &= ~self._moving[r0:r1, c0:c1]
        mask = np.repeat(np.repeat(keep, CELL, axis=0), CELL, axis=1)
        ref = self._reference[r0 * CELL : r1 * CELL, c0 * CELL : c1 * CELL]
        cur = low[r0 * CELL : r1 * CELL, c0 * CELL : c1 * CELL]
        mask = mask[: ref.shape[0], : ref.shape[1]]
        ref[mask] = cur[mask]
        self._read_now[r0:r1, c0:c1] = True

    def _line_cells(
        self, shape: tuple[int, int], scale: tuple[float, float], *, inner: bool = False
    ) -> np.ndarray:
        """The change cells the lines read so far cover, and their neighbours; `inner`: only
        the cells they cover, short of the cell each line ends in (where it may be typed on)."""
        near = np.zeros(shape, dtype=bool)
        sx, sy = scale
        grow = 0 if inner else 1
        for x, y, w, h in (ln.box for ln in self.lines):
            r0, c0 = max(0, int(y // sy) - grow), max(0, int(x // sx) - grow)
            c1 = int((x + w) // sx) + (0 if inner else 2)
            near[r0 : int((y + h) // sy) + 1 + grow, c0:c1] = True
        return near

    def _touches_change(self, box: Box, sx: float, sy: float) -> bool:
        c0, c1 = int(box[0] // sx), int((box[0] + box[2]) // sx) + 1
        r0, r1 = int(box[1] // sy), int((box[1] + box[3]) // sy) + 1
        return bool(self._pending[r0:r1, c0:c1].any())

    def finish(self, end: float) -> list[ScreenTrack]:
        return self.tracker.finish(end)


def _edge_density(crop: np.ndarray) -> float:
    """Share of pixels with a sharp left-right step, as text strokes make (screen text:
    0.02-0.07; a webcam picture: under 0.012)."""
    if crop.size == 0:
        return 0.0
    steps = np.abs(np.diff(crop.astype(np.int16), axis=1))
    return float((steps > 64).mean())


def _centre_in(box: Box, core: tuple[float, float, float, float]) -> bool:
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    return core[0] <= cy < core[1] and core[2] <= cx < core[3]


def _merge_bands(bands: list[Band]) -> list[Band]:
    """Merge bands that overlap or nearly touch, so that each line is read once."""
    merged: list[Band] = []
    for band in sorted(bands):
        if merged and band[0] <= merged[-1][1] + MARGIN_CELLS:
            last = merged[-1]
            merged[-1] = (
                last[0],
                max(last[1], band[1]),
                min(last[2], band[2]),
                max(last[3], band[3]),
                min(last[4], band[4]),
                max(last[5], band[5]),
            )
        else:
            merged.append(band)
    return merged


def _span(busy: np.ndarray, r0: int, r1: int, c0: int, c1: int) -> Box4:
    """The band of rows r0..r1 around a change in columns c0..c1, widened to the picture's
    edges or to the nearest busy area at least TILE_CELLS wide (a webcam tile, in those rows
    or the margin read with them); a smaller busy spot (a cursor wiggling, a spinner) may sit
    inside a line and does not stop it."""
    blocked = busy[max(0, r0 - MARGIN_CELLS) : r1 + MARGIN_CELLS].any(axis=0)
    wide = np.zeros_like(blocked)
    start = None
    for c, b in enumerate([*blocked.tolist(), False]):
        if b and start is None:
            start = c
        elif not b and start is not None:
            if c - start >= TILE_CELLS:
                wide[start:c] = True
            start = None
    while c0 > 0 and not wide[c0 - 1]:
        c0 -= 1
    while c1 < len(wide) and not wide[c1]:
        c1 += 1
    return (r0, r1, c0, c1)


def _filled(busy: np.ndarray) -> np.ndarray:
    """Each busy area as its bounding rectangle: a webcam's wall and shirt change less than
    the face and the shoulders' edge, but the whole tile is one moving picture."""
    import cv2

    count, _, stats, _ = cv2.connectedComponentsWithStats(busy.astype(np.uint8), 8)
    filled = busy.copy()
    for c0, r0, w, h, _ in stats[1:count]:
        filled[r0 : r0 + h, c0 : c0 + w] = True
    return filled
