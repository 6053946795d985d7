"""A demo day's intro and closing chapters, and when they are too short to stand alone."""

from __future__ import annotations

from pipeline.slides.demo_chapters import closing_start, demo_chapters
from pipeline.slides.demo_plan import Feature, FeatureStart
from pipeline.speech.keyphrases import Utterance

SLIDES = [(0.0, "Welcome to Demo Day"), (10.4, "Plugin Setup"), (20.0, None), (41.3, None)]
SAID = [Utterance(42.0, 45.0, "Thank you all. Any questions for the presenters?")]


def test_closing_starts_at_the_slide_before_the_closing_remark():
    assert closing_start(10.4, SLIDES, SAID, 52.0, 10.0) == (41.3, None)
    titled = [*SLIDES[:3], (41.3, "Questions and Answers")]
    assert closing_start(10.4, titled, [], 52.0, 10.0) == (41.3, "Questions and Answers")


def test_a_closing_part_shorter_than_a_chapter_stays_with_the_last_demo():
    assert closing_start(10.4, SLIDES, SAID, 49.0, 10.0) is None


def test_intro_demos_and_closing():
    matched = [FeatureStart(Feature("Plugin Setup", "Alex Rivera"), 10.4, "slide")]
    chapters = demo_chapters(matched, SLIDES, SAID, 52.0, 10.0)
    assert [(c.start, c.title, c.source) for c in chapters] == [
        (0.0, "Welcome to Demo Day", "ocr"),
        (10.4, "Plugin Setup (Alex Rivera)", "features"),
        (41.3, "Questions", "transcript"),
    ]
    assert demo_chapters([], SLIDES, SAID, 52.0, 10.0) == []
