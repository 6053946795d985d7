"""The Zoom client against the emulator: OAuth token reuse and renewal, month windows and
pages, retries (5xx, 429 with Retry-After as seconds or a date), UUID encoding, and that no
token reaches the log."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import pytest

from pipeline.errors import ConfigError, ZoomError, ZoomTransientError
from pipeline.services.zoom import ZoomClient, encode_meeting_id, month_windows, parse_retry_after
from pipeline.settings import ZoomSettings
from pipeline.zoom.recordings import MeetingFilter, choose_video, companion_files
from tests.emulators.zoom import EmulatedFile, ZoomEmulator

START = datetime(2026, 9, 1, 16, 0, tzinfo=UTC)


@pytest.fixture
def emulator():
    emu = ZoomEmulator().start()
    yield emu
    emu.stop()


def settings_for(emu: ZoomEmulator, **overrides) -> ZoomSettings:
    values = dict(
        account_id=emu.account_id,
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        api_url=emu.api_url,
        oauth_url=emu.oauth_url,
    )
    values.update(overrides)
    return ZoomSettings(**values)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(emu: ZoomEmulator, **kwargs) -> tuple[ZoomClient, Sleeps]:
    sleeps = Sleeps()
    return ZoomClient(settings_for(emu), sleep=sleeps, **kwargs), sleeps


def mp4(kind: str = "shared_screen_with_speaker_view", size: int = 100, **kw) -> EmulatedFile:
    return EmulatedFile("MP4", kind, bytes(range(256)) * (size // 256) + b"x" * (size % 256), **kw)


def test_token_is_reused_and_renewed_after_a_401(emulator):
    emulator.add_meeting("Office Hours", START, [mp4()], meeting_id=123)
    client, _ = client_for(emulator)
    client.get_meeting(123)
    client.get_meeting(123)
    assert emulator.token_requests == 1
    emulator.expire_tokens()
    assert client.get_meeting(123).topic == "Office Hours"
    assert emulator.token_requests == 2


def test_bad_and_missing_credentials(emulator):
    bad = ZoomClient(settings_for(emulator, client_secret="wrong"))
    with pytest.raises(ZoomError, match="refused the credentials") as exc:
        bad.token()
    assert not exc.value.retryable
    with pytest.raises(ConfigError, match="ZOOM_CLIENT_SECRET"):
        ZoomClient(settings_for(emulator, client_secret="")).token()


def test_listing_splits_months_and_follows_pages(emulator):
    for day in range(75):
        emulator.add_meeting(f"Talk {day}", START + timedelta(days=day), [mp4()])
    client, _ = client_for(emulator, page_size=7)
    meetings = list(client.list_recordings(START.date(), START.date() + timedelta(days=74)))
    assert sorted(m.topic for m in meetings) == sorted(f"Talk {d}" for d in range(75))
    ranges = {
        (p.split("from=")[1][:10], p.split("to=")[1][:10])
        for _, p, _ in emulator.requests
        if "/users/me/recordings" in p
    }
    assert len(ranges) == 3  # 75 days = three windows of at most 31 days
    pages = [p for _, p, _ in emulator.requests if "next_page_token=" in p]
    assert len(pages) == 4 + 4 + 1  # 31, 31 and 13 meetings in pages of 7


def test_month_windows_cover_the_range_without_overlap():
    windows = month_windows(date(2026, 1, 1), date(2026, 3, 15))
    assert windows[0][0] == date(2026, 1, 1) and windows[-1][1] == date(2026, 3, 15)
    for (_, end), (start, _) in zip(windows, windows[1:], strict=False):
        assert start == end + timedelta(days=1)
    assert all((b - a).days <= 30 for a, b in windows)


def test_5xx_is_retried_with_backoff_then_gives_up(emulator):
    emulator.add_meeting("Office Hours", START, [mp4()], meeting_id=7)
    client, sleeps = client_for(emulator, max_tries=4)
    emulator.fail_next("/v2/meetings", 503, times=2)
    assert client.get_meeting(7).id == 7
    assert sleeps == [1.0, 2.0]
    emulator.fail_next("/v2/meetings", 500, times=10)
    with pytest.raises(ZoomTransientError) as exc:
        client.get_meeting(7)
    assert exc.value.retryable


def test_429_honours_retry_after_seconds_and_dates(emulator):
    emulator.add_meeting("Office Hours", START, [mp4()], meeting_id=7)
    client, sleeps = client_for(emulator)
    emulator.fail_next("/v2/meetings", 429, retry_after="7")
    client.get_meeting(7)
    assert sleeps == [7.0]
    later = datetime.now(UTC) + timedelta(seconds=40)
    emulator.fail_next("/v2/meetings", 429, retry_after=format_datetime(later, usegmt=True))
    client.get_meeting(7)
    assert 30 < sleeps[1] <= 40


def test_a_retry_after_of_hours_is_not_waited_for(emulator):
    emulator.add_meeting("Office Hours", START, [mp4()], meeting_id=7)
    client, sleeps = client_for(emulator)
    emulator.fail_next("/v2/meetings", 429, retry_after="7200")
    with pytest.raises(ZoomTransientError, match="429"):
        client.get_meeting(7)
    assert sleeps == []


def test_parse_retry_after_forms():
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert parse_retry_after("12", now) == 12
    assert parse_retry_after("Fri, 27 Nov 2026 12:00:30 GMT", now) == 30
    assert parse_retry_after("2026-11-27T12:01:00Z", now) == 60
    assert parse_retry_after("2026-11-27T11:00:00Z", now) == 0
    assert parse_retry_after("soon", now) is None


def test_unreachable_zoom_is_transient():
    settings = ZoomSettings(
        account_id="a", client_id="b", client_secret="c", oauth_url="http://127.0.0.1:9/oauth/token"
    )
    with pytest.raises(ZoomTransientError, match="cannot reach Zoom"):
        ZoomClient(settings, sleep=lambda s: None, max_tries=2).token()


def test_uuid_with_slashes_is_double_encoded(emulator):
    emulator.add_meeting("Office Hours", START, [mp4()], uuid="/ab//cd+ef==")
    emulator.add_meeting("Demo Day", START, [mp4()], uuid="Xy+z9Q==")
    client, _ = client_for(emulator)
    assert encode_meeting_id("/ab//cd+ef==") == "%252Fab%252F%252Fcd%252Bef%253D%253D"
    assert encode_meeting_id("Xy+z9Q==") == "Xy%2Bz9Q%3D%3D"
    assert client.get_meeting("/ab//cd+ef==").topic == "Office Hours"
    assert client.get_meeting("Xy+z9Q==").topic == "Demo Day"
    with pytest.raises(ZoomError, match="no cloud recording"):
        client.get_meeting("nope")


def test_trash_moves_the_meeting_recordings(emulator):
    meeting = emulator.add_meeting("Office Hours", START, [mp4()], uuid="/lead//slash==")
    client, _ = client_for(emulator)
    client.trash_meeting_recordings(meeting.uuid)
    assert emulator.deleted == ["/lead//slash=="]
    assert any(m == "DELETE" and "action=trash" in p for m, p, _ in emulator.requests)


def test_tokens_never_reach_the_log(emulator, caplog):
    emulator.add_meeting("Office Hours", START, [mp4()], meeting_id=5)
    client, _ = client_for(emulator)
    with caplog.at_level(logging.DEBUG):
        client.get_meeting(5)
        emulator.expire_tokens()
        client.get_meeting(5)
    assert emulator.requests  # something was logged about them
    for _, _, headers in emulator.requests:
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        if token and not token.startswith("Basic"):
            assert token not in caplog.text
            assert token[:4] + "****" + token[-4:] in caplog.text


def test_one_video_per_meeting_by_view_preference_and_companions(emulator):
    files = [
        mp4("gallery_view", 900),
        mp4("active_speaker", 800),
        mp4("shared_screen_with_speaker_view", 700),
        EmulatedFile("CHAT", "chat_file", b"hi"),
        EmulatedFile("TRANSCRIPT", "audio_transcript", b"WEBVTT\n"),
        EmulatedFile("M4A", "audio_only", b"a"),
    ]
    emulator.add_meeting("Office Hours", START, files, meeting_id=9)
    client, _ = client_for(emulator)
    meeting = client.get_meeting(9)
    assert choose_video(meeting).recording_type == "shared_screen_with_speaker_view"
    assert set(companion_files(meeting)) == {"zoom_chat.txt", "zoom_transcript.vtt"}
    emulator.meetings[0].files = files[:2]
    assert choose_video(client.get_meeting(9)).recording_type == "active_speaker"


def test_meeting_filter(emulator):
    emulator.add_meeting("Community Office Hours #12", START, [mp4()], duration=50)
    emulator.add_meeting("Demo Day", START, [mp4()], duration=5)
    emulator.add_meeting("Team sync", START, [mp4()], duration=50)
    emulator.add_meeting("Office hours audio", START, [EmulatedFile("M4A", "audio_only", b"a")])
    client, _ = client_for(emulator)
    meetings = {m.topic: m for m in client.list_recordings(START.date(), START.date())}
    chosen = MeetingFilter("office hours|demo day", min_duration=10)
    verdicts = {topic: chosen.rejects(m) for topic, m in meetings.items()}
    assert verdicts == {
        "Community Office Hours #12": None,
        "Demo Day": "shorter than 10 min",
        "Team sync": "topic does not match",
        "Office hours audio": "no video file",
    }
    with pytest.raises(ConfigError):
        MeetingFilter("(unclosed")
