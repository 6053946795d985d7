"""The limits every worker of a cluster shares, kept in a real Redis: Zoom's Retry-After
that one worker is told holds back the others, and the YouTube quota budget grants each
recording's publish once a day, only while the day's units last."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.batch.quota import QuotaBudget, publish_cost
from pipeline.batch.ratelimit import ClusterZoomGate
from pipeline.errors import ZoomTransientError
from pipeline.services.youtube import quota_reset_time
from pipeline.services.zoom import ZoomClient
from pipeline.settings import ZoomSettings
from tests.emulators.zoom import EmulatedFile, ZoomEmulator


@pytest.fixture
def zoom():
    emu = ZoomEmulator().start()
    emu.add_meeting(
        "Office Hours",
        datetime(2026, 9, 1, 16, tzinfo=UTC),
        [EmulatedFile("MP4", "shared_screen_with_speaker_view", b"x" * 100)],
        meeting_id=7,
    )
    yield emu
    emu.stop()


def _client(emu: ZoomEmulator, gate=None, **kwargs) -> ZoomClient:
    settings = ZoomSettings(
        account_id=emu.account_id,
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        api_url=emu.api_url,
        oauth_url=emu.oauth_url,
    )
    client = ZoomClient(settings, gate=gate, **kwargs)
    client.token()  # the token first, so the request that counts is the API call
    return client


def test_a_429_one_worker_gets_holds_back_every_worker(zoom, redis_url):
    told = _client(zoom, ClusterZoomGate(redis_url), max_tries=1)
    other = _client(zoom, ClusterZoomGate(redis_url))  # shares nothing with `told` but Redis
    alone = _client(zoom)  # no gate: a client outside the cluster
    zoom.fail_next("/v2/meetings", 429, retry_after="1")
    with pytest.raises(ZoomTransientError, match="429"):
        told.get_meeting(7)
    t0 = time.monotonic()
    assert alone.get_meeting(7).id == 7
    assert time.monotonic() - t0 < 0.8
    t0 = time.monotonic()
    assert other.get_meeting(7).id == 7
    assert time.monotonic() - t0 >= 0.8  # it waited for the second Zoom asked for


def test_a_later_resume_moment_is_never_moved_earlier(redis_url):
    gate = ClusterZoomGate(redis_url)
    gate.pause(30)
    first = gate.resume_at()
    gate.pause(2)
    assert gate.resume_at() == first
    gate.pause(40)
    assert gate.resume_at() > first


def test_budget_grants_each_publish_once_and_only_while_units_last(redis_url):
    cost = publish_cost(upload=True, thumbnail=True, captions=True, playlist=False)
    assert cost == 1600 + 50 + 400
    assert publish_cost(upload=False, thumbnail=False, captions=False, playlist=True) == 101
    now = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)  # 12:00 Pacific
    budget = QuotaBudget(redis_url, daily_units=2 * cost + 100)
    other_worker = QuotaBudget(redis_url, daily_units=2 * cost + 100)
    assert budget.reserve("publish:a", cost, now).granted
    assert other_worker.reserve("publish:a", cost, now).granted  # asked again: not twice
    assert other_worker.reserve("publish:b", cost, now).granted
    refused = budget.reserve("publish:c", cost, now)
    assert not refused.granted
    assert refused.resets_at == quota_reset_time(now) == datetime(2026, 11, 28, 8, tzinfo=UTC)
    assert budget.used(now) == 2 * cost
    after_reset = refused.resets_at + timedelta(seconds=1)
    assert budget.reserve("publish:c", cost, after_reset).granted
    assert budget.used(after_reset) == cost


def test_youtube_saying_quota_exceeded_spends_the_rest_of_the_day(redis_url):
    now = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
    budget = QuotaBudget(redis_url, daily_units=10_000)
    assert budget.exhaust(now) == quota_reset_time(now)
    assert not budget.reserve("publish:a", 1, now).granted
