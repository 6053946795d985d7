"""One pass over the pixels: in a run with both the slides and the scan stage, the secret
scanner rides on the slides stage's decode (real ffmpeg, rapidocr) and finds what a scan of
its own finds; without the scan stage the slides pass reads no text; `--force scan` redoes
the shared pass."""

from __future__ import annotations

import json

import pytest

from pipeline.media.probe import probe
from pipeline.runner import Runner
from pipeline.settings import load_settings
from pipeline.stages import all_stages
from pipeline.workspace import Workspace
from tests.conftest import FIXTURES

LEAK = FIXTURES / "leak.mp4"
TRUTH = json.loads((FIXTURES / "leak.json").read_text())


def run(root, names: tuple[str, ...], force: set[str] | None = None):
    media = probe(LEAK)
    workspace = Workspace.for_recording(LEAK, root)
    stages = [s for s in all_stages() if s.name in {"probe", *names}]
    summary = Runner(LEAK, media, workspace, load_settings(None, env={}), force=force).run(stages)
    return workspace, {o.name: o.status for o in summary.outcomes}


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    return run(tmp_path_factory.mktemp("shared"), ("slides", "scan"))


@pytest.fixture(scope="module")
def alone(tmp_path_factory):
    return run(tmp_path_factory.mktemp("alone"), ("scan",))


def _screen(workspace) -> list[dict]:
    return [f for f in workspace.read_json("flags.json")["findings"] if f["source"] == "screen"]


def test_the_scan_reads_the_screen_on_the_slides_pass(shared):
    workspace, _ = shared
    stages = workspace.load_manifest()["stages"]
    assert stages["scan"]["summary"]["screen_read_on"] == "slides"
    assert stages["slides"]["summary"]["screen_scanned"] is True
    # the samples the scanner looked at are the samples the slides pass decoded
    assert stages["scan"]["summary"]["frames_sampled"] == stages["slides"]["summary"]["samples"]
    assert workspace.exists("screen-findings.json")


def test_the_shared_pass_finds_what_a_scan_of_its_own_finds(shared, alone):
    on_pass, on_own = _screen(shared[0]), _screen(alone[0])
    assert alone[0].load_manifest()["stages"]["scan"]["summary"]["screen_read_on"] == "scan"
    assert {f["rule"] for f in on_pass} >= {p["rule"] for p in TRUTH["screen"]}
    assert sorted(f["id"] for f in on_pass) == sorted(f["id"] for f in on_own)
    by_id = {f["id"]: f for f in on_own}
    for f in on_pass:
        assert abs(f["start"] - by_id[f["id"]]["start"]) <= 0.5
        assert abs(f["end"] - by_id[f["id"]]["end"]) <= 0.5


def test_the_screen_findings_file_holds_no_secret(shared):
    text = shared[0].path("screen-findings.json").read_text()
    for planted in TRUTH["screen"]:
        assert planted["value"] not in text


def test_slides_without_the_scan_read_no_text(tmp_path):
    workspace, _ = run(tmp_path, ("slides",))
    assert not workspace.exists("screen-findings.json")
    assert workspace.load_manifest()["stages"]["slides"]["summary"]["screen_scanned"] is False


def test_forcing_the_scan_redoes_the_shared_pass(shared):
    workspace, _ = shared
    _, again = run(workspace.root.parent, ("slides", "scan"))
    assert again["slides"] == "skipped" and again["scan"] == "skipped"
    _, forced = run(workspace.root.parent, ("slides", "scan"), force={"scan"})
    assert forced["slides"] == "ran" and forced["scan"] == "ran"
