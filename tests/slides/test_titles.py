"""The slide title reader with the real OCR models: a line read on an earlier screen is not
recognised again, and a changed line is."""

from __future__ import annotations

from fixtures.synth import Slide, render_slide
from pipeline.slides.titles import SlideTitleReader

BULLETS = ["Connectors shipped this month", "What the plugin hub gained"]


def test_a_screen_shown_again_is_titled_without_recognising_its_lines_again():
    reader = SlideTitleReader()
    first = render_slide(Slide("Roadmap Update", BULLETS), 1280, 720)
    assert reader.title(first) == "Roadmap Update"
    recognised = reader.lines_recognised
    assert recognised >= 2  # the heading and the lines it is compared with

    assert reader.title(first.copy()) == "Roadmap Update"
    assert reader.lines_recognised == recognised  # every line came from the cache

    # the same bullets under another title: only the new heading is recognised
    second = render_slide(Slide("Release Planning", BULLETS), 1280, 720)
    assert reader.title(second) == "Release Planning"
    assert reader.lines_recognised == recognised + 1
