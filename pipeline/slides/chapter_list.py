"""Chapters: spans of the recording with a title, and the merging and dropping that makes a
list follow YouTube's rules (first at 0:00, at least 3, each at least 10 s, ascending)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from pipeline.youtube.rules import ChapterMark, chapter_problems


@dataclass(frozen=True)
class Chapter:
    start: float
    end: float
    title: str
    #: "ocr" (slide title), "transcript" (key phrase) or "features" (demo-day plan)
    source: str

    @property
    def length(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "title": self.title,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chapter:
        return cls(float(data["start"]), float(data["end"]), data["title"], data["source"])


def spans(starts: list[float], duration: float) -> list[tuple[float, float]]:
    """(start, end) pairs for ascending `starts` covering [0, duration]."""
    starts = sorted(set([0.0, *(s for s in starts if 0 < s < duration)]))
    return list(zip(starts, [*starts[1:], duration], strict=True))


def merge_repeats(chapters: list[Chapter]) -> list[Chapter]:
    """Join neighbours with the same title (a slide shown twice in a row, two terminals)."""
    out: list[Chapter] = []
    for ch in chapters:
        if out and out[-1].title.lower() == ch.title.lower():
            out[-1] = replace(out[-1], end=ch.end)
        else:
            out.append(ch)
    return out


def merge_short(chapters: list[Chapter], min_seconds: float) -> list[Chapter]:
    """Fold chapters shorter than `min_seconds` into a neighbour: into the one before (the
    topic goes on), the first one into the one after (which then starts at 0:00, keeping
    the title of whichever of the two lasted longer)."""
    out = list(chapters)
    while len(out) > 1:
        short = next((i for i, ch in enumerate(out) if ch.length < min_seconds), None)
        if short is None:
            break
        if short == 0:
            a, b = out[0], out[1]
            keep = a if a.length > b.length else b
            out[0:2] = [replace(keep, start=a.start, end=b.end)]
        else:
            prev = out[short - 1]
            out[short - 1 : short + 1] = [replace(prev, end=out[short].end)]
    return out


def enforce_rules(
    chapters: list[Chapter], *, min_chapters: int, min_seconds: float
) -> tuple[list[Chapter], str | None]:
    """Make `chapters` (ascending, covering the recording) follow YouTube's rules by merging.
    Returns (chapters, None), or ([], reason) when no valid list can be made."""
    if not chapters:
        return [], "nothing to make chapters from"
    out = [replace(chapters[0], start=0.0), *chapters[1:]]
    out = merge_short(merge_repeats(out), min_seconds)
    out = merge_repeats(out)
    if len(out) < min_chapters:
        return [], (
            f"only {len(out)} chapter(s) of at least {min_seconds:g} s could be formed; "
            f"YouTube needs at least {min_chapters}"
        )
    marks = [ChapterMark(ch.start, ch.title) for ch in out]
    problems = chapter_problems(
        marks, out[-1].end, min_chapters=min_chapters, min_seconds=min_seconds
    )
    if problems:
        return [], "; ".join(problems)
    return out, None
