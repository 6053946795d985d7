"""The stored YouTube token keeps its expiry, and a refreshed token is written back the moment
it arrives (a run killed right after a refresh leaves the fresh token), with mode 0600."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pipeline.services.youtube import YouTubeClient


def test_refreshed_token_is_saved_at_once_with_its_expiry(youtube, youtube_settings):
    token_file = Path(youtube_settings.youtube.token_file)
    video_id = youtube.add_video("A talk")
    youtube.expire_tokens()
    client = YouTubeClient.from_settings(youtube_settings.youtube)
    assert client.get_video(video_id)["id"] == video_id  # a 401, a refresh, the replay
    stored = json.loads(token_file.read_text())  # no save_refreshed_token() was called
    assert stored["token"] == client.credentials.token and stored["token"] in youtube.tokens
    expiry = dt.datetime.fromisoformat(stored["expiry"].replace("Z", "+00:00"))
    now = dt.datetime.now(dt.UTC)
    assert now + dt.timedelta(minutes=50) < expiry < now + dt.timedelta(minutes=61)
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert list(token_file.parent.glob(".*.tmp-*")) == []


def test_an_expired_token_is_refreshed_before_it_is_used(youtube, youtube_settings):
    """With the expiry stored, a token known to be stale is never sent: the first request
    already carries the new one."""
    token_file = Path(youtube_settings.youtube.token_file)
    info = json.loads(token_file.read_text())
    stale = info["token"]
    info["expiry"] = "2020-01-01T00:00:00Z"
    token_file.write_text(json.dumps(info))
    video_id = youtube.add_video("A talk")
    client = YouTubeClient.from_settings(youtube_settings.youtube)
    assert client.get_video(video_id)["id"] == video_id
    assert youtube.token_requests == 1
    (request,) = youtube.received
    assert request.headers["authorization"] != f"Bearer {stale}"
    assert json.loads(token_file.read_text())["token"] == client.credentials.token
