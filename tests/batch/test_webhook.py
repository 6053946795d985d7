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


def test_a_replayed_call_is_refused_and_queues_nothing_twice(receiver):
    url, _, _ = receiver
    body = json.dumps({"event": "endpoint.url_validation", "payload": {"plainToken": "r"}}).encode()
    ts = str(int(time.time()))
    headers = {"x-zm-request-timestamp": ts, "x-zm-signature": signature(SECRET, ts, body)}
    assert requests.post(url, data=body, headers=headers, timeout=10).status_code == 200
    again = requests.post(url, data=body, headers=headers, timeout=10)
    assert again.status_code == 409 and again.json() == {"error": "replayed request"}


def test_an_oversized_body_is_refused_unread(receiver):
    url, _, _ = receiver
    reply = requests.post(url, data=b"x" * (300 * 1024), timeout=10)
    assert reply.status_code == 413


def test_the_signature_is_checked_before_the_ledger_is_opened(tmp_path):
    from pipeline.batch.webhook import handle_event
    from pipeline.zoom.recordings import MeetingFilter

    opened = []

    def open_state():
        opened.append(True)
        return StateDB(tmp_path / "state.db")

    body = b'{"event": "recording.completed", "payload": {}}'
    ts = str(int(time.time()))
    bad = {"x-zm-request-timestamp": ts, "x-zm-signature": "v0=" + "0" * 64}
    reply = handle_event(SECRET, bad, body, open_state, MeetingFilter("", 0))
    assert reply.status == 401 and opened == [] and not (tmp_path / "state.db").exists()
    good = {"x-zm-request-timestamp": ts, "x-zm-signature": signature(SECRET, ts, body)}
    reply = handle_event(SECRET, good, body, open_state, MeetingFilter("", 0))
    assert opened == [True] and reply.status == 400


def test_a_silent_connection_is_dropped(tmp_path):
    import socket
    import threading

    from pipeline.batch.webhook import make_server
    from pipeline.settings import Settings

    settings = Settings()
    settings.zoom.webhook_secret = SECRET
    server = make_server(settings, tmp_path / "state.db", "127.0.0.1", 0, socket_timeout=0.3)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(server.server_address, timeout=10) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")  # and then nothing more
            started = time.monotonic()
            assert sock.recv(1024) == b""  # the server hung up
            assert time.monotonic() - started < 5
    finally:
        server.shutdown()
        server.server_close()


def test_the_receiver_listens_on_loopback_by_default():
    from pipeline.cli.webhook import webhook_command

    host = next(p for p in webhook_command.params if p.name == "host")
    assert host.default == "127.0.0.1"


def test_the_batch_worker_reports_every_failure_and_keeps_running(tmp_path):
    import threading

    from pipeline.batch.webhook import batch_on_wake
    from pipeline.settings import Settings

    settings = Settings()
    settings.general.out = str(tmp_path)  # no Zoom credentials: every batch fails at once
    lines: list[str] = []
    said = threading.Semaphore(0)

    def echo(line: str) -> None:
        lines.append(line)
        said.release()

    wake = threading.Event()
    worker = threading.Thread(target=batch_on_wake, args=(settings, wake, echo), daemon=True)
    worker.start()
    for _ in range(2):
        wake.set()
        assert said.acquire(timeout=30)
    assert worker.is_alive()
    assert len(lines) == 2 and all(line.startswith("batch not run: ") for line in lines), lines
