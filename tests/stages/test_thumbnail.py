"""Thumbnail stage: the title slide as a 1280x720 JPEG under 2 MB, letterboxed, never from a
flagged or redacted range."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from pipeline.media.probe import probe
from pipeline.runner import Runner
from pipeline.settings import load_settings
from pipeline.stages.thumbnail import ThumbnailStage, clean_moment, letterbox

STAGES = ("slides", "chapters", "thumbnail")


def mad(a, b) -> float:
    return float(np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16)).mean())


def test_title_slide_becomes_the_thumbnail(content_run):
    workspace = content_run("talk", STAGES)
    meta = workspace.read_json("thumbnail.json")
    assert meta["slide"] == 0 and meta["source_frame"] == "slides/0001.jpg"
    path = workspace.path("thumbnail.jpg")
    assert path.stat().st_size < 2 * 1024 * 1024
    with Image.open(path) as img, Image.open(workspace.path("slides/0001.jpg")) as slide:
        assert img.format == "JPEG" and img.size == (1280, 720)
        assert mad(img.convert("RGB"), slide.convert("RGB")) < 3


def test_flagged_and_redacted_ranges_are_avoided(content_run, talk_mp4, talk_truth):
    workspace = content_run("talk", STAGES)
    first_end = talk_truth["slide_changes"][0]
    # flag the whole title slide, redact the start of the next one
    workspace.write_json(
        "flags.json",
        {"findings": [{"id": "f1", "start": 0.0, "end": first_end, "boxes": [], "rule": "aws",
                       "source": "screen", "confidence": 0.9, "preview": "AKIA****MPLE",
                       "status": "unresolved"}]},
    )  # fmt: skip
    workspace.write_json(
        "redactions.json", {"ranges": [{"start": first_end, "end": first_end + 4, "regions": None}]}
    )
    settings = load_settings(None, env={}, cli={"thumbnail.draw_title": "true"})
    Runner(talk_mp4, probe(talk_mp4), workspace, settings).run([ThumbnailStage()])
    meta = workspace.read_json("thumbnail.json")
    assert meta["time"] > first_end + 4 + 0.5
    assert meta["title"] == "Meltano Office Hours - 2026-11-19"
    with Image.open(workspace.path("thumbnail.jpg")) as img:
        assert img.size == (1280, 720)
    workspace.path("flags.json").unlink()
    workspace.path("redactions.json").unlink()


def test_letterbox_keeps_the_aspect():
    image = np.zeros((480, 640, 3), np.uint8)  # 4:3, black edges
    image[:, :, 1] = 200
    out = np.asarray(letterbox(image))
    assert out.shape == (720, 1280, 3)
    assert out[360, 640, 1] > 150  # picture in the middle
    assert out[360, 20, 1] > 150  # bars take the picture's edge colour
    square = np.full((100, 100, 3), 255, np.uint8)
    square[:2], square[-2:], square[:, :2], square[:, -2:] = 0, 0, 0, 0  # black frame
    out = np.asarray(letterbox(square))
    assert out[360, 300].min() > 200  # inside the 720x720 picture (x 280..1000)
    assert out[360, 100].max() < 50 and out[360, 1180].max() < 50  # bars, not stretched


def test_clean_moment_skips_blocked_ranges():
    assert clean_moment(0, 10, []) == 5
    assert clean_moment(0, 10, [(0, 6)]) == 8
    assert clean_moment(0, 10, [(-1, 11)]) is None


# -- Zoom layouts: the deck, not the meeting window ------------------------------------------


def zoom_thumbnail(truth_run, name: str, **cli):
    from pipeline.stages.chapters import ChaptersStage
    from pipeline.workspace import THUMBNAIL_JPG, THUMBNAIL_JSON

    workspace = truth_run(name, (ChaptersStage(), ThumbnailStage()), **cli)
    with Image.open(workspace.path(THUMBNAIL_JPG)) as img:
        picture = np.asarray(img.convert("RGB"))
    return picture, workspace.read_json(THUMBNAIL_JSON)


def rendered_slide(scene, share: dict) -> np.ndarray:
    """The slide as the fixture drew it into the share, without the cursor, at 1280x720."""
    drawn = scene.render(scene.start + 1.0, share["w"], share["h"])
    return np.asarray(Image.fromarray(drawn).resize((1280, 720), Image.Resampling.LANCZOS))


@pytest.mark.parametrize(("name", "shared"), (("zoom_speaker", 0), ("zoom_gallery", 0)))
def test_thumbnail_is_the_title_slide_cut_from_the_share_without_cursor(
    truth_run, fixture_truth, name, shared
):
    from fixtures.synth_zoom import cursor_position
    from fixtures.zoom_content import gallery_shared, speaker_shared

    truth = fixture_truth(name)
    scene_index = truth["thumbnail"]["scene"]
    share = truth["scenes"][scene_index]["share"]
    picture, meta = zoom_thumbnail(truth_run, name)
    assert meta["slide"] == scene_index and meta["share"] == [share[k] for k in "xywh"]
    assert len(meta["frames"]) >= 3
    slide = (speaker_shared() if name == "zoom_speaker" else gallery_shared())[shared]
    slide.start = truth["scenes"][scene_index]["start"]
    expected = rendered_slide(slide, share)
    assert picture.shape == (720, 1280, 3)
    assert mad(picture, expected) < 4  # filled edge to edge: no webcam strip, no bars
    sx, sy = 1280 / share["w"], 720 / share["h"]

    class Rect:  # cursor_position wants the share as attributes
        x, y, w, h = share["x"], share["y"], share["w"], share["h"]

    for t in meta["frames"]:
        x, y = cursor_position(t, Rect)
        x0, y0 = int((x - share["x"]) * sx), int((y - share["y"]) * sy)
        patch = (slice(y0, y0 + int(22 * sy)), slice(x0, x0 + int(14 * sx)))
        assert mad(picture[patch], expected[patch]) < 12, f"cursor of {t} s left in"


def test_letterboxed_share_takes_the_slide_background():
    from pipeline.slides.deck_picture import deck_picture

    frame = np.zeros((720, 1280, 3), np.uint8)  # a dark meeting window
    frame[100:700, 200:1000] = (24, 52, 104)  # a 4:3 share, blue slide
    frame[300:340, 300:900] = 255  # its title
    out = np.asarray(deck_picture(frame, (200, 100, 800, 600)))
    assert out.shape == (720, 1280, 3)
    assert abs(int(out[360, 40, 2]) - 104) <= 2 and out[360, 40, 0] < 40  # bars: the slide's blue
    assert out[(320 - 100) * 720 // 600, 640].min() > 200  # the title, scaled to 720 tall
    wide = np.asarray(deck_picture(frame, (200, 100, 800, 450)))
    assert abs(int(wide[5, 5, 2]) - 104) <= 2  # a 16:9 share fills the frame: no bars
