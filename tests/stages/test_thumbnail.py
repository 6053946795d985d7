"""Thumbnail stage: the title slide as a 1280x720 JPEG under 2 MB, letterboxed, never from a
flagged or redacted range."""

from __future__ import annotations

import numpy as np
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
