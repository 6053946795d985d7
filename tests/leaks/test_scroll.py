"""Finding a scroll between two samples: the offset, and where it explains the new picture."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from fixtures.synth_leak import mono
from pipeline.leaks.screen_cells import changed_cells
from pipeline.leaks.scroll import (
    MIN_CHANGED_ROWS,
    ROW_DIFF,
    _columns,
    find_scroll,
    scrolled_cells,
)

WIDTH, HEIGHT, HEADER = 960, 540, 60


def long_page(sections: int = 8, key: tuple[int, str] | None = None) -> np.ndarray:
    """A page of look-alike sections (the same layout, other words), taller than a screen;
    `key` = (section, line) puts that line in place of the section's second detail line."""
    img = Image.new("L", (WIDTH, 260 * sections + HEIGHT), 250)
    draw = ImageDraw.Draw(img)
    for s in range(sections):
        top = 40 + 260 * s
        draw.rectangle((40, top, WIDTH - 40, top + 200), fill=225)
        draw.text((60, top + 16), f"Section {s + 1}", font=mono(30), fill=20)
        for k in range(3):
            line = f"Section {s + 1}: detail line {k + 1} with a few more words"
            if key is not None and (s, k) == (key[0], 1):
                line = key[1]
            draw.text((60, top + 70 + 36 * k), line, font=mono(20), fill=40)
    return np.asarray(img, dtype=np.uint8).copy()


def screen_at(page: np.ndarray, offset: int) -> np.ndarray:
    """The page scrolled down by `offset` px under a fixed header bar."""
    picture = np.empty((HEIGHT, WIDTH), dtype=np.uint8)
    picture[HEADER:] = page[offset : offset + HEIGHT - HEADER]
    picture[:HEADER] = 200
    picture[20:40, 100:700] = 120  # the address field, fixed
    return picture


def test_the_offset_of_a_scroll_is_found_even_among_look_alike_sections():
    page = long_page()
    # a scroll coming to rest moves a pixel or two: only the rows with edges change (12-18 %)
    steps = [(0, 24), (100, 37), (300, 6), (500, 150), (400, -60), (200, 2), (400, 1)]
    for offset, step in steps:
        assert find_scroll(screen_at(page, offset), screen_at(page, offset + step)) == step


def test_no_scroll_is_found_where_the_picture_did_not_scroll():
    page = long_page()
    still = screen_at(page, 120)
    assert find_scroll(still, still.copy()) is None
    other = still.copy()
    other[HEADER:] = 250  # the page went blank: a change, not a scroll
    assert find_scroll(still, other) is None
    swapped = screen_at(long_page(2)[::-1].copy(), 0)  # another picture altogether
    assert find_scroll(still, swapped) is None


def test_new_lines_printed_in_place_are_not_a_scroll():
    """A few lines of output drawn over the page in place change 10-20 % of the rows, as
    the last pixel or two of a scroll does: the search looks, and finds no offset."""
    page = long_page()
    for offset, top, lines in [(0, 200, 2), (120, 300, 3)]:
        still = screen_at(page, offset)
        picture = Image.fromarray(still.copy())
        draw = ImageDraw.Draw(picture)
        draw.rectangle((40, top, WIDTH - 40, top + 30 * lines), fill=250)
        for k in range(lines):
            draw.text((60, top + 4 + 30 * k), f"new output line {k} in place", font=mono(20))
        printed = np.asarray(picture)
        changed = np.abs(_columns(printed) - _columns(still)).mean(axis=1) > ROW_DIFF
        assert MIN_CHANGED_ROWS <= changed.mean() < 0.2  # looked for now, skipped before
        assert find_scroll(still, printed) is None


def test_the_scroll_explains_the_page_but_not_the_rows_that_came_into_view():
    page = long_page()
    old, new = screen_at(page, 100), screen_at(page, 148)
    low_shape = (HEIGHT // 3, WIDTH // 3)
    follows = scrolled_cells(old, new, 48, low_shape, changed_cells)
    cell_px = 8 * 3
    rows_in_view = (HEIGHT - 48) // cell_px  # rows whose source was on the old screen
    assert not follows[0].any()  # the fixed header is not what scrolled
    assert follows[HEADER // cell_px + 1 : rows_in_view - 1].all()
    assert not follows[-1].any()  # the bottom rows came into view: nothing explains them
