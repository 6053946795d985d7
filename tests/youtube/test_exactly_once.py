"""Publishing exactly once, in one process against the YouTube emulator: the recording's
marker found among the channel's uploads when every record is gone, stored sessions asked
before they are dropped, inserts whose answer was lost not made twice, the batch ledger as
the truth, and privacy private unless told otherwise."""

from __future__ import annotations

import json
import shutil

import pytest

from pipeline.batch.ledger import StateDB
from pipeline.batch.nightly import RowLedger
from pipeline.errors import ConfigError, TransientServiceError
from pipeline.settings import load_settings
from pipeline.youtube.inputs import recording_marker, zoom_recording_key
from pipeline.youtube.publisher import publish
from tests.emulators.youtube_fixtures import CHUNK, SRT, make_workdir


def _one_video(youtube, data: bytes) -> str:
    assert len(youtube.videos) == 1
    (video_id,) = youtube.videos
    assert youtube.video_bytes[video_id] == data
    assert len(youtube.captions) == 1 and youtube.playlists["PLpipeline"] == [video_id]
    return video_id


def test_new_uploads_are_private_whatever_metadata_json_says(youtube, youtube_settings, workdir):
    assert json.loads((workdir / "metadata.json").read_text())["privacy"] == "unlisted"
    result = publish(workdir, youtube_settings)
    assert youtube.videos[result.video_id]["status"]["privacyStatus"] == "private"


def test_one_setting_decides_the_privacy_of_new_uploads(youtube, youtube_env, workdir):
    settings = load_settings(None, env={**youtube_env, "PIPELINE_YOUTUBE_PRIVACY": "unlisted"})
    result = publish(workdir, settings)
    assert youtube.videos[result.video_id]["status"]["privacyStatus"] == "unlisted"


def test_the_old_describe_privacy_key_is_refused(tmp_path):
    config = tmp_path / "pipeline.toml"
    config.write_text('[describe]\nprivacy = "public"\n')
    with pytest.raises(ConfigError, match=r"\[describe\] privacy is now youtube.privacy"):
        load_settings(config, env={})


def test_a_lost_record_adopts_the_marked_video(youtube, youtube_settings, workdir, talk_mp4):
    """youtube.json deleted (a cleaned folder): the video is found by its marker among the
    channel's uploads and updated; nothing is uploaded, no second caption track appears."""
    first = publish(workdir, youtube_settings)
    (workdir / "youtube.json").unlink()
    youtube.add_video("Someone else's talk")  # the channel has other uploads too
    posts = len(youtube.requests_to("POST", "/upload/youtube/v3/videos"))
    again = publish(workdir, youtube_settings)
    assert (again.video_id, again.how) == (first.video_id, "adopted")
    assert len(youtube.requests_to("POST", "/upload/youtube/v3/videos")) == posts
    assert len([v for v in youtube.videos if youtube.video_bytes[v]]) == 1
    tracks = [c for c in youtube.captions if c["snippet"]["videoId"] == first.video_id]
    assert len(tracks) == 1 and tracks[0]["data"] == SRT.encode()
    assert youtube.playlists["PLpipeline"] == [first.video_id]
    record = json.loads((workdir / "youtube.json").read_text())
    assert record["video_id"] == first.video_id and record["captions"]["id"] == tracks[0]["id"]
    # the search costs list calls only (1 unit each), never search.list
    assert not youtube.requests_to("GET", "/youtube/v3/search")


def test_the_marker_names_the_recording_not_the_folder(
    youtube, youtube_settings, tmp_path, talk_mp4
):
    """A second work folder of the same recording (a new general.out) finds the video."""
    first = publish(make_workdir(tmp_path / "out-a", talk_mp4), youtube_settings)
    again = publish(make_workdir(tmp_path / "out-b", talk_mp4), youtube_settings)
    assert again.video_id == first.video_id and again.how == "adopted"
    _one_video(youtube, talk_mp4.read_bytes())


