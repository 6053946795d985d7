"""Receiver of Zoom webhooks (`pipeline webhook`): verifies `x-zm-signature`, answers the
`endpoint.url_validation` challenge, and queues every `recording.completed` meeting that the
topic/length filter takes in the state database, with its download token, for the batch."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pipeline.batch.ledger import StateDB, ledger_location
from pipeline.errors import ConfigError, PipelineError
from pipeline.settings import Settings
from pipeline.zoom.recordings import MeetingFilter, ZoomMeeting

log = logging.getLogger(__name__)

#: requests whose timestamp is further than this from now are refused (replays)
MAX_SKEW_S = 300
#: Zoom's recording.completed events are a few KB; a larger body is refused unread
MAX_BODY_BYTES = 256 * 1024
#: seconds a connection may stay silent before it is dropped (a slow client cannot hold a
#: thread forever)
SOCKET_TIMEOUT_S = 10


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
    open_state: Callable[[], StateDB],
    meeting_filter: MeetingFilter,
    *,
    now: float | None = None,
) -> WebhookReply:
    """Verify and act on one webhook call. Returns the reply to send.

    The signature and the timestamp are checked before anything else: an unsigned call
    never opens the ledger (`open_state` is called only for a verified one, and the ledger
    is closed again before returning). A verified call seen before is a replay, refused."""
    lower = {k.lower(): v for k, v in headers.items()}
    timestamp = lower.get("x-zm-request-timestamp", "")
    sent = lower.get("x-zm-signature", "")
    if not timestamp.isdigit() or not hmac.compare_digest(sent, signature(secret, timestamp, body)):
        return WebhookReply(401, {"error": "bad signature"})
    if abs((now or time.time()) - int(timestamp)) > MAX_SKEW_S:
        return WebhookReply(401, {"error": "stale timestamp"})
    state = open_state()
    try:
        if not state.first_sighting(hashlib.sha256(sent.encode()).hexdigest()):
            return WebhookReply(409, {"error": "replayed request"})
        return _act(secret, body, state, meeting_filter)
    finally:
        state.close()


def _act(secret: str, body: bytes, state: StateDB, meeting_filter: MeetingFilter) -> WebhookReply:
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
    socket_timeout: float = SOCKET_TIMEOUT_S,
) -> ThreadingHTTPServer:
    """An HTTP server answering Zoom's webhook calls on any path; a connection silent for
    `socket_timeout` seconds is dropped. Raises ConfigError without a webhook secret."""
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

        timeout = socket_timeout

        def do_POST(self) -> None:  # noqa: N802
            length = self.headers.get("Content-Length") or ""
            if not length.isdigit():
                reply = WebhookReply(411, {"error": "Content-Length required"})
            elif int(length) > MAX_BODY_BYTES:
                reply = WebhookReply(413, {"error": f"body over {MAX_BODY_BYTES} bytes"})
            else:
                body = self.rfile.read(int(length))
                reply = handle_event(
                    secret, dict(self.headers.items()), body, lambda: StateDB(state_path),
                    meeting_filter,
                )  # fmt: skip
            self._reply(reply)
            if reply.body.get("status") == "queued" and on_queued is not None:
                on_queued(reply.body["uuid"])

        def _reply(self, reply: WebhookReply) -> None:
            data = json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            if reply.status >= 400:
                self.close_connection = True

    return ThreadingHTTPServer((host, port), Handler)


def batch_on_wake(
    settings: Settings, wake: threading.Event, echo: Callable[[str], None]
) -> None:
    """`pipeline webhook --process`: run the batch each time `wake` is set, for ever. A batch
    already running will not see a new row (it listed before), so the next wake-up or night
    picks it up. Every error is logged with its traceback and echoed; none ends the loop."""
    from pipeline.batch.nightly import run_batch

    while True:
        wake.wait()
        wake.clear()
        try:
            report = run_batch(settings)
        except PipelineError as exc:
            log.error("webhook: batch not run: %s", exc.one_line())
            echo(f"batch not run: {exc.one_line()}")
            continue
        except Exception as exc:  # the worker must outlive any one failure
            log.exception("webhook: batch failed")
            echo(f"batch failed: {type(exc).__name__}: {exc}")
            continue
        for outcome in report.outcomes:
            echo(f"{outcome.result}: {outcome.topic} {outcome.video_url or outcome.error or ''}")


def serve_webhooks(
    settings: Settings,
    host: str,
    port: int,
    *,
    process: bool = False,
    echo: Callable[[str], None] = lambda line: None,
) -> ThreadingHTTPServer:
    """The webhook server over the ledger of `settings` (opened now, so that a bad path
    fails before the first event), with the batch worker thread when `process`."""
    path = ledger_location(settings)
    StateDB(path).close()
    wake = threading.Event()

    def queued(uuid: str) -> None:
        echo(f"queued {uuid}")
        wake.set()

    server = make_server(settings, path, host, port, on_queued=queued)
    if process:
        threading.Thread(target=batch_on_wake, args=(settings, wake, echo), daemon=True).start()
    return server
