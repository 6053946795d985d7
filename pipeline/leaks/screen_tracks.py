"""Following each secret seen on screen over the samples: from the first sample where it is
readable to the last, with the boxes it was seen in (the same secret read with a few OCR
errors, or growing in place as it is typed, is one track)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.leaks.rules import normalise, similar
from pipeline.media.geometry import Box, overlap_ratio, union


@dataclass
class ScreenTrack:
    """One secret seen on screen from `first` to `last` (sample times)."""

    rule: str
    value: str
    confidence: float
    first: float
    last: float
    boxes: list[Box] = field(default_factory=list)
    end: float | None = None


class FindingTracker:
    """Follows secrets over samples: a reading matches an open track of the same rule when
    it is the same secret read with up to two OCR errors, or when it sits where the track's
    last box was (a line being typed grows in place); and a track of another rule when it
    continues that track's value on the same line (a key being typed is first caught by a
    looser rule, then, whole, by its own)."""

    def __init__(self) -> None:
        self.open: list[ScreenTrack] = []
        self.closed: list[ScreenTrack] = []

    def update(self, t: float, seen: list[tuple[str, str, Box, float]]) -> None:
        matched: set[int] = set()
        for rule, value, box, confidence in seen:
            track = self._match(rule, value, box, matched)
            if track is None:
                self.open.append(ScreenTrack(rule, value, confidence, t, t, [box]))
                matched.add(id(self.open[-1]))
                continue
            matched.add(id(track))
            track.last = t
            if track.rule != rule or (confidence, len(value)) > (
                track.confidence,
                len(track.value),
            ):
                # the longer reading of a secret being typed names it by its own rule
                track.rule, track.value, track.confidence = rule, value, confidence
            for i, old in enumerate(track.boxes):
                if overlap_ratio(old, box) > 0.3:
                    track.boxes[i] = union(old, box)
                    break
            else:
                track.boxes.append(box)
        for track in [tr for tr in self.open if id(tr) not in matched]:
            track.end = t
            self.open.remove(track)
            self.closed.append(track)

    def _match(self, rule: str, value: str, box: Box, taken: set[int]) -> ScreenTrack | None:
        """An open track this reading continues: one not yet matched in this sample first
        (the same secret may be on screen twice), else any."""
        norm = normalise(value)
        candidates = [tr for tr in self.open if tr.rule == rule]
        candidates.sort(key=lambda tr: id(tr) in taken)
        for track in candidates:
            if similar(norm, normalise(track.value)) or overlap_ratio(track.boxes[-1], box) > 0.6:
                return track
        # a secret being typed: its first characters matched a looser rule (a generic
        # assignment), the whole of it a more specific one, on the same line
        for track in self.open:
            typed = normalise(track.value)
            if (
                track.rule != rule
                and id(track) not in taken
                and len(norm) > len(typed)
                and norm.startswith(typed)
                and overlap_ratio(track.boxes[-1], box) > 0.3
            ):
                return track
        return None

    def finish(self, end: float) -> list[ScreenTrack]:
        """Close every open track at `end`; returns all tracks by first sighting."""
        for track in self.open:
            track.end = end
        self.closed.extend(self.open)
        self.open = []
        return sorted(self.closed, key=lambda tr: (tr.first, tr.boxes[0][1]))
