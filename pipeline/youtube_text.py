"""YouTube's rules for titles, descriptions and chapter lists, checked before anything is sent.

A local check until the shared description validator lands: title at most 100 characters,
description at most 5,000 bytes, neither with `<` or `>`; chapters (lines starting `m:ss` or
`h:mm:ss`) start at 0:00, number at least 3, ascend, and last at least 10 s each."""

from __future__ import annotations

import re

from pipeline.timecode import parse_time

TITLE_MAX = 100
DESCRIPTION_MAX_BYTES = 5000
MIN_CHAPTERS = 3
MIN_CHAPTER_SECONDS = 10.0
_CHAPTER_LINE = re.compile(r"^\s*\(?((?:\d+:)?\d{1,2}:\d{2})\)?\s+\S")
_ANGLES = str.maketrans({"<": "‹", ">": "›"})


def clean_title(title: str) -> str:
    """The title as YouTube accepts it: one line, no angle brackets, at most 100 characters."""
    text = " ".join(title.split()).translate(_ANGLES)
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1].rstrip() + "…"


def clean_description(description: str) -> str:
    """The description without angle brackets and cut (at a line end) to 5,000 bytes."""
    text = description.translate(_ANGLES).strip()
    if len(text.encode("utf-8")) <= DESCRIPTION_MAX_BYTES:
        return text
    kept: list[str] = []
    size = 0
    for line in text.splitlines():
        size += len(line.encode("utf-8")) + 1
        if size > DESCRIPTION_MAX_BYTES:
            break
        kept.append(line)
    return "\n".join(kept).rstrip()


def chapter_times(description: str) -> list[float]:
    """Start times of the chapter lines in a description, in order of appearance."""
    return [
        parse_time(m[1]) for line in description.splitlines() if (m := _CHAPTER_LINE.match(line))
    ]


def chapter_problems(description: str, duration: float | None = None) -> list[str]:
    """Why YouTube would show no chapters for this description; [] when it would (or when
    the description has no chapter lines at all)."""
    times = chapter_times(description)
    if not times:
        return []
    problems = []
    if times[0] != 0.0:
        problems.append("the first chapter must start at 0:00")
    if len(times) < MIN_CHAPTERS:
        problems.append(f"at least {MIN_CHAPTERS} chapters are needed, found {len(times)}")
    ends = times[1:] + ([duration] if duration else [])
    for start, end in zip(times, ends, strict=False):
        if end <= start:
            problems.append("chapter times must ascend")
            break
        if end - start < MIN_CHAPTER_SECONDS:
            problems.append(f"every chapter must last at least {MIN_CHAPTER_SECONDS:.0f} s")
            break
    return problems
