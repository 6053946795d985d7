"""Chapters stage: OCR titles matching the fixture slides, YouTube's rules, transcript
chapters for a gallery view, and demo-day features paired with their start times."""

from __future__ import annotations

import difflib

import pytest

from pipeline.youtube.rules import ChapterMark, chapter_problems

FEATURES = "fixtures/demoday.features.yaml"


def similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


@pytest.mark.parametrize("name", ("talk", "screens", "demoday"))
def test_slide_titles_read_by_ocr(content_run, fixture_truth, name):
    data = content_run(name).read_json("chapters.json")
    truth = fixture_truth(name)
    scenes = truth.get("scenes") or [dict(s, kind="Slide") for s in truth["slides"]]
    assert len(data["slides"]) == len(scenes)
    for slide, scene in zip(data["slides"], scenes, strict=True):
        if scene["kind"] in ("Slide", "PointerSlide", "VideoSlide", "WebPageScene"):
            assert slide["title"], f"no title read for {scene['title']!r}"
            assert similar(slide["title"], scene["title"]) >= 0.8, (slide["title"], scene["title"])


@pytest.mark.parametrize("name", ("talk", "screens", "demoday"))
def test_chapters_follow_youtube_rules(content_run, name):
    workspace = content_run(name)
    data = workspace.read_json("chapters.json")
    chapters = data["chapters"]
    assert data["reason"] is None and len(chapters) >= 3
    duration = workspace.read_json("media.json")["duration"]
    marks = [ChapterMark(c["start"], c["title"]) for c in chapters]
    assert chapter_problems(marks, duration) == []
    assert all(
        c["title"].strip() and c["source"] in ("ocr", "transcript", "features") for c in chapters
    )
    assert chapters[-1]["end"] == pytest.approx(duration)


def test_too_short_slide_merged_into_the_one_before(content_run, fixture_truth):
    # talk's fourth slide lasts 9.4 s: YouTube would refuse it as a chapter
    titles = [c["title"] for c in content_run("talk").read_json("chapters.json")["chapters"]]
    assert "Community Demo Showcase" not in titles
    assert titles[0] == "Community Office Hours" and len(titles) == 4


def test_gallery_view_chapters_come_from_the_transcript(content_run, fixture_truth):
    data = content_run("gallery", ("transcribe", "slides", "chapters")).read_json("chapters.json")
    speech = fixture_truth("gallery")["speech"]
    chapters = data["chapters"]
    if not chapters:  # allowed, with a reason
        assert data["reason"]
        return
    assert [c["source"] for c in chapters] == ["transcript"] * len(chapters)
    assert len(chapters) == len(speech)  # one per topic, not one per webcam movement
    for chapter, topic in zip(chapters[1:], speech[1:], strict=True):
        assert abs(chapter["start"] - topic["start"]) <= 2.0
    assert "plugin" in chapters[0]["title"].lower()
    assert "release" in chapters[1]["title"].lower()


def test_demo_day_features_paired_with_their_start(content_run, fixture_truth):
    workspace = content_run("demoday", **{"chapters.features": FEATURES})
    data = workspace.read_json("chapters.json")
    truth = fixture_truth("demoday")["features"]
    assert [f["title"] for f in data["features"]] == [f["title"] for f in truth]
    for found, expected in zip(data["features"], truth, strict=True):
        assert abs(found["start"] - expected["start"]) <= 2.0
    chapters = data["chapters"]
    assert chapters[0]["start"] == 0.0
    feature_chapters = [c for c in chapters if c["source"] == "features"]
    assert [c["title"] for c in feature_chapters] == [
        f"{f['title']} ({f['presenter']})" for f in truth
    ]


def test_demo_day_features_found_in_speech_without_ocr(content_run, fixture_truth):
    workspace = content_run(
        "demoday",
        ("transcribe", "slides", "chapters"),
        **{"chapters.features": FEATURES, "chapters.ocr": "false"},
    )
    data = workspace.read_json("chapters.json")
    truth = fixture_truth("demoday")["features"]
    assert all(f["matched_by"] == "transcript" for f in data["features"])
    for found, expected in zip(data["features"], truth, strict=True):
        assert abs(found["start"] - expected["start"]) <= 2.0


