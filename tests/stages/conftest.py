"""Work folders built from a fixture's ground truth, for the stages after the slides pass:
what the slides and transcribe stages would write when they get everything right (a slide
change at each true scene start, a frame of each scene from the real video, the share
rectangles of the fixture's `layouts`, the true speech). Test input, not a mock: the stage
under test then runs for real (real OCR, real decoding)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from pipeline.media.frames import grab_frame
from pipeline.media.probe import probe
from pipeline.runner import Runner
from pipeline.settings import load_settings
from pipeline.workspace import SLIDES_DIR, SLIDES_JSON, TRANSCRIPT_JSON, Workspace
from tests.conftest import FIXTURES


def _box(share: dict | None) -> list[int] | None:
    return [share[k] for k in ("x", "y", "w", "h")] if share else None


def write_truth_artifacts(workspace: Workspace, truth: dict, recording: Path, shares: bool):
    """slides.json (+ slides/NNNN.jpg) and transcript.json as the truth says."""
    scenes = truth["scenes"]
    workspace.path(SLIDES_DIR).mkdir(exist_ok=True)
    changes, frame_times = [], []
    for i, scene in enumerate(scenes):
        grabbed = grab_frame(
            recording, scene["start"] + min(1.0, (scene["end"] - scene["start"]) / 3)
        )
        name = f"{SLIDES_DIR}/{i + 1:04d}.jpg"
        Image.fromarray(grabbed.image).save(workspace.path(name), quality=88)
        change = {"time": scene["start"], "frame": name, "confidence": 1.0, "title": None}
        if shares:
            change["share"] = _box(scene["share"])
        changes.append(change)
        frame_times.append(grabbed.time)
    slides: dict = {"params": {"frame_times": frame_times}, "changes": changes}
    if shares:
        slides["shares"] = [
            {"start": lay["start"], "end": lay["end"], "box": _box(lay["share"])}
            for lay in truth["layouts"]
            if lay["share"]
        ]
    workspace.write_json(SLIDES_JSON, slides)
    segments = [{"start": s["start"], "end": s["end"], "text": s["text"]} for s in truth["speech"]]
    workspace.write_json(TRANSCRIPT_JSON, {"segments": segments})


@pytest.fixture(scope="session")
def truth_run(tmp_path_factory, fixture_truth):
    """`truth_run(name, stages, shares=True, **settings)`: a work folder for
    fixtures/<name>.mp4 holding the truth's slides.json and transcript.json, after running
    `stages` (instances) on it for real. Built once per distinct request."""
    done: dict = {}

    def run(name: str, stages: tuple, shares: bool = True, **cli):
        key = (name, tuple(s.name for s in stages), shares, tuple(sorted(cli.items())))
        if key not in done:
            recording = FIXTURES / f"{name}.mp4"
            workspace = Workspace.for_recording(recording, tmp_path_factory.mktemp(f"{name}-truth"))
            workspace.prepare()
            write_truth_artifacts(workspace, fixture_truth(name), recording, shares)
            settings = load_settings(None, env={}, cli=cli)
            Runner(recording, probe(recording), workspace, settings).run(list(stages))
            done[key] = workspace
        return done[key]

    return run
