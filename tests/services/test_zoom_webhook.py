"""Zoom webhooks: signature checks, the URL validation challenge, and queuing of
recording.completed meetings in the state database (through the real `pipeline webhook`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
import requests

from pipeline.batch.ledger import StateDB
from pipeline.batch.webhook import signature
from tests.emulators.zoom import EmulatedFile, ZoomEmulator

SECRET = "whsec-test-0123456789"


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    """`pipeline webhook` running as a user would start it."""
    folder = tmp_path_factory.mktemp("webhook")
    env = {
        **os.environ,
        "ZOOM_WEBHOOK_SECRET_TOKEN": SECRET,
        "PIPELINE_STATE_DB": str(folder / "state.db"),
        "PIPELINE_ZOOM_TOPIC_PATTERN": "office hours",
        "PYTHONUNBUFFERED": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "webhook", "--port", "0", "--host", "127.0.0.1"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    assert line.startswith("listening on "), line
    url = line.split()[2]
    yield url, folder / "state.db", proc
    proc.kill()
    proc.wait()


def post(url: str, event: dict, *, secret: str = SECRET, timestamp: int | None = None):
    body = json.dumps(event).encode()
    ts = str(timestamp or int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "x-zm-request-timestamp": ts,
        "x-zm-signature": signature(secret, ts, body),
    }
    return requests.post(url, data=body, headers=headers, timeout=10)


def test_url_validation_challenge(receiver):
    url, _, _ = receiver
    reply = post(
        url,
        {"event": "endpoint.url_validation", "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}},
    )
    assert reply.status_code == 200
    expected = hmac.new(SECRET.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    assert reply.json() == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected}


def test_bad_signature_and_replayed_timestamp_are_refused(receiver):
    url, _, _ = receiver
    event = {"event": "endpoint.url_validation", "payload": {"plainToken": "x"}}
    assert post(url, event, secret="wrong-secret").status_code == 401
    assert post(url, event, timestamp=int(time.time()) - 3600).status_code == 401


def test_recording_completed_is_queued_with_its_download_token(receiver):
    url, db, proc = receiver
    emu = ZoomEmulator().start()  # builds the payloads Zoom would send
    start = datetime(2026, 11, 3, 17, 0, tzinfo=UTC)
    talk = emu.add_meeting("Office Hours #7", start, [EmulatedFile("MP4", "active_speaker", b"v")])
    sync = emu.add_meeting("Team sync", start, [EmulatedFile("MP4", "active_speaker", b"v")])
    event = emu.webhook_event(talk)
    assert post(url, event).json() == {"status": "queued", "uuid": talk.uuid}
    assert post(url, emu.webhook_event(sync)).json()["status"] == "ignored"
    assert proc.stdout.readline().strip() == f"queued {talk.uuid}"
    emu.stop()
    rows = StateDB(db).rows()
    assert [(r.uuid, r.status, r.source, r.download_token) for r in rows] == [
        (talk.uuid, "queued", "webhook", event["download_token"])
    ]
