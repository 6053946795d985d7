"""Redaction ranges: what the user (or the secret scan) asks to hide, parsed, checked against
the recording and merged. Times are seconds; strings exist only in the parsers here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import InputError, UsageError
from pipeline.media.geometry import Box
from pipeline.media.probe import MediaInfo
from pipeline.timecode import parse_time

MODES = ("blur", "cut")


@dataclass(frozen=True)
class RedactionRange:
    """Seconds [start, end) to hide; `regions` are the boxes (x, y, w, h pixels) to blur,
    None for the whole frame."""

    start: float
    end: float
    regions: tuple[Box, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 6),
            "end": round(self.end, 6),
            "regions": [list(b) for b in self.regions] if self.regions else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RedactionRange:
        regions = data.get("regions")
        boxes = tuple(tuple(int(v) for v in b) for b in regions) if regions else None
        return cls(float(data["start"]), float(data["end"]), boxes)  # type: ignore[arg-type]


def parse_range(text: str) -> tuple[float, float]:
    """Parse `FROM-TO` (e.g. `12:03-12:41`, `75.5-80`). Raises UsageError."""
    parts = str(text).split("-")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise UsageError(
            f"cannot read range {text!r}", hint="write FROM-TO, e.g. --range 12:03-12:41"
        )
    return parse_time(parts[0]), parse_time(parts[1])


def parse_region(text: str) -> Box:
    """Parse `x,y,w,h` in pixels. Raises UsageError."""
    try:
        x, y, w, h = (int(v) for v in str(text).split(","))
    except ValueError as exc:
        raise UsageError(
            f"cannot read region {text!r}", hint="write x,y,w,h in pixels, e.g. 100,80,640,120"
        ) from exc
    if w <= 0 or h <= 0 or x < 0 or y < 0:
        raise UsageError(f"region {text!r} must have x,y >= 0 and a positive width and height")
    return (x, y, w, h)


def requested_ranges(
    start: str | None,
    end: str | None,
    spans: Sequence[str] = (),
    regions: Sequence[str] = (),
    extra: Sequence[RedactionRange] = (),
) -> list[RedactionRange]:
    """The ranges a person asked for: `start`/`end` (e.g. `12:03`, `12:41`), `FROM-TO` spans,
    all with `regions` (`x,y,w,h`; none = the whole frame), plus `extra` ones (from a flags
    file). Raises UsageError for a half-given pair, a reversed range or nothing at all."""
    boxes = tuple(parse_region(r) for r in regions) or None
    pairs: list[tuple[float, float]] = []
    if (start is None) != (end is None):
        raise UsageError("--from and --to go together", hint="give both, or use --range FROM-TO")
    if start is not None and end is not None:
        pairs.append((parse_time(start), parse_time(end)))
    pairs += [parse_range(r) for r in spans]
    found = [RedactionRange(a, b, boxes) for a, b in pairs] + list(extra)
    if not found:
        raise UsageError("no range to redact", hint="give --from/--to, --range or --ranges")
    for r in found:
        if r.end <= r.start:
            raise UsageError(f"range {r.start:g}-{r.end:g} s: the start must come before the end")
    return found


def _union(a: tuple[Box, ...] | None, b: tuple[Box, ...] | None) -> tuple[Box, ...] | None:
    if a is None or b is None:
        return None
    return tuple(dict.fromkeys((*a, *b)))


def merge_ranges(ranges: Iterable[RedactionRange]) -> list[RedactionRange]:
    """Sort ranges and merge those that overlap or touch (their regions united)."""
    merged: list[RedactionRange] = []
    for r in sorted(ranges, key=lambda r: (r.start, r.end)):
        if merged and r.start <= merged[-1].end + 1e-9:
            last = merged[-1]
            merged[-1] = RedactionRange(
                last.start, max(last.end, r.end), _union(last.regions, r.regions)
            )
        else:
            merged.append(r)
    return merged


def check_ranges(ranges: Sequence[RedactionRange], media: MediaInfo) -> list[RedactionRange]:
    """Check ranges against the recording and merge overlapping ones. An end up to one frame
    past the end of the recording is clamped to it. Returns the merged ranges.

    Raises UsageError for an empty list, a start not before its end, a range outside the
    recording, or a region outside the frame.
    """
    if not ranges:
        raise UsageError("no range to redact", hint="give --from/--to, --range or --ranges")
    if media.video is None:
        raise InputError(f"{Path(media.path).name} has no video to redact")
    frame = 1.0 / media.video.fps if media.video.fps else 0.05
    width, height = media.video.width, media.video.height
    checked = []
    for r in ranges:
        if r.start < 0 or r.end <= r.start:
            raise UsageError(
                f"range {r.start:.3f}-{r.end:.3f} s is empty: the start must come before the end"
            )
        if r.start >= media.duration or r.end > media.duration + frame:
            raise UsageError(
                f"range {r.start:.3f}-{r.end:.3f} s is outside the recording "
                f"({media.duration:.3f} s long)"
            )
        for x, y, w, h in r.regions or ():
            if x + w > width or y + h > height:
                raise UsageError(
                    f"region {x},{y},{w},{h} is outside the {width}x{height} frame",
                    hint="x+w must be <= width and y+h <= height",
                )
        checked.append(RedactionRange(r.start, min(r.end, media.duration), r.regions))
    return merge_ranges(checked)
