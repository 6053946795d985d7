"""YouTube's rules for titles, descriptions and chapter lists, in one place: checked before
anything is written (describe stage) and before anything is uploaded (publish).

Chapters (as YouTube reads them from a description): the first timestamp is 0:00, there are
at least 3, each lasts at least 10 seconds, and they ascend. Title: at most 100 characters,
not empty. Description: at most 5000 bytes. Neither may contain `<` or `>`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.timecode import parse_time

TITLE_MAX_CHARS = 100
DESCRIPTION_MAX_BYTES = 5000
MIN_CHAPTERS = 3
MIN_CHAPTER_SECONDS = 10.0
FORBIDDEN = ("<", ">")

#: a chapter line: a timestamp at the start of the line, then the title
CHAPTER_LINE = re.compile(r"^\s*\(?((?:\d+:)?\d{1,2}:\d{2})\)?\s*[-–—:]?\s*(.+?)\s*$")


@dataclass(frozen=True)
class ChapterMark:
    """A chapter as YouTube sees it: where it starts and its title."""

    start: float
    title: str


def chapter_problems(
    marks: list[ChapterMark],
    duration: float | None = None,
    *,
    min_chapters: int = MIN_CHAPTERS,
    min_seconds: float = MIN_CHAPTER_SECONDS,
) -> list[str]:
    """Every way `marks` break YouTube's chapter rules (empty list = valid). The last
    chapter's length is checked only when `duration` is known."""
    problems = []
    if not marks:
        return ["no chapters"]
    if marks[0].start != 0:
        problems.append(f"the first chapter starts at {marks[0].start:g} s, not 0:00")
    if len(marks) < min_chapters:
        problems.append(f"{len(marks)} chapters; YouTube needs at least {min_chapters}")
    ends = [m.start for m in marks[1:]] + ([duration] if duration is not None else [])
    for mark, end in zip(marks, ends, strict=False):
        if end <= mark.start:
            problems.append(f"chapter {mark.title!r} at {mark.start:g} s is not in ascending order")
        elif end - mark.start < min_seconds:
            problems.append(
                f"chapter {mark.title!r} at {mark.start:g} s lasts {end - mark.start:.1f} s "
                f"(< {min_seconds:g} s)"
            )
    for mark in marks:
        if not mark.title.strip():
            problems.append(f"chapter at {mark.start:g} s has no title")
        if any(c in mark.title for c in FORBIDDEN):
            problems.append(f"chapter title {mark.title!r} contains < or >")
    return problems


def parse_chapter_lines(description: str) -> list[ChapterMark]:
    """The chapter list YouTube would read from a description: the first run of lines that
    start with a timestamp (a run must begin at 0:00 for YouTube to use it)."""
    marks: list[ChapterMark] = []
    for line in description.splitlines():
        match = CHAPTER_LINE.match(line)
        if match:
            marks.append(ChapterMark(parse_time(match.group(1)), match.group(2)))
        elif marks:
            break
    return marks


def title_problems(title: str) -> list[str]:
    """Every way a video title breaks YouTube's limits (empty list = valid)."""
    problems = []
    if not title.strip():
        problems.append("the title is empty")
    if len(title) > TITLE_MAX_CHARS:
        problems.append(f"the title has {len(title)} characters (> {TITLE_MAX_CHARS})")
    if any(c in title for c in FORBIDDEN):
        problems.append("the title contains < or >")
    return problems


def description_problems(description: str, duration: float | None = None) -> list[str]:
    """Every way a description breaks YouTube's limits, including its chapter list when it
    has one (empty list = valid)."""
    problems = []
    size = len(description.encode("utf-8"))
    if size > DESCRIPTION_MAX_BYTES:
        problems.append(f"the description has {size} bytes (> {DESCRIPTION_MAX_BYTES})")
    if any(c in description for c in FORBIDDEN):
        problems.append("the description contains < or >")
    marks = parse_chapter_lines(description)
    if marks:
        problems += chapter_problems(marks, duration)
    return problems


def clean_text(text: str) -> str:
    """`text` with what YouTube refuses replaced: `<`/`>` become `‹`/`›`."""
    return text.replace("<", "‹").replace(">", "›")


def fit_title(title: str) -> str:
    """A title within the limits: cleaned, cut at a word boundary with an ellipsis if long."""
    title = " ".join(clean_text(title).split())
    if len(title) <= TITLE_MAX_CHARS:
        return title
    cut = title[: TITLE_MAX_CHARS - 1].rsplit(" ", 1)[0].rstrip(" -–—:,")
    return cut + "…"


def _assemble(head: list[str], chapters: list[str], tail: list[str]) -> str:
    lines = [*head, *chapters, *tail]
    return clean_text("\n".join(lines).strip("\n"))


def _fits(text: str) -> bool:
    return len(text.encode("utf-8")) <= DESCRIPTION_MAX_BYTES


def fit_description(head: str, chapter_lines: list[str], tail: str) -> str:
    """Join `head`, the chapter lines and `tail` (line by line) within the byte limit,
    with `<`/`>` replaced. Whole lines are dropped from the end of the tail first, then from
    the end of the head, then whole chapter lines from the end of the list (down to the 3
    YouTube needs); a chapter line is never cut, and a list that cannot fit is dropped as a
    whole rather than published broken."""
    head_lines, tail_lines = head.splitlines(), tail.splitlines()
    chapters = list(chapter_lines)
    while tail_lines and not _fits(_assemble(head_lines, chapters, tail_lines)):
        tail_lines.pop()
    while head_lines and not _fits(_assemble(head_lines, chapters, tail_lines)):
        head_lines.pop()
    while len(chapters) > MIN_CHAPTERS and not _fits(_assemble(head_lines, chapters, tail_lines)):
        chapters.pop()  # the chapter before it then runs on to the end: still valid
    if not _fits(_assemble(head_lines, chapters, tail_lines)):
        chapters = []
    text = _assemble(head_lines, chapters, tail_lines)
    if not _fits(text):  # one enormous line: cut at a character boundary
        text = text.encode("utf-8")[:DESCRIPTION_MAX_BYTES].decode("utf-8", "ignore")
    return text


def description_chapter_problems(description: str, duration: float | None = None) -> list[str]:
    """Why YouTube would show no chapters for this description; [] when it would, or when the
    description has no chapter lines at all."""
    marks = parse_chapter_lines(description)
    return chapter_problems(marks, duration) if marks else []


def fit_plain_description(description: str) -> str:
    """A finished description within the limits: `<`/`>` replaced, whole lines dropped from
    the end until it fits 5000 bytes."""
    return fit_description(description.strip(), [], "")
