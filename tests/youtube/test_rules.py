"""YouTube's rules: the validator the describe stage and publish rely on, and fitting text
within the limits without cutting a chapter line."""

from __future__ import annotations

from pipeline.youtube.rules import (
    DESCRIPTION_MAX_BYTES,
    ChapterMark,
    chapter_problems,
    description_problems,
    fit_description,
    fit_title,
    parse_chapter_lines,
    title_problems,
)

GOOD = "Intro text\n\n0:00 Welcome\n0:45 Roadmap\n12:03 Demo\n1:02:03 Questions\n\nThanks!"


def test_valid_description_has_no_problems():
    assert description_problems(GOOD, duration=4000) == []
    assert [m.start for m in parse_chapter_lines(GOOD)] == [0, 45, 723, 3723]


def test_each_chapter_rule_is_checked():
    assert any(
        "0:00" in p
        for p in chapter_problems([ChapterMark(5, "a"), ChapterMark(20, "b"), ChapterMark(40, "c")])
    )
    assert any(
        "at least 3" in p for p in chapter_problems([ChapterMark(0, "a"), ChapterMark(20, "b")])
    )
    assert any(
        "< 10 s" in p
        for p in chapter_problems([ChapterMark(0, "a"), ChapterMark(5, "b"), ChapterMark(40, "c")])
    )
    assert any(
        "ascending" in p
        for p in chapter_problems([ChapterMark(0, "a"), ChapterMark(40, "b"), ChapterMark(30, "c")])
    )
    assert any(
        "< 10 s" in p
        for p in chapter_problems(
            [ChapterMark(0, "a"), ChapterMark(20, "b"), ChapterMark(40, "c")], duration=45
        )
    )
    assert chapter_problems([]) == ["no chapters"]


def test_limits_and_forbidden_characters():
    assert title_problems("x" * 101) and not title_problems("x" * 100)
    assert title_problems("a <b> title") and title_problems("  ")
    assert description_problems("é" * 2501)  # 5002 bytes
    assert description_problems("see <here>")


def test_fit_title_cuts_at_a_word_and_cleans():
    title = fit_title("Office Hours " + "word " * 40 + "<end>")
    assert len(title) <= 100 and title.endswith("…") and not title_problems(title)
    assert fit_title("a <b> c") == "a ‹b› c"


def test_fit_description_never_cuts_a_chapter_line():
    chapters = [f"{m}:00 Chapter number {m} with a fairly long title" for m in range(0, 200)]
    head = "Meltano Office Hours\n\nIn this session:"
    tail = "\n".join(f"- https://example.org/link/{i}" for i in range(100))
    text = fit_description(head, chapters, tail)
    assert len(text.encode("utf-8")) <= DESCRIPTION_MAX_BYTES
    lines = text.splitlines()
    kept = [ln for ln in lines if ln and ln[0].isdigit()]
    assert kept == chapters[: len(kept)] and len(kept) >= 3  # whole lines, in order
    assert "https://example.org/link/0" not in text  # the tail went first
    assert description_problems(text, duration=200 * 60) == []


def test_fit_description_keeps_everything_that_fits():
    text = fit_description("Head", ["0:00 A", "0:30 B", "1:00 C"], "Tail <x>")
    assert text == "Head\n0:00 A\n0:30 B\n1:00 C\nTail ‹x›"
