"""Planning a smart render: from the recording's video packets (decode order) and the ranges
to redact, decide which frames are redacted and which spans of the stream must be re-encoded.

A span starts at the last point at or before the first redacted frame where the stream can be
cut cleanly (every frame before it decodes from packets before it: with B-frames that is the
end of a B-frame group, at most a few frames early) and ends at the first clean keyframe after
the last redacted frame. Everything outside the spans is stream-copied."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from pipeline.media.geometry import Box


@dataclass(frozen=True)
class EditRange:
    """A time range to redact (seconds, end exclusive) and the boxes to blur (None: all)."""

    start: float
    end: float
    regions: tuple[Box, ...] | None = None


@dataclass(frozen=True)
class PacketInfo:
    """One video packet as demuxed (timestamps in the stream's time base)."""

    pts: int
    dts: int
    duration: int
    keyframe: bool


@dataclass
class Span:
    """Packets with `start <= pts < end` (stream time base) are re-encoded; `end` is None
    when the span runs to the end of the stream."""

    start: int
    end: int | None
    #: pts of the keyframe decoding must start from to reach `start`
    decode_from: int

    def contains(self, pts: int) -> bool:
        return pts >= self.start and (self.end is None or pts < self.end)


@dataclass
class EditPlan:
    time_base: Fraction
    spans: list[Span]
    #: pts of every redacted frame, with the ranges covering it
    redacted: dict[int, list[EditRange]] = field(default_factory=dict)
    #: (pts, duration) of every frame in display order
    frames: list[tuple[int, int]] = field(default_factory=list)
    #: decode delay of the source (pts - dts of its first packet), in time-base units
    delay: int = 0

    def runs(self) -> list[tuple[int, int]]:
        """Contiguous runs of redacted frames as (start, end) pts, end exclusive."""
        cached = getattr(self, "_runs", None)
        if cached is None:
            cached = []
            for p, dur in self.frames:
                if p not in self.redacted:
                    continue
                if cached and cached[-1][1] == p:
                    cached[-1] = (cached[-1][0], p + dur)
                else:
                    cached.append((p, p + dur))
            self._runs = cached
            self._run_ends = [b for _, b in cached]
            self._run_shift = [0]
            for a, b in cached:
                self._run_shift.append(self._run_shift[-1] + b - a)
        return cached

    def removed_before(self, pts: int) -> int:
        """Total duration of redacted frames shown before `pts` (the shift a cut applies)."""
        self.runs()
        return self._run_shift[bisect.bisect_right(self._run_ends, pts)]

    def removed_seconds(self) -> list[tuple[float, float]]:
        """Contiguous runs of redacted frames as (start, end) seconds of the source."""
        return [(float(a * self.time_base), float(b * self.time_base)) for a, b in self.runs()]


def _clean_keyframes(packets: Sequence[PacketInfo]) -> list[int]:
    """Indexes (decode order) of keyframes after which no packet shows an earlier frame (no
    open-GOP leading pictures), i.e. where a copied part may start."""
    clean = []
    for i, p in enumerate(packets):
        if not p.keyframe:
            continue
        window = packets[i + 1 : i + 1 + 16]
        if all(q.pts > p.pts for q in window):
            clean.append(i)
    return clean


def _cut_points(packets: Sequence[PacketInfo], first: int, last: int) -> list[int]:
    """Display pts at which the decode-order prefix of packets[first:last] is closed: every
    frame shown before the point decodes from packets before it and none after."""
    gop = packets[first:last]
    order = sorted(p.pts for p in gop)
    rank = {pts: i for i, pts in enumerate(order)}
    points = [order[0]]
    highest = -1
    for i, p in enumerate(gop):
        highest = max(highest, rank[p.pts])
        if highest == i and i + 1 < len(order):
            points.append(order[i + 1])
    return points


def plan_edit(
    packets: Sequence[PacketInfo], time_base: Fraction, ranges: Sequence[EditRange]
) -> EditPlan:
    """Plan the re-encoded spans for `ranges`. A frame is redacted when any part of its display
    time falls inside a range, so no exposed frame survives at either edge."""
    frames = sorted((p.pts, p.duration) for p in packets)
    if not frames:
        return EditPlan(time_base, [])
    fallback = frames[1][0] - frames[0][0] if len(frames) > 1 else 1
    frames = [(pts, dur or fallback) for pts, dur in frames]
    eps = 1e-6
    redacted: dict[int, list[EditRange]] = {}
    for r in ranges:
        for pts, dur in frames:
            start, end = float(pts * time_base), float((pts + dur) * time_base)
            if end > r.start + eps and start < r.end - eps:
                redacted.setdefault(pts, []).append(r)

    keys = _clean_keyframes(packets)
    key_pts = [packets[i].pts for i in keys]
    spans: list[Span] = []
    for r in ranges:
        hit = sorted(p for p, rs in redacted.items() if r in rs)
        if not hit:
            continue
        first, last = hit[0], hit[-1]
        g = max(bisect.bisect_right(key_pts, first) - 1, 0)
        gop_end = keys[g + 1] if g + 1 < len(keys) else len(packets)
        start = max(c for c in _cut_points(packets, keys[g], gop_end) if c <= first)
        after = bisect.bisect_right(key_pts, last)
        end = key_pts[after] if after < len(key_pts) else None
        spans.append(Span(start, end, key_pts[g]))
    spans.sort(key=lambda s: s.start)
    merged: list[Span] = []
    for span in spans:
        prev = merged[-1] if merged else None
        if prev and (prev.end is None or span.start < prev.end):
            if prev.end is not None and (span.end is None or span.end > prev.end):
                prev.end = span.end
            continue
        merged.append(span)
    delay = packets[0].pts - packets[0].dts if packets else 0
    return EditPlan(time_base, merged, redacted, frames, max(delay, 0))
