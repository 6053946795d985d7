"""Rectangles in video pixels: the one `Box` type (x, y, width, height) that OCR, the secret
scan, redaction ranges and the smart render all speak, and the little arithmetic on it."""

from __future__ import annotations

from collections.abc import Sequence

Box = tuple[int, int, int, int]


def pad_box(box: Sequence[int], pad: int, frame: tuple[int, int] | None = None) -> Box:
    """`box` grown by `pad` pixels on every side, clamped to a `frame` of (width, height)."""
    x, y, w, h = box
    x0, y0, x1, y1 = x - pad, y - pad, x + w + pad, y + h + pad
    if frame is not None:
        x0, y0 = max(0, x0), max(0, y0)
        x1, y1 = min(frame[0], x1), min(frame[1], y1)
    return (x0, y0, x1 - x0, y1 - y0)


def box_inside(box: Sequence[int], region: Sequence[int]) -> bool:
    """True when `box` lies wholly within `region`."""
    x, y, w, h = box
    rx, ry, rw, rh = region
    return rx <= x and ry <= y and x + w <= rx + rw and y + h <= ry + rh


def overlap_ratio(a: Box, b: Box) -> float:
    """Intersection over the smaller box's area."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    smaller = min(a[2] * a[3], b[2] * b[3]) or 1
    return ix * iy / smaller


def iou(a: Box, b: Box) -> float:
    """Intersection over union."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] * a[3] + b[2] * b[3] - inter) or 1)


def union(a: Box, b: Box) -> Box:
    """The smallest box holding both."""
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return (x0, y0, x1 - x0, y1 - y0)
