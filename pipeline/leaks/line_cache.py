"""Remembering what a line of screen text says, so that the same picture is never recognised
twice, even where it moved (a page scrolled, a window dragged) or the encoder's noise differs.

A line's picture is reduced to its ink: the crop is trimmed to the pixels that stand out from
its background, which takes away how much margin the text detector left around it (it varies
by a few pixels from frame to frame). Two pictures are the same line when their ink has the
same size (to SIZE_SLACK px) and, at half resolution, no strip of BLOCK columns differs by more
than BLOCK_DIFF gray levels on average. Measured on scrolled 1080p text encoded at CRF 28: the
same line read at other positions differs by at most 2 levels; lines that differ in one
character ("Section 2: ..." against "Section 3: ...") by 28 or more.

The cache lives in memory only (it holds what was read, secrets included) and keeps the
`capacity` most recently used lines, so memory stays flat however long the recording."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: a pixel is ink when its gray level is this far from the line's background (border median)
INK_LEVEL = 48
#: ink sizes (px) that still count as the same picture
SIZE_SLACK = 2
#: columns per compared strip of the half-resolution pictures (about one character)
BLOCK = 6
#: the largest mean difference (gray levels) a strip may show for the pictures to be the same
BLOCK_DIFF = 8.0

Reading = tuple[str, float]


def ink(line: np.ndarray) -> np.ndarray:
    """`line` (HxW uint8 gray) trimmed to the rows and columns that hold ink; the whole
    crop when nothing stands out from the background."""
    if line.size == 0:
        return line
    border = np.concatenate([line[0], line[-1], line[:, 0], line[:, -1]])
    background = float(np.median(border))
    mask = np.abs(line.astype(np.int16) - background) > INK_LEVEL
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return line
    return line[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _half(picture: np.ndarray, shape: tuple[int, int] | None = None) -> np.ndarray:
    import cv2

    h, w = shape or (max(1, picture.shape[0] // 2), max(1, picture.shape[1] // 2))
    return cv2.resize(picture, (w, h), interpolation=cv2.INTER_AREA)


def strip_difference(a: np.ndarray, b: np.ndarray) -> float:
    """The largest mean gray difference over strips of BLOCK columns between two pictures of
    the same shape."""
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16)).astype(np.float32)
    h, w = diff.shape
    strips = -(-w // BLOCK)
    padded = np.zeros((h, strips * BLOCK), dtype=np.float32)
    padded[:, :w] = diff
    return float(padded.reshape(h, strips, BLOCK).mean(axis=(0, 2)).max())


@dataclass
class _Entry:
    size: tuple[int, int]
    half: np.ndarray
    reading: Reading


class LineCache:
    """What was read for each distinct line picture, looked up by picture."""

    def __init__(self, capacity: int = 4000):
        self.capacity = capacity
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._by_size: dict[tuple[int, int], list[int]] = {}
        self._next = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, line: np.ndarray) -> Reading | None:
        """The reading of a picture of the same line seen before, or None."""
        found = self._find(ink(line))
        if found is None:
            return None
        self._entries.move_to_end(found)
        return self._entries[found].reading

    def read(
        self, lines: list[np.ndarray], recognise: Callable[[list[int]], list[Reading]]
    ) -> tuple[list[Reading], int]:
        """The reading of each line picture: from the cache where a picture of the same line
        was read before, else from `recognise` (given the indices of the others, in one
        batch), whose readings are then remembered. Returns the readings and how many came
        from `recognise`."""
        readings = [self.get(line) for line in lines]
        todo = [i for i, reading in enumerate(readings) if reading is None]
        if todo:
            for i, reading in zip(todo, recognise(todo), strict=True):
                readings[i] = reading
                self.put(lines[i], reading)
        return [r for r in readings if r is not None], len(todo)

    def put(self, line: np.ndarray, reading: Reading) -> None:
        picture = ink(line)
        if self._find(picture) is not None:
            return
        size = picture.shape[:2]
        key, self._next = self._next, self._next + 1
        self._entries[key] = _Entry(size, _half(picture), reading)
        self._by_size.setdefault(size, []).append(key)
        while len(self._entries) > self.capacity:
            old, entry = self._entries.popitem(last=False)
            self._by_size[entry.size].remove(old)
            if not self._by_size[entry.size]:
                del self._by_size[entry.size]

    def _find(self, picture: np.ndarray) -> int | None:
        h, w = picture.shape[:2]
        for dh in range(-SIZE_SLACK, SIZE_SLACK + 1):
            for dw in range(-SIZE_SLACK, SIZE_SLACK + 1):
                for key in self._by_size.get((h + dh, w + dw), ()):
                    half = self._entries[key].half
                    if strip_difference(half, _half(picture, half.shape)) <= BLOCK_DIFF:
                        return key
        return None
