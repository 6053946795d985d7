"""The grid the screen scanner works in: the low-resolution view cut into cells, which of
them changed between two pictures, and moving between cells and pixels."""

from __future__ import annotations

import numpy as np

#: low-resolution pixels per side of a change cell (320 px wide view -> 40 columns)
CELL = 8
#: a low-res pixel changed when its gray level moved by more than this
PIXEL_DIFF = 24
#: a cell changed when at least this many of its pixels changed
CELL_PIXELS = 2
#: a changed area at least this many cells wide is read at once; a narrower one (a cursor,
#: one typed character) only once it stops changing
MIN_TEXT_CELLS = 3


def changed_cells(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The cells in which two low-resolution views (int16) differ: at least CELL_PIXELS
    pixels moved by more than PIXEL_DIFF gray levels."""
    moved = (np.abs(a - b) > PIXEL_DIFF).astype(np.uint8)
    h, w = moved.shape
    rows, cols = -(-h // CELL), -(-w // CELL)
    padded = np.zeros((rows * CELL, cols * CELL), dtype=np.uint8)
    padded[:h, :w] = moved
    counts = padded.reshape(rows, CELL, cols, CELL).sum(axis=(1, 3))
    return counts >= CELL_PIXELS


def beyond(cells: np.ndarray, reach: int, *, below: bool) -> np.ndarray:
    """Cells up to `reach` rows below the lowest set cell of their column (or above the
    highest): the edge of a scrolled region, where content enters or leaves it."""
    rows = np.arange(cells.shape[0])[:, None]
    has = cells.any(axis=0)[None, :]
    if below:
        last = np.where(cells, rows, -1).max(axis=0)[None, :]
        return has & (rows > last) & (rows <= last + reach)
    first = np.where(cells, rows, cells.shape[0]).min(axis=0)[None, :]
    return has & (rows < first) & (rows >= first - reach)


def pixels(cells: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A mask of cells as a mask of low-resolution pixels of `shape`."""
    return np.repeat(np.repeat(cells, CELL, axis=0), CELL, axis=1)[: shape[0], : shape[1]]


def cell_at(cells: np.ndarray, x: float, y: float, sx: float, sy: float) -> bool:
    """Whether the cell holding video pixel (x, y) is set."""
    r, c = int(y // sy), int(x // sx)
    return 0 <= r < cells.shape[0] and 0 <= c < cells.shape[1] and bool(cells[r, c])
