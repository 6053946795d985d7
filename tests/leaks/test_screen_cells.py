"""The scanner's cell grid helpers."""

from __future__ import annotations

import numpy as np

from pipeline.leaks.screen_cells import beyond


def test_beyond_is_the_edge_of_a_region_not_a_hole_inside_it():
    """Rows past the last set cell of a column (where a scroll brings content in), not the
    unset cells between set ones (a pointer resting over a scrolled page)."""
    cells = np.zeros((10, 3), dtype=bool)
    cells[2:6, 0] = True
    cells[3, 0] = False  # a hole
    cells[1:4, 1] = True
    below = beyond(cells, 2, below=True)
    above = beyond(cells, 2, below=False)
    assert np.flatnonzero(below[:, 0]).tolist() == [6, 7]
    assert np.flatnonzero(below[:, 1]).tolist() == [4, 5]
    assert np.flatnonzero(above[:, 0]).tolist() == [0, 1]
    assert np.flatnonzero(above[:, 1]).tolist() == [0]
    assert not below[:, 2].any() and not above[:, 2].any()
