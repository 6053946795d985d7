"""What slides.json says was shown, slide by slide: when, the saved full frame, and the
shared-screen rectangle it was shown in.

slides.json may carry where the shared screen sits in the meeting window:

    "shares":  [{"start": s, "end": e, "box": [x, y, w, h]}]   (video pixels; a stretch
                                                                 without a share has none)
    "changes": [{..., "share": [x, y, w, h] or null}]

When it says nothing about shares (an older slides.json), every slide is taken to fill the
whole frame. When it does, a slide with no share is a meeting view (gallery, speaker): no
screen to read a title from, and no thumbnail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.media.geometry import Box

SHARES_KEY = "shares"
SHARE_KEY = "share"


@dataclass(frozen=True)
class ShownSlide:
    """One slide (or screen) of slides.json: shown from `start` to `end`, its saved frame
    (relative to the work folder) taken at `frame_time`, inside `share` (None: the whole
    frame), and whether anything was shared at all."""

    index: int
    start: float
    end: float
    frame: str
    frame_time: float | None
    share: Box | None
    screen: bool = True

    @property
    def length(self) -> float:
        return self.end - self.start


def _as_box(value: Any) -> Box | None:
    if not value or len(value) != 4:
        return None
    x, y, w, h = (int(round(float(v))) for v in value)
    return (x, y, w, h) if w > 0 and h > 0 else None


def share_at(shares: list[dict[str, Any]], start: float, end: float) -> Box | None:
    """The share rectangle that overlaps [start, end) longest, or None."""
    best, best_overlap = None, 0.0
    for share in shares:
        overlap = min(end, float(share["end"])) - max(start, float(share["start"]))
        if overlap > best_overlap:
            best, best_overlap = _as_box(share.get("box")), overlap
    return best


def shown_slides(slides: dict[str, Any], duration: float) -> list[ShownSlide]:
    """Every slide of a slides.json document, in order, each with its share rectangle: the
    change's own `share` when it has that key, else the `shares` stretch it overlaps
    longest; with no share information at all, the whole frame."""
    changes = slides.get("changes", [])
    times = slides.get("params", {}).get("frame_times", [])
    shares = slides.get(SHARES_KEY)
    out = []
    for i, change in enumerate(changes):
        start = float(change["time"])
        end = float(changes[i + 1]["time"]) if i + 1 < len(changes) else duration
        share, screen = None, True
        if SHARE_KEY in change:
            share = _as_box(change[SHARE_KEY])
            screen = share is not None
        elif shares is not None:
            share = share_at(shares, start, max(end, start + 1e-3))
            screen = share is not None
        frame_time = float(times[i]) if i < len(times) else None
        out.append(
            ShownSlide(i, start, max(end, start), change["frame"], frame_time, share, screen)
        )
    return out


def crop_to_share(image: np.ndarray, share: Box | None) -> np.ndarray:
    """`image` (HxW or HxWxC) cut to the `share` rectangle (clamped to the picture); the
    whole picture when `share` is None or falls outside it."""
    if share is None:
        return image
    h, w = image.shape[:2]
    x, y, bw, bh = share
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(w, x + bw), min(h, y + bh)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return image
    return np.ascontiguousarray(image[y0:y1, x0:x1])
