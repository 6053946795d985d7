"""A demo day's chapters: the intro before the first demo, one chapter per feature from the
moment its demo starts (demo_plan.match_features), and the closing part (Q&A, thanks).
The intro and the closing part get their own chapters when they last at least the
shortest chapter YouTube allows; otherwise they belong to the demo next to them."""

from __future__ import annotations

import re

from pipeline.slides.chapter_list import Chapter
from pipeline.slides.demo_plan import FeatureStart
from pipeline.speech.keyphrases import Utterance, key_phrase

#: what opens the closing part of a demo day, on a slide or in speech
CLOSING = re.compile(
    r"\b(questions?|q\s*(&|and)\s*a|thank you|thanks,? (all|everyone|everybody)|wrap[- ]?up|"
    r"closing|feedback|next steps|that'?s all)\b",
    re.IGNORECASE,
)
#: a slide change this close before a closing remark is where the closing part starts
SLIDE_LEAD = 15.0
INTRO_TITLE = "Welcome"
CLOSING_TITLE = "Q&A"

Slides = list[tuple[float, str | None]]


def _slide_title_at(slides: Slides, t: float) -> str | None:
    return next((title for s, title in slides if s == t), None)


def closing_start(
    last_start: float,
    slides: Slides,
    utterances: list[Utterance],
    duration: float,
    min_seconds: float,
) -> tuple[float, str | None] | None:
    """Where the closing part begins, and the title of the slide that opens it: the first
    slide after the last demo's start titled like a closing (questions, thanks, wrap-up),
    else the first closing remark in speech (moved back to the slide change just before
    it, within SLIDE_LEAD s). None when there is none, or when it would leave the last
    demo or the closing part shorter than `min_seconds`."""

    def fits(t: float) -> bool:
        return t - last_start >= min_seconds and duration - t >= min_seconds

    for t, title in slides:
        if t > last_start and title and CLOSING.search(title) and fits(t):
            return t, title
    for u in utterances:
        if u.start > last_start and CLOSING.search(u.text):
            earlier = [s for s, _ in slides if last_start < s <= u.start <= s + SLIDE_LEAD]
            t = earlier[-1] if earlier else u.start
            if fits(t):
                return t, _slide_title_at(slides, t)
    return None


def _speech(utterances: list[Utterance], start: float, end: float) -> str:
    return " ".join(u.text for u in utterances if u.end > start and u.start < end)


def demo_chapters(
    matched: list[FeatureStart],
    slides: Slides,
    utterances: list[Utterance],
    duration: float,
    min_seconds: float,
) -> list[Chapter]:
    """Chapters covering [0, duration]: intro (the opening slide's title, else key phrases
    of what was said, else "Welcome"), one per matched feature (its label), closing (its
    slide's title, else key phrases, else "Q&A"). Empty when no feature was matched."""
    if not matched:
        return []
    first = matched[0].start
    chapters: list[Chapter] = []
    if first > 0:
        title = next((t for s, t in slides if s < first and t), None)
        source = "ocr"
        if title is None:
            title, source = key_phrase(_speech(utterances, 0.0, first)), "transcript"
        chapters.append(Chapter(0.0, first, title or INTRO_TITLE, source))
    closing = closing_start(matched[-1].start, slides, utterances, duration, min_seconds)
    end = closing[0] if closing else duration
    ends = [m.start for m in matched[1:]] + [end]
    for m, stop in zip(matched, ends, strict=True):
        chapters.append(Chapter(m.start, stop, m.feature.label, "features"))
    if closing:
        t, title = closing
        source = "ocr"
        if not title:
            title, source = key_phrase(_speech(utterances, t, duration)), "transcript"
        chapters.append(Chapter(t, duration, title or CLOSING_TITLE, source))
    return chapters
