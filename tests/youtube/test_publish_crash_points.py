"""`pipeline publish` killed at every request it makes, then run again: whatever the moment,
the recording ends up on YouTube exactly once, private, with its bytes, one caption track and
one playlist entry, and the work folder's record agrees. With 256 KiB chunks the ~640 KB
fixture goes up in three PUTs; with the default 8 MiB chunk it is initiated and sent whole in
one PUT, the case where the session used to be known only after the video existed."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from tests.crash_points import ForkedCli, explore
from tests.emulators.youtube import YouTubeEmulator
from tests.emulators.youtube_fixtures import SRT, make_workdir

PLAYLIST = "PLpipeline"


class PublishWorld:
    """A fresh emulated channel, token file and work folder."""

    def __init__(self, root: Path, recording: Path, chunk: int | None):
        root.mkdir(parents=True)
        self.youtube = YouTubeEmulator().start()
        self.youtube.add_playlist(PLAYLIST)
        self.token_file = root / "config" / "youtube-token.json"
        self.token_file.parent.mkdir()
        self.token_file.write_text(json.dumps(self.youtube.token_info()))
        self.token_file.chmod(0o600)
        self.workdir = make_workdir(root / "out", recording)
        self.recording = recording
        env = {
            "PIPELINE_YOUTUBE_API_ROOT": self.youtube.root,
            "PIPELINE_YOUTUBE_TOKEN_URI": self.youtube.token_uri,
            "PIPELINE_YOUTUBE_TOKEN_FILE": str(self.token_file),
            "PIPELINE_YOUTUBE_TIMEOUT": "5",
            "PIPELINE_YOUTUBE_BACKOFF": "0",
            "PIPELINE_YOUTUBE_RETRIES": "3",
            "PIPELINE_YOUTUBE_PLAYLIST_ID": PLAYLIST,
        }
        if chunk:
            env["PIPELINE_YOUTUBE_CHUNK_SIZE"] = str(chunk)
        self.cli = ForkedCli(env, root)

    def stop(self) -> None:
        self.youtube.stop()


def check_published_once(world: PublishWorld, label: str) -> None:
    yt = world.youtube
    assert len(yt.videos) == 1, f"{label}: {len(yt.videos)} videos"
    ((video_id, video),) = yt.videos.items()
    assert yt.video_bytes[video_id] == world.recording.read_bytes(), label
    assert video["status"]["privacyStatus"] == "private", label
    assert video["snippet"]["tags"][-1].startswith("pipeline-"), label
    tracks = [c for c in yt.captions if c["snippet"]["videoId"] == video_id]
    assert len(tracks) == 1 and tracks[0]["data"] == SRT.encode(), f"{label}: {len(tracks)} tracks"
    assert yt.playlists[PLAYLIST] == [video_id], label
    assert yt.thumbnails[video_id][:2] == b"\xff\xd8", label
    record = json.loads((world.workdir / "youtube.json").read_text())
    assert record["video_id"] == video_id and record["upload_session"] is None, label
    assert record["captions"]["id"] == tracks[0]["id"], label
    assert record["playlist"]["id"] == PLAYLIST, label
    leftovers = [*world.workdir.rglob(".*.tmp-*"), *world.token_file.parent.glob(".*.tmp-*")]
    assert leftovers == [], f"{label}: temp files left: {leftovers}"
    assert world.token_file.stat().st_mode & 0o777 == 0o600, label


@pytest.mark.parametrize(
    ("chunk", "puts"), [(256 * 1024, 3), (None, 1)], ids=["256KiB-chunks", "default-chunk"]
)
def test_publish_killed_at_every_request(tmp_path, talk_mp4, capsys, chunk, puts):
    worlds = itertools.count()

    def make_world() -> PublishWorld:
        return PublishWorld(tmp_path / f"world-{next(worlds)}", talk_mp4, chunk)

    exploration = explore(
        make_world, ("publish", str(Path("out") / talk_mp4.stem), "--quiet"), check_published_once
    )
    with capsys.disabled():
        print("\n" + exploration.summary(f"pipeline publish, {puts} PUT(s)"))
    # channels.list, uploads playlistItems.list, POST, the PUTs, thumbnails.set,
    # captions.list + insert, playlistItems.list + insert
    assert exploration.requests == 8 + puts
    assert len(exploration.points) == 2 * exploration.requests
    assert all(not p.ended_early for p in exploration.points), exploration.points
    # the answer to the last PUT (the video already made) was one of the points held
    assert any(
        p.carried_out and p.n == 3 + puts and "PUT /upload/youtube/v3/videos" in p.request
        for p in exploration.points
    )
