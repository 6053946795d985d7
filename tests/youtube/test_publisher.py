"""Publishing with the real google-api-python-client against the YouTube emulator."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.errors import (
    AuthError,
    QuotaExceededError,
    ServiceError,
    TransientServiceError,
    UnresolvedFindingsError,
)
from pipeline.settings import load_settings
from pipeline.youtube.publisher import publish
from pipeline.youtube.rules import description_chapter_problems as chapter_problems
from tests.emulators.youtube_fixtures import CHUNK, DESCRIPTION, finding, make_workdir


def _assert_uploaded_once(youtube, video_id, source):
    assert youtube.video_bytes[video_id] == source.read_bytes()
    assert len(youtube.videos) == 1
    assert len(youtube.sessions) == 1  # one upload session: nothing started twice


def test_full_publish(youtube, youtube_settings, workdir, talk_mp4):
    seen = []
    result = publish(workdir, youtube_settings, progress=lambda done, total: seen.append(done))

    assert result.uploaded and not result.updated
    _assert_uploaded_once(youtube, result.video_id, talk_mp4)
    assert result.url == f"https://www.youtube.com/watch?v={result.video_id}"
    size = talk_mp4.stat().st_size
    assert youtube.chunks_seen == -(-size // CHUNK) >= 3  # several chunks, none re-sent
    assert seen[-1] == size
    video = youtube.videos[result.video_id]
    assert video["snippet"]["title"] == "Office hours: deploying with containers"
    marker = video["snippet"]["tags"][-1]
    assert video["snippet"]["tags"] == ["containers", "office hours", marker]
    assert marker.startswith("pipeline-") and len(marker) == len("pipeline-") + 16
    assert video["snippet"]["categoryId"] == "28"
    assert video["status"]["privacyStatus"] == "private"
    # the description arrives with its chapters intact and valid for YouTube
    assert video["snippet"]["description"] == DESCRIPTION.strip()
    assert chapter_problems(video["snippet"]["description"]) == []
    assert youtube.thumbnails[result.video_id][:2] == b"\xff\xd8"
    (caption,) = youtube.captions
    assert caption["snippet"]["videoId"] == result.video_id
    assert b"Welcome to office hours." in caption["data"]
    assert youtube.playlists["PLpipeline"] == [result.video_id]
    record = json.loads((workdir / "youtube.json").read_text())
    assert record["video_id"] == result.video_id
    assert record["upload_session"] is None
    assert record["privacy"] == "private"


def test_publishing_twice_updates_the_same_video(youtube, youtube_settings, workdir, talk_mp4):
    first = publish(workdir, youtube_settings)
    (workdir / "title.txt").write_text("Office hours (edited)")
    second = publish(workdir, youtube_settings)

    assert second.video_id == first.video_id
    assert second.updated and not second.uploaded
    _assert_uploaded_once(youtube, first.video_id, talk_mp4)
    assert youtube.videos[first.video_id]["snippet"]["title"] == "Office hours (edited)"
    # unchanged thumbnail, captions and playlist membership are not sent again
    assert len(youtube.requests_to("POST", "thumbnails/set")) == 1
    assert len(youtube.captions) == 1
    assert youtube.playlists["PLpipeline"] == [first.video_id]
    # the update carried every required field back (the emulator clears what is not sent),
    # the recording's marker included
    tags = youtube.videos[first.video_id]["snippet"]["tags"]
    assert tags[:2] == ["containers", "office hours"] and tags[2].startswith("pipeline-")


@pytest.mark.parametrize("status", [500, 503])
def test_server_error_on_a_chunk_is_retried(youtube, youtube_settings, workdir, talk_mp4, status):
    youtube.fail_chunk(2, status)
    result = publish(workdir, youtube_settings)

    _assert_uploaded_once(youtube, result.video_id, talk_mp4)
    queries = [r for r in youtube.requests_to("PUT", "videos") if "status_query" in (r.body or {})]
    assert queries, "after the error the client must ask how far the upload got"
    session = next(iter(youtube.sessions.values()))
    assert sum(end - start + 1 for start, end in session.ranges) == talk_mp4.stat().st_size


def test_dropped_connection_mid_chunk_resumes(youtube, youtube_settings, workdir, talk_mp4):
    youtube.drop_chunk(2)
    result = publish(workdir, youtube_settings)

    _assert_uploaded_once(youtube, result.video_id, talk_mp4)
    session = next(iter(youtube.sessions.values()))
    starts = [start for start, _ in session.ranges]
    assert starts == sorted(starts) and len(starts) > youtube.chunks_seen - 2


def test_expired_token_is_refreshed_and_stored(youtube, youtube_settings, workdir, talk_mp4):
    token_file = youtube_settings.youtube.token_file
    before = json.loads(Path(token_file).read_text())["token"]
    youtube.expire_tokens()
    result = publish(workdir, youtube_settings)

    _assert_uploaded_once(youtube, result.video_id, talk_mp4)
    assert youtube.token_requests == 1
    after = json.loads(Path(token_file).read_text())["token"]
    assert after != before and after in youtube.tokens


def test_revoked_refresh_token_names_the_fix(youtube, youtube_settings, workdir):
    youtube.revoke_refresh_token()
    with pytest.raises(AuthError) as caught:
        publish(workdir, youtube_settings)
    assert "pipeline auth youtube" in caught.value.hint
    assert not youtube.videos


def test_quota_exceeded_stops_cleanly_then_resumes(youtube, youtube_settings, workdir, talk_mp4):
    youtube.exhaust_quota()
    with pytest.raises(QuotaExceededError) as caught:
        publish(workdir, youtube_settings)
    assert "resets at" in caught.value.message and "Pacific" in caught.value.message
    assert caught.value.resets_at
    assert len(youtube.received) == 1  # the first request is refused, and not retried
    assert not youtube.videos

    youtube.clear_faults()
    result = publish(workdir, youtube_settings)
    assert youtube.video_bytes[result.video_id] == talk_mp4.read_bytes()


def test_upload_limit_exceeded(youtube, youtube_settings, workdir):
    youtube.limit_uploads()
    with pytest.raises(QuotaExceededError, match="upload limit"):
        publish(workdir, youtube_settings)
    assert not (workdir / "youtube.json").exists() or "video_id" not in json.loads(
        (workdir / "youtube.json").read_text()
    )


def test_unanswered_request_times_out_and_is_retried(youtube, youtube_env, workdir, talk_mp4):
    settings = load_settings(None, env={**youtube_env, "PIPELINE_YOUTUBE_TIMEOUT": "0.5"})
    youtube.stall_next(1)
    result = publish(workdir, settings)
    _assert_uploaded_once(youtube, result.video_id, talk_mp4)


def test_thumbnail_forbidden_is_a_warning(youtube, youtube_settings, workdir):
    youtube.forbid_thumbnails()
    result = publish(workdir, youtube_settings)
    assert result.video_id in youtube.videos
    assert any("thumbnail" in w for w in result.warnings)
    assert "thumbnail" not in json.loads((workdir / "youtube.json").read_text())


def test_edit_existing_video_sends_a_valid_update(youtube, youtube_settings, workdir):
    video_id = youtube.add_video("Live: office hours", live=True, privacy="public")
    result = publish(workdir, youtube_settings, video_id=video_id)

    assert result.updated and not result.uploaded and result.video_id == video_id
    assert not youtube.requests_to("POST", "/upload/youtube/v3/videos")
    (update,) = youtube.requests_to("PUT", "/youtube/v3/videos")
    assert update.query["part"] == "snippet,status"
    assert update.body["id"] == video_id
    assert update.body["snippet"]["title"] and update.body["snippet"]["categoryId"]
    video = youtube.videos[video_id]
    assert video["snippet"]["description"] == DESCRIPTION.strip()
    assert video["status"]["privacyStatus"] == "public"  # an edit keeps the video's privacy
    assert video_id in youtube.thumbnails and youtube.captions[0]["snippet"]["videoId"] == video_id
    assert json.loads((workdir / "youtube.json").read_text())["video_id"] == video_id


def test_refuses_public_with_unresolved_findings(youtube, youtube_settings, tmp_path, talk_mp4):
    workdir = make_workdir(tmp_path / "flagged", talk_mp4, findings=[finding()])
    for privacy in ("public", "unlisted"):
        with pytest.raises(UnresolvedFindingsError, match="AKIA\\*\\*\\*\\*MPLE"):
            publish(workdir, youtube_settings, privacy=privacy)
    assert youtube.received == []
    # a live video that is already public is not edited while findings are open
    video_id = youtube.add_video("Live", privacy="public")
    with pytest.raises(UnresolvedFindingsError):
        publish(workdir, youtube_settings, video_id=video_id)
    assert not youtube.requests_to("PUT", "/youtube/v3/videos")
    # private is allowed, and so is public once the finding is redacted
    assert publish(workdir, youtube_settings, privacy="private").uploaded
    (workdir / "flags.json").write_text(json.dumps({"findings": [finding("redacted")]}))
    result = publish(workdir, youtube_settings, privacy="public")
    assert youtube.videos[result.video_id]["status"]["privacyStatus"] == "public"


def test_dry_run_sends_nothing(youtube, youtube_settings, workdir):
    result = publish(workdir, youtube_settings, dry_run=True)
    assert youtube.received == []
    assert not (workdir / "youtube.json").exists()
    text = "\n".join(result.planned)
    assert f"POST {youtube.root}upload/youtube/v3/videos?" in text
    assert "uploadType=resumable" in text and '"privacyStatus": "private"' in text
    assert "thumbnails/set" in text and "captions" in text and "playlistItems" in text


def test_redacted_video_is_preferred(youtube, youtube_settings, workdir, talk_mp4):
    redacted = workdir / "redacted.mp4"
    shutil.copy2(talk_mp4, redacted)
    with redacted.open("ab") as fh:
        fh.write(b"\0" * 100)  # differs from the recording
    result = publish(workdir, youtube_settings)
    assert youtube.video_bytes[result.video_id] == redacted.read_bytes()


def test_retries_exhausted_leaves_the_upload_resumable(
    youtube, youtube_settings, workdir, talk_mp4
):
    for n in (2, 3, 4, 5):  # chunk 2 fails on every one of the 4 attempts
        youtube.fail_chunk(n, 503)
    with pytest.raises(TransientServiceError) as caught:
        publish(workdir, youtube_settings)
    assert caught.value.retryable and "again" in caught.value.hint
    session_uri = json.loads((workdir / "youtube.json").read_text())["upload_session"]["uri"]

    result = publish(workdir, youtube_settings)  # a later run resumes the same session
    _assert_uploaded_once(youtube, result.video_id, talk_mp4)
    (session,) = youtube.sessions.values()
    assert session.id in session_uri
    assert [start for start, _ in session.ranges] == [0, CHUNK, 2 * CHUNK]


def test_lost_final_answer_still_records_the_video_once(youtube, youtube_env, workdir, talk_mp4):
    """The last chunk completes the video but the answer never arrives; the next run asks the
    session, learns the video ID and uploads nothing again."""
    settings = load_settings(None, env={**youtube_env, "PIPELINE_YOUTUBE_RETRIES": "1"})
    youtube.lose_answer(3)
    youtube.lose_answer(4)  # the HTTP layer re-sends once by itself; lose that answer too
    with pytest.raises(TransientServiceError):
        publish(workdir, settings)
    assert "video_id" not in json.loads((workdir / "youtube.json").read_text())
    (video_id,) = youtube.videos

    result = publish(workdir, settings)
    assert result.video_id == video_id and result.uploaded
    _assert_uploaded_once(youtube, video_id, talk_mp4)
    assert youtube.chunks_seen == 4  # nothing was sent after the failure
    queries = [r for r in youtube.received if (r.body or {}).get("status_query")]
    assert [q.body["status_query"] for q in queries] == [f"bytes */{talk_mp4.stat().st_size}"]


def test_token_without_the_captions_scope(youtube, youtube_settings, workdir):
    """captions.insert needs youtube.force-ssl: a token without it is refused (403)."""
    token_file = Path(youtube_settings.youtube.token_file)
    info = json.loads(token_file.read_text())
    info["scopes"] = [
        "https://www.googleapis.com/auth/youtube.upload",
        "https://www.googleapis.com/auth/youtube",
    ]
    info["token"] = youtube.issue_token(frozenset(info["scopes"]))
    token_file.write_text(json.dumps(info))
    with pytest.raises(ServiceError, match="insufficientPermissions"):
        publish(workdir, youtube_settings)
    assert json.loads((workdir / "youtube.json").read_text())["video_id"] in youtube.videos


def test_refreshed_token_file_stays_private(youtube, youtube_settings, workdir):
    youtube.expire_tokens()
    publish(workdir, youtube_settings)
    assert Path(youtube_settings.youtube.token_file).stat().st_mode & 0o777 == 0o600


def test_video_id_dry_run_reads_but_does_not_write(youtube, youtube_settings, workdir):
    video_id = youtube.add_video("Live: office hours", privacy="unlisted")
    result = publish(workdir, youtube_settings, video_id=video_id, dry_run=True)
    assert youtube.requests_to("GET", "/youtube/v3/videos")  # reading is allowed
    assert not youtube.requests_to("PUT", "/youtube/v3/videos")
    assert youtube.videos[video_id]["snippet"]["title"] == "Live: office hours"
    update = result.planned[0]
    assert update.startswith(f"PUT {youtube.root}youtube/v3/videos?part=snippet%2Cstatus")
    assert '"categoryId": "28"' in update and '"privacyStatus": "unlisted"' in update


def test_token_expiring_mid_upload_replays_the_chunk(youtube, youtube_settings, workdir, talk_mp4):
    """A 401 on chunk 2 makes the auth layer refresh and send the same request again; the
    replay must carry the chunk's bytes (a consumed stream slice would send none and hang)."""

    def expire_after_first_chunk(done, total):
        if done == CHUNK:
            youtube.expire_tokens()

    result = publish(workdir, youtube_settings, progress=expire_after_first_chunk)
    _assert_uploaded_once(youtube, result.video_id, talk_mp4)
    assert youtube.token_requests == 1
    assert not [r for r in youtube.received if (r.body or {}).get("status_query")]
