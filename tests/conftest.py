"""Shared test fixtures: the committed fixture media and its ground truth, a scratch copy of a
recording, and a way to run the real `pipeline` command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import (  # noqa: F401 - fixtures for every test
    postgres_server,
    postgres_url,
    redis_server,
    redis_url,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="session")
def talk_mp4() -> Path:
    """The committed 52 s 1280x720 screen-share fixture (never modify it)."""
    return FIXTURES / "talk.mp4"


@pytest.fixture(scope="session")
def talk_truth() -> dict:
    return json.loads((FIXTURES / "talk.json").read_text())


@pytest.fixture
def talk_copy(tmp_path, talk_mp4) -> Path:
    """A private copy of the talk fixture, for tests that might touch the file."""
    target = tmp_path / "talk.mp4"
    shutil.copy2(talk_mp4, target)
    return target


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_pipeline(
    *args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 600
) -> CliResult:
    """Run the real console script in a subprocess (as a user would)."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli():
    return run_pipeline


def derive_media(source: Path, target: Path, *args: str) -> Path:
    """Make a variant of a fixture with the real ffmpeg (e.g. `-an` for no audio)."""
    from pipeline.media.ffmpeg import run_ffmpeg

    run_ffmpeg(["-y", "-i", str(source), *args, str(target)], what=f"make {target.name}")
    return target


@pytest.fixture(scope="session")
def media_variants(tmp_path_factory, talk_mp4) -> dict[str, Path]:
    """Variants of the talk fixture made once per session: first 12 s with and without audio,
    audio only, truncated, zero-byte, not media."""
    d = tmp_path_factory.mktemp("variants")
    short = derive_media(talk_mp4, d / "short.mp4", "-t", "12", "-c", "copy")
    variants = {
        "short": short,
        "no_audio": derive_media(short, d / "no_audio.mp4", "-an", "-c", "copy"),
        "audio_only": derive_media(short, d / "audio_only.m4a", "-vn", "-c", "copy"),
    }
    truncated = d / "truncated.mp4"
    data = talk_mp4.read_bytes()
    truncated.write_bytes(data[: len(data) * 2 // 3])
    variants["truncated"] = truncated
    empty = d / "empty.mp4"
    empty.write_bytes(b"")
    variants["empty"] = empty
    text = d / "notes.mp4"
    text.write_text("these are meeting notes, not a video\n" * 50)
    variants["not_media"] = text
    return variants


# -- slide/chapter/thumbnail/describe runs over the screen fixtures (run once per session) ----


@pytest.fixture(scope="session")
def fixture_truth():
    """`fixture_truth(name)`: the ground truth beside fixtures/<name>.mp4."""
    return lambda name: json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture(scope="session")
def content_run(tmp_path_factory):
    """`content_run(name, stages=..., **settings)` runs the real stages (probe first) over
    fixtures/<name>.mp4 once per distinct request and returns its Workspace."""
    from pipeline.media.probe import probe
    from pipeline.runner import Runner
    from pipeline.settings import load_settings
    from pipeline.stages import all_stages
    from pipeline.workspace import Workspace

    done: dict = {}

    def run(name: str, stages: tuple[str, ...] = ("slides", "chapters"), **cli):
        key = (name, stages, tuple(sorted(cli.items())))
        if key not in done:
            recording = FIXTURES / f"{name}.mp4"
            root = tmp_path_factory.mktemp(f"{name}-run")
            settings = load_settings(None, env={}, cli=cli)
            wanted = {"probe", *stages}
            chosen = [s for s in all_stages() if s.name in wanted]
            workspace = Workspace.for_recording(recording, root)
            Runner(recording, probe(recording), workspace, settings).run(chosen)
            done[key] = workspace
        return done[key]

    return run
