"""What the video stream itself says about change, read without decoding a single frame.

A screen share is mostly still: an encoder then spends a small, steady number of bytes on
each frame between two keyframes (the webcam tile, the cursor, noise). Anything new on screen
(a line of text, a window, a slide) must be coded into the frame where it appears, and again
where it goes away, so it shows as a packet far larger than its neighbours. Reading the
packet sizes is a demux (about 0.3 s for ten minutes of 1080p), which lets the vision stages
decode frame by frame only the stretches between keyframes that may hold a change, and still
see content that comes and goes between two keyframes (A -> B -> A).

With B-frames the steady cost has two levels: the anchors (P-frames, which later B-frames
refer to) cost several times what a B-frame costs. A single median per stretch then puts every
anchor over it, and typing and cursor moves cannot be told from the anchors' own cost (a
10-minute recording encoded as the fixtures are came out active from start to end). So the
packets are split by kind first: a packet is an anchor when it is shown after the packet that
follows it in decoding order (a P-frame sent ahead of the B-frames shown before it), and each
kind is measured against its own median and its own typical deviation."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import CorruptMediaError

#: a packet is a spike when it exceeds its stretch's median (of its kind) by this many bytes at
#: least (a line of text appearing at once costs several kB; a cursor move up to ~300 B) ...
MIN_EXCESS_BYTES = 400
#: ... and by this many times the recording's typical deviation (median absolute deviation)
MAD_FACTOR = 8.0
#: small changes (characters typed one by one) each stay under the spike threshold: packets
#: over BURST_MAD_FACTOR deviations (and MIN_BURST_BYTES) are summed over the stretch, and a
#: sum over BURST_FACTOR spike thresholds marks it active as well
BURST_MAD_FACTOR, MIN_BURST_BYTES, BURST_FACTOR = 3.0, 150, 4.0


@dataclass(frozen=True)
class StreamActivity:
    """The keyframe times and the stretches [start, end) between keyframes that hold a packet
    spike (content may have changed inside them even when both keyframes look alike)."""

    keyframes: list[float]
    active: list[tuple[float, float]] = field(default_factory=list)
    #: bytes over its stretch's median that made a packet a spike
    threshold: float = 0.0

    def active_between(self, start: float, end: float) -> bool:
        """Whether any active stretch overlaps [start, end)."""
        i = bisect.bisect_right([a for a, _ in self.active], end - 1e-6)
        return any(b > start + 1e-6 for _, b in self.active[max(0, i - 2) : i])

    def active_seconds(self) -> float:
        return sum(b - a for a, b in self.active)

    def to_dict(self) -> dict[str, Any]:
        return {
            "keyframes": self.keyframes,
            "active": [[round(a, 3), round(b, 3)] for a, b in self.active],
            "threshold": round(self.threshold, 1),
            "params": {
                "min_excess_bytes": MIN_EXCESS_BYTES,
                "mad_factor": MAD_FACTOR,
                "burst": [BURST_MAD_FACTOR, MIN_BURST_BYTES, BURST_FACTOR],
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StreamActivity:
        return cls(
            keyframes=[float(t) for t in data.get("keyframes", [])],
            active=[(float(a), float(b)) for a, b in data.get("active", [])],
            threshold=float(data.get("threshold", 0.0)),
        )


def stream_activity(path: Path, duration: float | None = None) -> StreamActivity:
    """Demux the first video stream of `path` (no decoding) and return its StreamActivity.
    The stretch after the last keyframe ends at `duration` (or the last packet's time).

    Raises CorruptMediaError when the file cannot be read."""
    import av

    path = Path(path)
    times, sizes, keys = [], [], []  # in decoding order
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return StreamActivity([])
            stream = container.streams.video[0]
            for packet in container.demux(stream):
                if packet.size == 0 or packet.pts is None:
                    continue
                times.append(float(packet.pts * packet.time_base))
                sizes.append(packet.size)
                keys.append(bool(packet.is_keyframe))
    except av.error.FFmpegError as exc:
        raise CorruptMediaError(f"cannot read the packets of {path.name}: {exc}") from exc
    return activity_from_packets(times, sizes, keys, duration, anchors=anchor_packets(times))


def anchor_packets(decode_order_times: list[float]) -> list[bool]:
    """For packets in decoding order, whether each is an anchor: shown after the packet that
    follows it (a P-frame sent ahead of B-frames). Without B-frames, none is."""
    later = [*decode_order_times[1:], float("inf")]
    return [t > nxt for t, nxt in zip(decode_order_times, later, strict=True)]


def activity_from_packets(
    times: list[float],
    sizes: list[int],
    keys: list[bool],
    duration: float | None = None,
    anchors: list[bool] | None = None,
) -> StreamActivity:
    """StreamActivity from the video packets' times, sizes, keyframe flags and (optionally)
    anchor flags (see anchor_packets), in any order."""
    if not times:
        return StreamActivity([])
    order = np.argsort(times, kind="stable")
    t = np.asarray(times, dtype=np.float64)[order]
    size = np.asarray(sizes, dtype=np.float64)[order]
    key = np.asarray(keys, dtype=bool)[order]
    keyframes = [round(float(x), 6) for x in t[key]]
    if not keyframes or keyframes[0] > t[0]:
        keyframes.insert(0, round(float(t[0]), 6))
    end = max(float(duration or 0.0), float(t[-1]) + 1e-3)
    bounds = [*keyframes, end]
    gop = np.searchsorted(np.asarray(keyframes), t, side="right") - 1
    inter = ~key
    anchor = np.asarray(anchors if anchors is not None else [False] * len(t), dtype=bool)[order]
    # each stretch's own median per kind: the steady cost of its webcam/cursor/noise
    excess = np.zeros_like(size)
    threshold = np.zeros_like(size)
    small_threshold = np.zeros_like(size)
    kind_thresholds = []
    for kind in (False, True):
        of_kind = inter & (anchor == kind)
        if not of_kind.any():
            continue
        for g in np.unique(gop[of_kind]):
            part = of_kind & (gop == g)
            excess[part] = size[part] - np.median(size[part])
        deviation = float(np.median(np.abs(excess[of_kind])))
        threshold[of_kind] = max(MIN_EXCESS_BYTES, MAD_FACTOR * deviation)
        small_threshold[of_kind] = max(MIN_BURST_BYTES, BURST_MAD_FACTOR * deviation)
        kind_thresholds.append(float(threshold[of_kind][0]))
    spiking = set(gop[inter & (excess > threshold)].tolist())
    small = inter & (excess > small_threshold)
    # many small changes add up: each counted in units of its kind's spike threshold
    units = np.divide(excess, threshold, out=np.zeros_like(excess), where=threshold > 0)
    bursts = np.bincount(gop[small], weights=units[small], minlength=len(keyframes))
    spiking |= set(np.flatnonzero(bursts > BURST_FACTOR).tolist())
    spiking = sorted(spiking)
    active = [(float(bounds[g]), float(bounds[g + 1])) for g in spiking]
    return StreamActivity(keyframes, active, min(kind_thresholds, default=MIN_EXCESS_BYTES))
