"""Scan decodes frame by frame only where the stream may hold a change: a fake key flashed in
a terminal between two identical keyframes (A -> B -> A, 2.5 s) is still found, on time, and
the quiet keyframe interval after it is never decoded (real ffmpeg, rapidocr)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.synth_transient import transient_clip
from pipeline.media.probe import probe
from pipeline.runner import Runner
from pipeline.settings import load_settings
from pipeline.stages.probe import ProbeStage
from pipeline.stages.scan import ScanStage
from pipeline.workspace import Workspace


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gating")
    recording = folder / "transient.mp4"
    truth = transient_clip(recording)
    media = probe(recording)
    workspace = Workspace.for_recording(recording, folder / "out")
    runner = Runner(Path(media.path), media, workspace, load_settings(None, env={}), cores=1)
    runner.run([ProbeStage(), ScanStage()])
    manifest = workspace.load_manifest()
    return {
        "truth": truth,
        "workspace": workspace,
        "summary": manifest["stages"]["scan"]["summary"],
    }


def test_the_flashed_key_is_found_on_time(scanned):
    truth = scanned["truth"]
    flags = scanned["workspace"].read_json("flags.json")["findings"]
    screen = [f for f in flags if f["source"] == "screen" and f["rule"] == truth["rule"]]
    assert len(screen) == 1, flags
    assert truth["start"] - 0.01 <= screen[0]["start"] <= truth["start"] + 0.6
    assert truth["end"] - 0.01 <= screen[0]["end"] <= truth["end"] + 0.6
    assert "EXAMPLE" not in screen[0]["preview"][4:-4]


def test_only_the_interval_with_the_flash_is_decoded_densely(scanned):
    summary = scanned["summary"]
    # 0..10 s (the flash) was opened; 10..20 s (quiet, alike keyframes) was not; after the
    # last keyframe is always read
    assert summary["decoded_seconds"] == 10.0
    assert summary["frames_sampled"] < 2 * 30 - 15


def test_activity_is_an_artifact_of_the_probe(scanned):
    activity = scanned["workspace"].read_json("activity.json")
    assert activity["active"] == [[0.0, 10.0]]
    assert "activity.json" in ScanStage.needs
