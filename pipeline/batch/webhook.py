"""Receiver of Zoom webhooks (`pipeline webhook`): verifies `x-zm-signature`, answers the
`endpoint.url_validation` challenge, and queues every `recording.completed` meeting that the
topic/length filter takes in the state database, with its download token, for the batch."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pipeline.batch.ledger import StateDB
from pipeline.errors import ConfigError
from pipeline.settings import Settings
from pipeline.zoom.recordings import MeetingFilter, ZoomMeeting

log = logging.getLogger(__name__)

#: requests whose timestamp is further than this from now are refused (replays)
MAX_SKEW_S = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The `x-zm-signature` Zoom sends: `v0=` + hex HMAC-SHA256 of `v0:{ts}:{body}`."""
    message = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass
class WebhookReply:
    status: int
    body: dict[str, Any]


def handle_event(
    secret: str,
    headers: dict[str, str],
    body: bytes,
    state: StateDB,
    meeting_filter: MeetingFilter,
    *,
    now: float | None = None,
) -> WebhookReply:
    """Verify and act on one webhook call. Returns the reply to send."""
    lower = {k.lower(): v for k, v in headers.items()}
    timestamp = lower.get("x-zm-request-timestamp", "")
    sent = lower.get("x-zm-signature", "")
    if not timestamp.isdigit() or not hmac.compare_digest(sent, signature(secret, timestamp, body)):
        return WebhookReply(401, {"error": "bad signature"})
    if abs((now or time.time()) - int(timestamp)) > MAX_SKEW_S:
        return WebhookReply(401, {"error": "stale timestamp"})
    try:
        event = json.loads(body)
    except ValueError:
        return WebhookReply(400, {"error": "body is not JSON"})
    kind = event.get("event")
    payload = event.get("payload") or {}
    if kind == "endpoint.url_validation":
        plain = str(payload.get("plainToken", ""))
        encrypted = hmac.new(secret.encode(), plain.encode(), hashlib.sha256).hexdigest()
        return WebhookReply(200, {"plainToken": plain, "encryptedToken": encrypted})
    if kind != "recording.completed":
        return WebhookReply(200, {"status": "ignored", "event": kind})
    data = payload.get("object") or {}
    try:
        meeting = ZoomMeeting.from_json(data)
    except (KeyError, ValueError):
        return WebhookReply(400, {"error": "recording.completed without a meeting"})
    reason = meeting_filter.rejects(meeting)
    if reason:
        log.info("webhook: %s not queued: %s", meeting.topic, reason)
        return WebhookReply(200, {"status": "ignored", "reason": reason})
    state.upsert_meeting(
        data,
        status="waiting" if meeting.processing else "queued",
        source="webhook",
        download_token=event.get("download_token"),
    )
    log.info("webhook: queued %s (%s)", meeting.topic, meeting.uuid)
    return WebhookReply(200, {"status": "queued", "uuid": meeting.uuid})


def make_server(
    settings: Settings,
    state_path: Path,
    host: str,
    port: int,
    *,
    on_queued: Callable[[str], None] | None = None,
) -> ThreadingHTTPServer:
    """An HTTP server answering Zoom's webhook calls on any path. Raises ConfigError without
    a webhook secret."""
    secret = settings.zoom.webhook_secret
    if not secret:
        raise ConfigError(
            "no Zoom webhook secret token",
            hint="copy the app's Secret Token (Features > Event Subscriptions) into "
            "ZOOM_WEBHOOK_SECRET_TOKEN or [zoom] webhook_secret",
        )
    meeting_filter = MeetingFilter(settings.zoom.topic_pattern, settings.zoom.min_duration)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.debug("webhook: " + format, *args)

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state = StateDB(state_path)
            try:
                reply = handle_event(
                    secret, dict(self.headers.items()), body, state, meeting_filter
                )
            finally:
                state.close()
            data = json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            if reply.body.get("status") == "queued" and on_queued is not None:
                on_queued(reply.body["uuid"])

    return ThreadingHTTPServer((host, port), Handler)
