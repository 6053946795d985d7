"""Leak response against the emulator: lockdown, republish, restore."""

from __future__ import annotations

import json
import shutil

import pytest

from pipeline.errors import InputError, UnresolvedFindingsError, UsageError
from pipeline.youtube.leak_response import ledger_path, lockdown, republish, restore
from pipeline.youtube.publisher import publish
from tests.emulators.youtube_fixtures import finding


@pytest.fixture
def published(youtube, youtube_settings, workdir):
    """The work folder's video, published publicly (no findings yet)."""
    result = publish(workdir, youtube_settings, privacy="public")
    return result.video_id


def test_lockdown_republish_keeps_old_private(
    youtube, youtube_settings, workdir, published, talk_mp4
):
    change = lockdown(published, youtube_settings)
    assert (change.previous, change.current, change.changed) == ("public", "private", True)
    assert youtube.videos[published]["status"]["privacyStatus"] == "private"
    ledger = json.loads(ledger_path(youtube_settings).read_text())
    assert ledger[published]["previous_privacy"] == "public"
    # the lockdown kept the rest of the video as it was, the recording's marker included
    tags = youtube.videos[published]["snippet"]["tags"]
    assert tags[:2] == ["containers", "office hours"] and tags[2].startswith("pipeline-")

    # the finding is found, redacted, and recorded as such
    (workdir / "flags.json").write_text(json.dumps({"findings": [finding("redacted")]}))
    redacted = workdir / "redacted.mp4"
    shutil.copy2(talk_mp4, redacted)
    with redacted.open("ab") as fh:
        fh.write(b"\0" * 64)
    old_title = youtube.videos[published]["snippet"]["title"]
    result = republish(published, workdir, youtube_settings)

    new = youtube.videos[result.video_id]
    assert result.uploaded and result.video_id != published
    assert youtube.video_bytes[result.video_id] == redacted.read_bytes()
    assert new["snippet"]["title"] == old_title
    assert new["status"]["privacyStatus"] == "public"  # the old privacy carried over
    assert youtube.videos[published]["status"]["privacyStatus"] == "private"
    assert youtube.playlists["PLpipeline"] == [published, result.video_id]
    assert result.video_id in youtube.thumbnails
    assert {c["snippet"]["videoId"] for c in youtube.captions} == {published, result.video_id}
    record = json.loads((workdir / "youtube.json").read_text())
    assert record["video_id"] == result.video_id and record["replaces"] == published

    # the new video carries the same recording's marker; the locked-down one is never
    # taken for it
    assert new["snippet"]["tags"][-1] == tags[2]

    # running it again updates the new video; nothing is uploaded twice
    again = republish(published, workdir, youtube_settings)
    assert again.video_id == result.video_id and again.updated
    assert len(youtube.videos) == 2


def test_killed_republish_is_not_mistaken_for_the_old_video(
    youtube, youtube_settings, workdir, published, talk_mp4
):
    """With no record of the new upload (youtube.json lost), a second republish looks for
    the recording's marker: the old video has it too, but is locked down, so it uploads."""
    lockdown(published, youtube_settings)
    (workdir / "youtube.json").unlink()
    shutil.copy2(talk_mp4, workdir / "redacted.mp4")
    result = republish(published, workdir, youtube_settings)
    assert result.video_id != published and result.how == "uploaded"
    assert len(youtube.videos) == 2


def test_republish_refuses_while_findings_are_open(
    youtube, youtube_settings, workdir, published, talk_mp4
):
    (workdir / "flags.json").write_text(json.dumps({"findings": [finding()]}))
    shutil.copy2(talk_mp4, workdir / "redacted.mp4")
    with pytest.raises(UnresolvedFindingsError):
        republish(published, workdir, youtube_settings)
    # the old video is locked down all the same, and nothing new was uploaded
    assert youtube.videos[published]["status"]["privacyStatus"] == "private"
    assert len(youtube.videos) == 1


def test_republish_needs_a_redacted_video(youtube_settings, workdir, published):
    with pytest.raises(InputError, match="redacted.mp4"):
        republish(published, workdir, youtube_settings)


def test_restore_after_false_alarm(youtube, youtube_settings, published):
    lockdown(published, youtube_settings)
    assert lockdown(published, youtube_settings).changed is False  # idempotent
    change = restore(published, youtube_settings)
    assert (change.current, change.changed) == ("public", True)
    assert youtube.videos[published]["status"]["privacyStatus"] == "public"
    assert published not in json.loads(ledger_path(youtube_settings).read_text())


def test_restore_without_a_recorded_lockdown_refuses(youtube, youtube_settings):
    """Never public on a guess: with no lockdown recorded, restore changes nothing and says
    how to name the privacy."""
    video_id = youtube.add_video("Made private by hand", privacy="private")
    with pytest.raises(UsageError) as caught:
        restore(video_id, youtube_settings)
    assert "no lockdown" in caught.value.message and "--privacy public" in caught.value.hint
    assert youtube.received == []
    assert youtube.videos[video_id]["status"]["privacyStatus"] == "private"
    # told which, it does it
    change = restore(video_id, youtube_settings, privacy="unlisted")
    assert (change.current, change.changed) == ("unlisted", True)
    assert youtube.videos[video_id]["status"]["privacyStatus"] == "unlisted"


def test_lockdown_of_a_live_broadcast(youtube, youtube_settings):
    video_id = youtube.add_video("Live now", live=True, privacy="unlisted")
    lockdown(video_id, youtube_settings)
    (update,) = youtube.requests_to("PUT", "/youtube/v3/liveBroadcasts")
    assert update.body == {"id": video_id, "status": {"privacyStatus": "private"}}
    assert youtube.videos[video_id]["status"]["privacyStatus"] == "private"
    restore(video_id, youtube_settings)
    assert youtube.videos[video_id]["status"]["privacyStatus"] == "unlisted"


def test_lockdown_dry_run_changes_nothing(youtube, youtube_settings, published):
    change = lockdown(published, youtube_settings, dry_run=True)
    assert youtube.videos[published]["status"]["privacyStatus"] == "public"
    assert not youtube.requests_to("PUT", "/youtube/v3/videos")
    (planned,) = change.planned
    assert planned.startswith(f"PUT {youtube.root}youtube/v3/videos?part=status")
    assert '"privacyStatus": "private"' in planned
    assert not ledger_path(youtube_settings).exists()
