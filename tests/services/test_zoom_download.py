"""Downloading recording files from the emulator: resume into `.part` with Range after a
dropped connection, size check, HTML-with-200 refused, retries on 5xx/429, webhook tokens."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from pipeline.errors import ZoomError, ZoomTransientError
from pipeline.services.zoom import ZoomClient
from pipeline.services.zoom_download import download_file, part_path
from pipeline.settings import ZoomSettings
from pipeline.zoom.recordings import RecordingFile, choose_video
from tests.emulators.zoom import EmulatedFile, ZoomEmulator

START = datetime(2026, 9, 1, 16, 0, tzinfo=UTC)
VIDEO = os.urandom(300_000)


@pytest.fixture
def emulator():
    emu = ZoomEmulator().start()
    emu.add_meeting(
        "Office Hours",
        START,
        [EmulatedFile("MP4", "shared_screen_with_speaker_view", VIDEO)],
        meeting_id=42,
    )
    yield emu
    emu.stop()


@pytest.fixture
def client(emulator):
    settings = ZoomSettings(
        account_id=emulator.account_id,
        client_id=emulator.client_id,
        client_secret=emulator.client_secret,
        api_url=emulator.api_url,
        oauth_url=emulator.oauth_url,
    )
    return ZoomClient(settings, sleep=lambda s: None, max_tries=3)


def video_of(client: ZoomClient) -> RecordingFile:
    return choose_video(client.get_meeting(42))


def test_plain_download(client, tmp_path):
    target = download_file(client, video_of(client), tmp_path / "talk.mp4")
    assert target.read_bytes() == VIDEO
    assert not part_path(target).exists()


def test_dropped_connection_resumes_from_the_partial_file(emulator, client, tmp_path):
    file = video_of(client)
    emulator.drop_download(file.id, after_bytes=100_000, times=2)
    seen = []
    target = download_file(
        client, file, tmp_path / "talk.mp4", progress=lambda d, t: seen.append(d)
    )
    assert target.read_bytes() == VIDEO
    starts = [start for fid, start in emulator.downloads if fid == file.id]
    assert starts[0] == 0 and 0 < starts[1] <= 100_000 and starts[1] < starts[2] <= 200_000
    assert len(starts) == 3
    assert seen[-1] == len(VIDEO)


def test_a_part_left_by_a_killed_run_is_resumed(emulator, client, tmp_path):
    file = video_of(client)
    target = tmp_path / "talk.mp4"
    part_path(target).write_bytes(VIDEO[:123_456])
    download_file(client, file, target)
    assert target.read_bytes() == VIDEO
    assert emulator.downloads == [(file.id, 123_456)]


def test_html_page_with_200_is_refused_then_retried(emulator, client, tmp_path):
    file = video_of(client)
    emulator.html_download(file.id, times=1)
    assert download_file(client, file, tmp_path / "a.mp4").read_bytes() == VIDEO
    emulator.html_download(file.id, times=5)
    with pytest.raises(ZoomTransientError, match="HTML page"):
        download_file(client, file, tmp_path / "b.mp4")
    assert not (tmp_path / "b.mp4").exists()
    assert (
        not part_path(tmp_path / "b.mp4").exists()
        or part_path(tmp_path / "b.mp4").stat().st_size == 0
    )


def test_size_mismatch_is_not_accepted(client, tmp_path):
    file = video_of(client)
    lying = RecordingFile(**{**file.__dict__, "file_size": len(VIDEO) + 10})
    with pytest.raises(ZoomTransientError, match="Zoom listed"):
        download_file(client, lying, tmp_path / "talk.mp4")
    assert not (tmp_path / "talk.mp4").exists()


def test_server_errors_and_rate_limits_on_the_file_are_retried(emulator, client, tmp_path):
    file = video_of(client)
    emulator.fail_next("/file/", 502)
    emulator.fail_next("/rec/download/", 429, retry_after="0")
    assert download_file(client, file, tmp_path / "talk.mp4").read_bytes() == VIDEO


def test_expired_token_is_renewed_for_downloads(emulator, client, tmp_path):
    file = video_of(client)
    emulator.expire_tokens()
    assert download_file(client, file, tmp_path / "talk.mp4").read_bytes() == VIDEO
    assert emulator.token_requests == 2


def test_webhook_download_token_is_used_and_a_bad_one_refused(emulator, client, tmp_path):
    event = emulator.webhook_event(emulator.meetings[0])
    file = RecordingFile.from_json(event["payload"]["object"]["recording_files"][0])
    target = download_file(client, file, tmp_path / "talk.mp4", token=event["download_token"])
    assert target.read_bytes() == VIDEO
    assert emulator.token_requests == 0
    with pytest.raises(ZoomError, match="401"):
        download_file(client, file, tmp_path / "other.mp4", token="expired")
