"""`pipeline batch` over two Zoom meetings, killed at every YouTube request it makes (the
credential check's token refresh, the uploads search, the session POST, every chunk, the
extras), then run again: each meeting ends up on YouTube exactly once, private, with its own
bytes, one caption track and one playlist entry, and the ledger says so.

The stages are run once for the module (their work folders are then copied into each fresh
world at the same path, so every later run finds them done); the recordings are the first 30
and 33 s of the talk fixture, two 256 KiB chunks each."""

from __future__ import annotations

import itertools
import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.batch.ledger import StateDB
from pipeline.media.ffmpeg import run_ffmpeg
from pipeline.youtube.inputs import recording_marker, zoom_recording_key
from tests.crash_points import ForkedCli, explore
from tests.emulators.youtube import YouTubeEmulator
from tests.emulators.zoom import EmulatedFile, ZoomEmulator

PLAYLIST = "PLnightly"
CHUNK = 256 * 1024
DAY = datetime.now(UTC).replace(hour=16, minute=0, second=0, microsecond=0)
MEETINGS = (
    ("Office Hours: containers", "crash-meeting-a/uuid==", "30", "file-a"),
    ("Office Hours: plugins", "crash-meeting-b/uuid==", "33", "file-b"),
)


@pytest.fixture(scope="module")
def clips(tmp_path_factory, talk_mp4) -> dict[str, bytes]:
    """The first 30 s and the first 33 s of the talk fixture (about 370 and 400 KB)."""
    folder = tmp_path_factory.mktemp("clips")
    found = {}
    for _, uuid, seconds, _ in MEETINGS:
        target = folder / f"{seconds}.mp4"
        run_ffmpeg(
            ["-y", "-i", str(talk_mp4), "-t", seconds, "-c", "copy", str(target)], what="clip"
        )
        found[uuid] = target.read_bytes()
    assert all(CHUNK < len(data) <= 2 * CHUNK for data in found.values())
    return found


class BatchWorld:
    """Emulated Zoom account and YouTube channel, a fresh ledger, and the output folder at
    `out` (always the same path) filled from `template`."""

    def __init__(self, root: Path, out: Path, template: Path | None, clips: dict[str, bytes]):
        root.mkdir(parents=True)
        self.root, self.out, self.clips = root, out, clips
        shutil.rmtree(out, ignore_errors=True)
        if template is not None:
            shutil.copytree(template, out)
        self.zoom = ZoomEmulator().start()
        for n, (topic, uuid, _, file_id) in enumerate(MEETINGS):
            files = [
                EmulatedFile("MP4", "shared_screen_with_speaker_view", clips[uuid], id=file_id)
            ]
            self.zoom.add_meeting(topic, DAY - timedelta(days=2 - n), files, uuid=uuid)
        self.youtube = YouTubeEmulator().start()
        self.youtube.add_playlist(PLAYLIST)
        self.token_file = root / "config" / "youtube-token.json"
        self.token_file.parent.mkdir()
        self.token_file.write_text(json.dumps(self.youtube.token_info()))
        self.token_file.chmod(0o600)
        self.state_db = root / "state.db"
        self.cli = ForkedCli(
            {
                **self.zoom.env(),
                "PIPELINE_ZOOM_RETRY_BACKOFF": "0",
                "PIPELINE_ZOOM_TOPIC_PATTERN": "office hours",
                "PIPELINE_STATE_DB": str(self.state_db),
                "PIPELINE_GENERAL_OUT": str(out),
                "PIPELINE_YOUTUBE_API_ROOT": self.youtube.root,
                "PIPELINE_YOUTUBE_TOKEN_URI": self.youtube.token_uri,
                "PIPELINE_YOUTUBE_TOKEN_FILE": str(self.token_file),
                "PIPELINE_YOUTUBE_CHUNK_SIZE": str(CHUNK),
                "PIPELINE_YOUTUBE_PLAYLIST_ID": PLAYLIST,
                "PIPELINE_YOUTUBE_BACKOFF": "0",
                "PIPELINE_YOUTUBE_TIMEOUT": "5",
                "PIPELINE_YOUTUBE_RETRIES": "3",
            },
            root,
        )

    def stop(self) -> None:
        self.zoom.stop()
        self.youtube.stop()


def check_each_meeting_once(world: BatchWorld, label: str) -> None:
    yt = world.youtube
    assert len(yt.videos) == 2, f"{label}: {len(yt.videos)} videos"
    state = StateDB(world.state_db)
    try:
        for _, uuid, _, _ in MEETINGS:
            (video_id,) = yt.videos_tagged(recording_marker(zoom_recording_key(uuid)))
            assert yt.video_bytes[video_id] == world.clips[uuid], label
            assert yt.videos[video_id]["status"]["privacyStatus"] == "private", label
            tracks = [c for c in yt.captions if c["snippet"]["videoId"] == video_id]
            assert len(tracks) == 1, f"{label}: {len(tracks)} caption tracks"
            assert yt.playlists[PLAYLIST].count(video_id) == 1, label
            row = state.get(uuid)
            assert row is not None and row.status == "done", f"{label}: {row}"
            assert row.video_id == video_id and video_id in (row.video_url or ""), label
            assert row.upload_session is None and row.steps.get("publish") == "done", label
            record = json.loads((Path(row.workdir) / "youtube.json").read_text())
            assert record["video_id"] == video_id and record["upload_session"] is None, label
    finally:
        state.close()
    assert len(yt.playlists[PLAYLIST]) == 2, label
    leftovers = [p for p in world.out.rglob("*") if ".tmp-" in p.name or p.name.endswith(".part")]
    leftovers += list(world.token_file.parent.glob(".*.tmp-*"))
    assert leftovers == [], f"{label}: temp files left: {leftovers}"


@pytest.fixture(scope="module")
def processed(tmp_path_factory, clips) -> tuple[Path, Path]:
    """(out, template): the output folder every world uses, and a copy of it after one
    undisturbed batch ran every stage on both meetings (its publish records removed)."""
    base = tmp_path_factory.mktemp("batch-crash")
    out, template = base / "out", base / "template"
    world = BatchWorld(base / "first", out, None, clips)
    try:
        done = world.cli.run("batch", "--quiet", timeout=600)
        assert done.code == 0, done.output
        check_each_meeting_once(world, "first batch")
    finally:
        world.stop()
    shutil.copytree(out, template)
    for record in template.rglob("youtube.json"):
        record.unlink()
    return out, template


def test_batch_killed_at_every_youtube_request(processed, clips, tmp_path, capsys):
    out, template = processed
    worlds = itertools.count()

    def make_world() -> BatchWorld:
        return BatchWorld(tmp_path / f"world-{next(worlds)}", out, template, clips)

    exploration = explore(
        make_world,
        ("batch", "--quiet"),
        check_each_meeting_once,
        modes=(True, False),
    )
    with capsys.disabled():
        print("\n" + exploration.summary("pipeline batch, 2 meetings"))
    # token refresh; per meeting: channels.list, uploads list (+ videos.list once there is
    # an upload), POST, 2 PUTs, thumbnail, captions list + insert, playlist list + insert
    assert exploration.requests == 1 + 10 + 11
    assert all(not p.ended_early for p in exploration.points), exploration.points
    assert len(exploration.points) == 2 * exploration.requests
    assert os.environ.get("PIPELINE_YOUTUBE_TOKEN_FILE") is None  # the worlds kept their env