def test_unfinished_session_of_a_changed_file_is_asked_then_dropped(
    youtube, youtube_env, workdir, talk_mp4
):
    settings = load_settings(None, env={**youtube_env, "PIPELINE_YOUTUBE_RETRIES": "1"})
    youtube.fail_chunk(2, 503)
    with pytest.raises(TransientServiceError):
        publish(workdir, settings)
    stored = json.loads((workdir / "youtube.json").read_text())["upload_session"]
    assert stored["size"] == talk_mp4.stat().st_size and not youtube.videos
    redacted = workdir / "redacted.mp4"  # the file to publish changed meanwhile
    shutil.copy2(talk_mp4, redacted)
    with redacted.open("ab") as fh:
        fh.write(b"\0" * 100)

    result = publish(workdir, settings)
    assert result.how == "uploaded"
    _one_video(youtube, redacted.read_bytes())
    queries = [r for r in youtube.received if (r.body or {}).get("status_query")]
    assert [q.body["status_query"] for q in queries] == [f"bytes */{stored['size']}"]
    assert len(youtube.sessions) == 2  # the old one was asked, found unfinished, dropped


def test_finished_session_of_a_changed_file_is_kept(youtube, youtube_env, workdir, talk_mp4):
    """The last chunk made the video but its answer was lost; then the file changed. The
    stored session is still asked: it holds the recording's video, which is kept (with a
    warning) instead of uploading a second one."""
    settings = load_settings(None, env={**youtube_env, "PIPELINE_YOUTUBE_RETRIES": "1"})
    youtube.lose_answer(3)
    youtube.lose_answer(4)  # the HTTP layer re-sends once by itself
    with pytest.raises(TransientServiceError):
        publish(workdir, settings)
    (video_id,) = youtube.videos
    shutil.copy2(talk_mp4, workdir / "redacted.mp4")
    with (workdir / "redacted.mp4").open("ab") as fh:
        fh.write(b"\0" * 100)

    result = publish(workdir, settings)
    assert (result.video_id, result.how) == (video_id, "finished earlier")
    assert any("earlier version" in w for w in result.warnings)
    _one_video(youtube, talk_mp4.read_bytes())


@pytest.mark.parametrize(
    ("route", "what"),
    [("POST /upload/youtube/v3/captions", "captions"), ("POST /youtube/v3/playlistItems", "item")],
)
def test_insert_whose_answer_was_lost_is_not_made_twice(
    youtube, youtube_settings, workdir, talk_mp4, route, what
):
    """channels.list, uploads list, POST, 3 PUTs, thumbnail, captions list + insert, playlist
    list + insert: the insert is carried out, its connection closes unanswered, and the next
    try finds it instead of inserting again."""
    n = {"captions": 9, "item": 11}[what]
    lost = youtube.lose_request(n)
    result = publish(workdir, youtube_settings)
    assert lost.reached.is_set() and f"{lost.method} {lost.path}" == route
    _one_video(youtube, talk_mp4.read_bytes())
    assert result.video_id == next(iter(youtube.videos))
    assert len(youtube.requests_to("POST", route.split()[1])) == 1  # sent once, found after


def test_the_ledger_is_the_truth(youtube, youtube_settings, tmp_path, talk_mp4):
    """A batch's recording: the ledger row learns the session before the first byte and the
    video ID before the extras; a new work folder (topic renamed in Zoom, a cleaned folder)
    updates that video rather than uploading again."""
    state = StateDB(tmp_path / "state.db")
    uuid = "renamed/meeting=="
    state.upsert_meeting({"uuid": uuid, "topic": "Office Hours"}, status="running")
    ledger = RowLedger(state, uuid)
    key = zoom_recording_key(uuid)
    seen = []

    def watch(done, total):
        row = state.get(uuid)
        seen.append((done, row.session is not None, row.video_id))

    first = publish(
        make_workdir(tmp_path / "a", talk_mp4),
        youtube_settings,
        ledger=ledger,
        recording_key=key,
        progress=watch,
    )
    assert seen[0] == (CHUNK, True, None)  # the session was in the ledger before any byte
    row = state.get(uuid)
    assert row.video_id == first.video_id and row.upload_session is None
    tags = youtube.videos[first.video_id]["snippet"]["tags"]
    assert tags[-1] == recording_marker(key)

    again = publish(
        make_workdir(tmp_path / "b", talk_mp4), youtube_settings, ledger=ledger, recording_key=key
    )
    assert again.video_id == first.video_id and again.updated
    _one_video(youtube, talk_mp4.read_bytes())
