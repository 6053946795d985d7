"""Slides stage on every screen fixture: each ground-truth change found within 1.0 s, and no
change from the webcam tile, the cursor, a pointer, typing, scrolling or a gallery view."""

from __future__ import annotations

import pytest
from PIL import Image

from pipeline.media.geometry import iou

SCREEN_FIXTURES = ("talk", "screens", "demoday", "gallery")


@pytest.mark.parametrize("name", SCREEN_FIXTURES)
def test_every_change_found_and_nothing_else(content_run, fixture_truth, name):
    workspace = content_run(name)
    slides = workspace.read_json("slides.json")
    truth = fixture_truth(name)["slide_changes"]
    found = [c["time"] for c in slides["changes"]]
    assert found[0] == 0.0
    found = found[1:]
    assert len(found) == len(truth), f"found {found}, expected {truth}"
    for expected, got in zip(truth, found, strict=True):
        assert abs(got - expected) <= 1.0, f"change at {expected} found at {got}"


@pytest.mark.parametrize("name", ("talk", "screens"))
def test_frames_and_confidence_recorded(content_run, fixture_truth, name):
    workspace = content_run(name)
    slides = workspace.read_json("slides.json")
    meta = fixture_truth(name)
    times = slides["params"]["frame_times"]
    assert len(times) == len(slides["changes"])
    for i, change in enumerate(slides["changes"]):
        assert 0.0 <= change["confidence"] <= 1.0
        path = workspace.path(change["frame"])
        with Image.open(path) as img:
            assert img.size == (meta["width"], meta["height"]) and img.format == "JPEG"
        # the saved frame shows this slide: it lies inside the slide's true span
        starts = [0.0, *meta["slide_changes"], meta["duration"]]
        assert starts[i] <= times[i] < starts[i + 1]


def test_gallery_view_has_no_screen_share(content_run):
    slides = content_run("gallery").read_json("slides.json")
    assert len(slides["changes"]) == 1  # just the opening picture
    assert slides["params"]["masked_fraction"] > 0.1  # the tiles were seen moving


ZOOM_FIXTURES = ("zoom_speaker", "zoom_gallery", "zoom_demoday")


@pytest.mark.parametrize("name", ZOOM_FIXTURES)
def test_zoom_layouts_give_their_changes_from_the_first_frame(content_run, fixture_truth, name):
    """Speaker view with a webcam strip, gallery <-> share, a 1080p30 full-screen demo day:
    every true change and nothing else, each at most one sample (0.5 s) after it began."""
    slides = content_run(name, stages=("slides",)).read_json("slides.json")
    truth = fixture_truth(name)["slide_changes"]
    found = [c["time"] for c in slides["changes"][1:]]
    assert len(found) == len(truth), f"found {found}, expected {truth}"
    for expected, got in zip(truth, found, strict=True):
        assert 0.0 <= got - expected <= 0.5, f"change at {expected} found at {got}"


@pytest.mark.parametrize("name", ZOOM_FIXTURES)
def test_shares_name_the_share_rectangle_per_stretch(content_run, fixture_truth, name):
    slides = content_run(name, stages=("slides",)).read_json("slides.json")
    truth = fixture_truth(name)
    layouts = [lay for lay in truth["layouts"] if lay["share"] is not None]
    assert len(slides["shares"]) == len(layouts), slides["shares"]
    for got, lay in zip(slides["shares"], layouts, strict=True):
        assert abs(got["start"] - lay["start"]) <= 0.5 and abs(got["end"] - lay["end"]) <= 0.5
        assert iou(got["box"], [lay["share"][k] for k in "xywh"]) >= 0.97, got
    # each change carries the share it happened in (None in gallery view)
    for change in slides["changes"]:
        t = change["time"]
        scene = max((s for s in truth["scenes"] if s["start"] <= t + 0.5), key=lambda s: s["start"])
        if scene["share"] is None:
            assert change["share"] is None, change
        else:
            assert iou(change["share"], [scene["share"][k] for k in "xywh"]) >= 0.97, change