def test_features_nowhere_to_be_seen_give_no_list_and_say_why(content_run, tmp_path_factory):
    plan = tmp_path_factory.mktemp("plan") / "features.yaml"
    plan.write_text("features:\n  - title: Quantum Teleportation\n  - Underwater Basket Weaving\n")
    data = content_run("talk", **{"chapters.features": str(plan)}).read_json("chapters.json")
    assert data["chapters"] == [] and "features.yaml" in data["reason"]
    assert data["features_missing"] == ["Quantum Teleportation", "Underwater Basket Weaving"]


# -- Zoom layouts: titles read on the shared screen alone ------------------------------------


def zoom_chapters(truth_run, name: str, shares: bool = True, **cli) -> dict:
    from pipeline.stages.chapters import ChaptersStage
    from pipeline.workspace import CHAPTERS_JSON

    return truth_run(name, (ChaptersStage(),), shares, **cli).read_json(CHAPTERS_JSON)


@pytest.mark.parametrize("name", ("zoom_speaker", "zoom_gallery"))
def test_every_screen_titled_as_a_person_would(truth_run, fixture_truth, name):
    # slides, a terminal, a scrolled docs page, an editor, a live app: never a webcam's
    # name label, a line of output or of code
    data = zoom_chapters(truth_run, name)
    scenes = fixture_truth(name)["scenes"]
    assert [s["time"] for s in data["slides"]] == [s["start"] for s in scenes]
    for slide, scene in zip(data["slides"], scenes, strict=True):
        assert slide["title"] == scene["title"], (scene["kind"], slide["title"])
    chapters = {c["start"]: c for c in data["chapters"]}
    for scene in scenes:
        if scene["title"] is None and scene["start"] in chapters:  # nothing shared
            assert chapters[scene["start"]]["source"] == "transcript"


def test_without_share_rectangles_the_whole_frame_is_read(truth_run, fixture_truth):
    # an older slides.json: no `shares`; the demo day shares the full frame anyway
    data = zoom_chapters(truth_run, "zoom_demoday", shares=False)
    assert [s["title"] for s in data["slides"]] == [
        s["title"] for s in fixture_truth("zoom_demoday")["scenes"]
    ]


def test_demo_day_features_start_at_their_title_slides(truth_run, fixture_truth):
    truth = fixture_truth("zoom_demoday")
    data = zoom_chapters(truth_run, "zoom_demoday", **{"chapters.features": ZOOM_FEATURES})
    assert [(f["title"], f["start"], f["matched_by"]) for f in data["features"]] == [
        (f["title"], f["start"], "slide") for f in truth["features"]
    ]
    got = [(c["start"], c["title"]) for c in data["chapters"]]
    expected = [
        (c["start"], f"{c['title']} ({c['presenter']})" if "presenter" in c else c["title"])
        for c in truth["chapters"]
    ]
    assert got == expected  # the intro and the Q&A have chapters of their own


def test_demo_day_without_ocr_features_found_in_speech_at_their_slide_changes(
    truth_run, fixture_truth
):
    # "Next: schema change alerts." is said just after its title slide shows
    truth = fixture_truth("zoom_demoday")
    data = zoom_chapters(
        truth_run, "zoom_demoday", **{"chapters.features": ZOOM_FEATURES, "chapters.ocr": "false"}
    )
    starts = [f["start"] for f in data["features"]]
    assert [f["matched_by"] for f in data["features"]] == ["transcript"] * 3
    assert starts == [f["start"] for f in truth["features"]]  # moved back to the slide change
    assert data["chapters"][0]["start"] == 0.0 and data["chapters"][0]["source"] == "transcript"
    assert data["chapters"][-1]["start"] == truth["chapters"][-1]["start"]


ZOOM_FEATURES = "fixtures/zoom_demoday.features.yaml"
