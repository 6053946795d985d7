"""The runner with small stages written for the test: ordering, overlap, caching, failure."""

import threading

import pytest

from pipeline.media.probe import probe
from pipeline.runner import Runner, dependencies
from pipeline.settings import Settings
from pipeline.stages.base import Stage, StageContext, StageResult
from pipeline.stages.probe import ProbeStage
from pipeline.workspace import Workspace


class Marker(Stage):
    """Writes `<name>.txt`; optionally waits for another stage to be running at the same time."""

    after = ("probe",)

    def __init__(self, name, started, partner=None, fail=False):
        self.name = name
        self.started = started
        self.partner = partner
        self.fail = fail
        self.threads_seen = None

    def run(self, ctx: StageContext) -> StageResult:
        self.threads_seen = ctx.threads
        self.started[self.name].set()
        if self.partner and not self.started[self.partner].wait(timeout=60):
            raise AssertionError(f"{self.partner} never ran alongside {self.name}")
        if self.fail:
            raise RuntimeError("stage broke")
        ctx.workspace.write_text(f"{self.name}.txt", self.name)
        return StageResult(outputs=[f"{self.name}.txt"])


class Sequential(Marker):
    after = None


@pytest.fixture
def runner_for(tmp_path, media_variants):
    media = probe(media_variants["short"])

    def make(**kw):
        return Runner(
            media_variants["short"], media, Workspace(tmp_path / "ws"), Settings(), cores=2, **kw
        )

    return make


def test_dependencies_default_to_everything_before():
    started = {n: threading.Event() for n in "abc"}
    stages = [ProbeStage(), Marker("a", started), Marker("b", started), Sequential("c", started)]
    assert dependencies(stages) == {
        "probe": set(),
        "a": {"probe"},
        "b": {"probe"},
        "c": {"probe", "a", "b"},
    }


def test_independent_stages_overlap_and_share_the_cores(runner_for):
    started = {n: threading.Event() for n in "abc"}
    a, b = Marker("a", started, partner="b"), Marker("b", started, partner="a")
    c = Sequential("c", started)
    summary = runner_for().run([ProbeStage(), a, b, c])
    assert [o.name for o in summary.outcomes] == ["probe", "a", "b", "c"]
    assert all(o.status == "ran" for o in summary.outcomes)
    assert a.threads_seen == b.threads_seen == 1  # two at once on two cores
    assert c.threads_seen == 2


def test_cached_stages_are_skipped_and_force_redoes_one(runner_for):
    started = {n: threading.Event() for n in "ab"}
    runner_for().run([ProbeStage(), Marker("a", started), Sequential("b", started)])
    again = runner_for().run([ProbeStage(), Marker("a", started), Sequential("b", started)])
    assert [o.status for o in again.outcomes] == ["skipped", "skipped", "skipped"]
    forced = runner_for(force={"b"}).run(
        [ProbeStage(), Marker("a", started), Sequential("b", started)]
    )
    assert [o.status for o in forced.outcomes] == ["skipped", "skipped", "ran"]


def test_a_failing_stage_stops_later_stages_and_is_recorded(runner_for, tmp_path):
    started = {n: threading.Event() for n in "ab"}
    with pytest.raises(RuntimeError, match="stage broke"):
        runner_for().run([ProbeStage(), Marker("a", started, fail=True), Sequential("b", started)])
    manifest = Workspace(tmp_path / "ws").load_manifest()
    assert manifest["stages"]["a"]["status"] == "failed"
    assert "b" not in manifest["stages"]
    assert not started["b"].is_set()
