"""pytest fixtures around the YouTube emulator: the emulator, settings and environment that
point the real client at it, and a complete small work folder to publish."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from pipeline.settings import load_settings
from tests.emulators.youtube import YouTubeEmulator

CHUNK = 256 * 1024
DESCRIPTION = """Office hours: deploying with containers.

0:00 Welcome
0:12 Building the image
0:31 Questions
"""
SRT = """1
00:00:00,000 --> 00:00:03,000
Welcome to office hours.

2
00:00:03,000 --> 00:00:06,500
Today: containers.
"""


@pytest.fixture
def youtube():
    """A running emulator (stopped after the test)."""
    emu = YouTubeEmulator().start()
    emu.add_playlist("PLpipeline")
    yield emu
    emu.stop()


@pytest.fixture
def youtube_env(youtube, tmp_path) -> dict[str, str]:
    """Environment variables pointing pipeline at the emulator, with a stored token."""
    token_file = tmp_path / "config" / "youtube-token.json"
    token_file.parent.mkdir()
    token_file.write_text(json.dumps(youtube.token_info()))
    token_file.chmod(0o600)
    return {
        "PIPELINE_YOUTUBE_API_ROOT": youtube.root,
        "PIPELINE_YOUTUBE_TOKEN_URI": youtube.token_uri,
        "PIPELINE_YOUTUBE_TOKEN_FILE": str(token_file),
        "PIPELINE_YOUTUBE_CHUNK_SIZE": str(CHUNK),
        "PIPELINE_YOUTUBE_TIMEOUT": "2",
        "PIPELINE_YOUTUBE_BACKOFF": "0",
        "PIPELINE_YOUTUBE_RETRIES": "4",
        "PIPELINE_YOUTUBE_PLAYLIST_ID": "PLpipeline",
    }


@pytest.fixture
def youtube_settings(youtube_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray pipeline.toml
    return load_settings(None, env=youtube_env)


def make_workdir(root: Path, recording: Path, *, findings: list[dict] | None = None) -> Path:
    """A work folder as the earlier stages leave it, with small real files."""
    workdir = root / recording.stem
    workdir.mkdir(parents=True)
    (workdir / "manifest.json").write_text(
        json.dumps({"version": 1, "stages": {}, "recording": {"path": str(recording)}})
    )
    (workdir / "title.txt").write_text("Office hours: deploying with containers\n")
    (workdir / "description.txt").write_text(DESCRIPTION)
    (workdir / "metadata.json").write_text(
        json.dumps(
            {
                "title": "Office hours: deploying with containers",
                "description": DESCRIPTION,
                "tags": ["containers", "office hours"],
                "category_id": "28",
                # what the describe stage used to write; a new upload's privacy is the
                # setting youtube.privacy (private) all the same
                "privacy": "unlisted",
                "chapters": [],
            }
        )
    )
    Image.new("RGB", (1280, 720), (20, 90, 160)).save(workdir / "thumbnail.jpg", quality=80)
    (workdir / "captions.srt").write_text(SRT)
    if findings is not None:
        (workdir / "flags.json").write_text(json.dumps({"findings": findings}))
    return workdir


@pytest.fixture
def workdir(tmp_path, talk_mp4) -> Path:
    return make_workdir(tmp_path / "out", talk_mp4)


def finding(status: str = "unresolved") -> dict:
    return {
        "id": "f1",
        "start": 12.0,
        "end": 15.0,
        "boxes": [[10, 10, 200, 40]],
        "rule": "aws-access-key",
        "source": "screen",
        "confidence": 0.97,
        "preview": "AKIA****MPLE",
        "status": status,
    }
