"""A local emulator of Zoom's Server-to-Server OAuth token endpoint, the Cloud Recording API
(list a user's recordings, get/delete one meeting's recordings) and the recording downloads
(302 to a signed file URL that honours Range), answering as the real service does
(/work/shared/api/zoom-cloud-recording.openapi.json; its own tests validate every response).

Faults are injected through methods: `expire_tokens`, `fail_next` (any status, optional
Retry-After), `drop_download` (connection closed mid-body), `html_download` (an HTML page with
200), `stall_download` (hold a download mid-body until released), and recordings that are
still processing, carry several MP4 views, or span many pages."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

CONTENT_TYPES = {"MP4": "video/mp4", "M4A": "audio/mp4", "TXT": "text/plain", "VTT": "text/vtt"}


@dataclass
class EmulatedFile:
    file_type: str  # MP4, M4A, CHAT, TRANSCRIPT ...
    recording_type: str
    content: bytes
    status: str = "completed"
    id: str = field(default_factory=lambda: secrets.token_hex(8))

    @property
    def extension(self) -> str:
        return {"CHAT": "TXT", "TRANSCRIPT": "VTT"}.get(self.file_type, self.file_type)


@dataclass
class EmulatedMeeting:
    uuid: str
    id: int
    topic: str
    start_time: datetime
    duration: int  # minutes
    files: list[EmulatedFile] = field(default_factory=list)


@dataclass
class Fault:
    path_prefix: str
    status: int
    remaining: int
    retry_after: str | None = None
    body: dict[str, Any] | None = None


@dataclass
class DownloadFault:
    kind: str  # "drop", "html", "stall"
    remaining: int
    after_bytes: int = 0
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ZoomEmulator:
    """The emulated account. `start()` serves it on 127.0.0.1 at a free port."""

    def __init__(
        self,
        account_id: str = "acc-emulated",
        client_id: str = "client-emulated",
        client_secret: str = "secret-emulated",
    ):
        self.account_id = account_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.meetings: list[EmulatedMeeting] = []
        self.tokens: set[str] = set()
        self.download_tokens: set[str] = set()
        self.faults: list[Fault] = []
        self.download_faults: dict[str, list[DownloadFault]] = {}
        #: every request: (method, path with query, headers dict)
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        #: (file id, first byte asked for) per file-body request
        self.downloads: list[tuple[str, int]] = []
        self.deleted: list[str] = []
        self.token_requests = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> ZoomEmulator:
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        for faults in self.download_faults.values():
            for fault in faults:
                fault.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/v2"

    @property
    def oauth_url(self) -> str:
        return f"{self.url}/oauth/token"

    def env(self) -> dict[str, str]:
        """Environment variables that point the pipeline at this emulator."""
        return {
            "ZOOM_ACCOUNT_ID": self.account_id,
            "ZOOM_CLIENT_ID": self.client_id,
            "ZOOM_CLIENT_SECRET": self.client_secret,
            "PIPELINE_ZOOM_API_URL": self.api_url,
            "PIPELINE_ZOOM_OAUTH_URL": self.oauth_url,
        }

    # -- the account ------------------------------------------------------------------------
    def add_meeting(
        self,
        topic: str,
        start_time: datetime,
        files: list[EmulatedFile],
        *,
        duration: int = 45,
        uuid: str | None = None,
        meeting_id: int | None = None,
    ) -> EmulatedMeeting:
        meeting = EmulatedMeeting(
            uuid=uuid or base64.b64encode(secrets.token_bytes(16)).decode(),
            id=meeting_id or 80000000000 + len(self.meetings),
            topic=topic,
            start_time=start_time,
            duration=duration,
            files=files,
        )
        self.meetings.append(meeting)
        return meeting

    def find_file(self, file_id: str) -> EmulatedFile | None:
        for meeting in self.meetings:
            for f in meeting.files:
                if f.id == file_id:
                    return f
        return None

    # -- faults -----------------------------------------------------------------------------
    def expire_tokens(self) -> None:
        """Every access token handed out so far becomes invalid (401, code 124)."""
        self.tokens.clear()

    def fail_next(
        self,
        path_prefix: str,
        status: int,
        times: int = 1,
        *,
        retry_after: str | None = None,
    ) -> None:
        """The next `times` requests whose path starts with `path_prefix` get `status`."""
        body = {"code": status, "message": "Internal error."}
        if status == 429:
            body = {
                "code": 429,
                "message": "You have reached the maximum per-second rate limit for this API. "
                "Try again later.",
            }
        self.faults.append(Fault(path_prefix, status, times, retry_after, body))

    def _download_fault(self, file_id: str, fault: DownloadFault) -> DownloadFault:
        self.download_faults.setdefault(file_id, []).append(fault)
        return fault

    def drop_download(self, file_id: str, after_bytes: int, times: int = 1) -> DownloadFault:
        """Close the connection after `after_bytes` of the body, `times` times."""
        return self._download_fault(file_id, DownloadFault("drop", times, after_bytes))

    def html_download(self, file_id: str, times: int = 1) -> DownloadFault:
        """Answer the download with an HTML page and status 200, `times` times."""
        return self._download_fault(file_id, DownloadFault("html", times))

    def stall_download(self, file_id: str, after_bytes: int) -> DownloadFault:
        """Send `after_bytes`, set `.reached`, then hold until `.release` is set."""
        return self._download_fault(file_id, DownloadFault("stall", 1, after_bytes))

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.remaining > 0 and path.startswith(fault.path_prefix):
                    fault.remaining -= 1
                    return fault
        return None

    def take_download_fault(self, file_id: str) -> DownloadFault | None:
        with self._lock:
            for fault in self.download_faults.get(file_id, []):
                if fault.remaining > 0:
                    fault.remaining -= 1
                    return fault
        return None

    # -- JSON as the API sends it -----------------------------------------------------------
    def file_json(self, meeting: EmulatedMeeting, f: EmulatedFile) -> dict[str, Any]:
        end = meeting.start_time + timedelta(minutes=meeting.duration)
        data = {
            "id": f.id,
            "meeting_id": meeting.uuid,
            "recording_start": _iso(meeting.start_time),
            "recording_end": _iso(end),
            "file_type": f.file_type,
            "file_extension": f.extension,
            "file_size": len(f.content),
            "play_url": f"{self.url}/rec/play/{f.id}",
            "download_url": f"{self.url}/rec/download/{f.id}",
            "status": f.status,
            "recording_type": f.recording_type,
        }
        return data

    def meeting_json(self, meeting: EmulatedMeeting) -> dict[str, Any]:
        return {
            "uuid": meeting.uuid,
            "id": meeting.id,
            "account_id": self.account_id,
            "host_id": "host-emulated",
            "topic": meeting.topic,
            "type": 2,  # an integer, as the real service sends (the spec says string)
            "start_time": _iso(meeting.start_time),
            "duration": meeting.duration,
            "total_size": sum(len(f.content) for f in meeting.files),
            "recording_count": len(meeting.files),
            "recording_files": [self.file_json(meeting, f) for f in meeting.files],
        }

    def webhook_event(self, meeting: EmulatedMeeting) -> dict[str, Any]:
        """A `recording.completed` event for `meeting`, with a fresh download token."""
        token = secrets.token_urlsafe(24)
        self.download_tokens.add(token)
        return {
            "event": "recording.completed",
            "event_ts": int(datetime.now(UTC).timestamp() * 1000),
            "payload": {"account_id": self.account_id, "object": self.meeting_json(meeting)},
            "download_token": token,
        }


_PAGE_TOKENS: dict[str, int] = {}


class _Handler(BaseHTTPRequestHandler):
    emulator: ZoomEmulator
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet server
        pass

    # -- plumbing ---------------------------------------------------------------------------
    def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _record(self) -> tuple[str, dict[str, list[str]]]:
        split = urlsplit(self.path)
        self.emulator.requests.append((self.command, self.path, dict(self.headers.items())))
        return split.path, parse_qs(split.query, keep_blank_values=True)

    def _bearer_ok(self, query: dict[str, list[str]]) -> bool:
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else None
        token = token or (query.get("access_token") or [None])[0]
        return token in self.emulator.tokens or token in self.emulator.download_tokens

    def _injected(self, path: str) -> bool:
        fault = self.emulator.take_fault(path)
        if fault is None:
            return False
        headers = (
            {"X-RateLimit-Type": "QPS", "X-RateLimit-Limit": "30"} if fault.status == 429 else {}
        )
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        self._send(fault.status, fault.body, headers)
        return True

    # -- methods ----------------------------------------------------------------------------
    def do_POST(self) -> None:  # noqa: N802
        path, query = self._record()
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode()) if length else {}
        if self._injected(path):
            return
        if path != "/oauth/token":
            self._send(404, {"code": 404, "message": "Not found."})
            return
        self.emulator.token_requests += 1
        params = {**{k: v[0] for k, v in form.items()}, **{k: v[0] for k, v in query.items()}}
        auth = self.headers.get("Authorization", "")
        try:
            client_id, client_secret = base64.b64decode(auth[6:]).decode().split(":", 1)
        except ValueError:
            client_id, client_secret = params.get("client_id"), params.get("client_secret")
        if (client_id, client_secret) != (self.emulator.client_id, self.emulator.client_secret):
            self._send(
                400, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
            )
            return
        if params.get("grant_type") != "account_credentials":
            self._send(400, {"reason": "Unsupported grant type", "error": "unsupported_grant_type"})
            return
        if params.get("account_id") != self.emulator.account_id:
            self._send(400, {"reason": "Invalid account_id", "error": "invalid_request"})
            return
        token = secrets.token_urlsafe(32)
        self.emulator.tokens.add(token)
        self._send(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": 3600,
                "scope": "cloud_recording:read:list_user_recordings:admin",
                "api_url": self.emulator.url,
            },
        )

    def do_GET(self) -> None:  # noqa: N802
        path, query = self._record()
        if self._injected(path):
            return
        if path.startswith("/file/"):
            self._serve_file(path.removeprefix("/file/"))
            return
        if not self._bearer_ok(query):
            self._send(401, {"code": 124, "message": "Invalid access token."})
            return
        if path.startswith("/rec/download/"):
            file_id = path.removeprefix("/rec/download/")
            if self.emulator.find_file(file_id) is None:
                self._send(404, {"code": 3301, "message": "This recording does not exist."})
                return
            self._send(
                302,
                None,
                {"Location": f"{self.emulator.url}/file/{file_id}?sig={secrets.token_hex(8)}"},
            )
            return
        parts = self.path.split("?")[0].split("/")
        if len(parts) == 5 and parts[1:3] == ["v2", "users"] and parts[4] == "recordings":
            self._list_recordings(query)
            return
        if len(parts) == 5 and parts[1:3] == ["v2", "meetings"] and parts[4] == "recordings":
            meeting = self._meeting(parts[3])
            if meeting is None:
                self._send(
                    404, {"code": 3301, "message": "There is no recording for this meeting."}
                )
            else:
                self._send(200, self.emulator.meeting_json(meeting))
            return
        self._send(404, {"code": 404, "message": "Not found."})

    def do_DELETE(self) -> None:  # noqa: N802
        path, query = self._record()
        if self._injected(path):
            return
        if not self._bearer_ok(query):
            self._send(401, {"code": 124, "message": "Invalid access token."})
            return
        parts = self.path.split("?")[0].split("/")
        meeting = self._meeting(parts[3]) if len(parts) == 5 else None
        if meeting is None:
            self._send(404, {"code": 3301, "message": "There is no recording for this meeting."})
            return
        self.emulator.meetings.remove(meeting)
        self.emulator.deleted.append(meeting.uuid)
        self._send(204)

    # -- endpoints --------------------------------------------------------------------------
    def _meeting(self, raw_segment: str) -> EmulatedMeeting | None:
        once = unquote(raw_segment)
        if once.startswith("/") or "//" in once:
            return None  # a UUID with slashes encoded only once is routed as a path: not found
        value = unquote(once) if "%" in once else once
        if value.isdigit():
            instances = [m for m in self.emulator.meetings if m.id == int(value)]
            return max(instances, key=lambda m: m.start_time) if instances else None
        return next((m for m in self.emulator.meetings if m.uuid == value), None)

    def _list_recordings(self, query: dict[str, list[str]]) -> None:
        allowed = {
            "from",
            "to",
            "page_size",
            "next_page_token",
            "mc",
            "trash",
            "trash_type",
            "meeting_id",
        }
        unknown = set(query) - allowed
        try:
            if unknown:
                raise ValueError(f"unknown parameter(s) {sorted(unknown)}")
            today = datetime.now(UTC).date()
            start = (
                date.fromisoformat(query["from"][0])
                if "from" in query
                else today - timedelta(days=1)
            )
            end = date.fromisoformat(query["to"][0]) if "to" in query else today
            page_size = int(query.get("page_size", ["30"])[0])
            if not 1 <= page_size <= 300:
                raise ValueError("page_size must be 1..300")
        except (ValueError, KeyError) as exc:
            self._send(400, {"code": 300, "message": f"Invalid request: {exc}"})
            return
        if end < start or (end - start).days > 31:
            self._send(400, {"code": 300, "message": "The date range may be at most one month."})
            return
        offset = 0
        if query.get("next_page_token", [""])[0]:
            offset = _PAGE_TOKENS.get(query["next_page_token"][0], -1)
            if offset < 0:
                self._send(
                    400, {"code": 300, "message": "The next page token is invalid or expired."}
                )
                return
        matching = sorted(
            (
                m
                for m in self.emulator.meetings
                if start <= m.start_time.astimezone(UTC).date() <= end
            ),
            key=lambda m: m.start_time,
            reverse=True,
        )
        page = matching[offset : offset + page_size]
        token = ""
        if offset + page_size < len(matching):
            token = secrets.token_urlsafe(12)
            _PAGE_TOKENS[token] = offset + page_size
        self._send(
            200,
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "page_count": max(1, -(-len(matching) // page_size)),
                "page_size": page_size,
                "total_records": len(matching),
                "next_page_token": token,
                "meetings": [self.emulator.meeting_json(m) for m in page],
            },
        )

    def _serve_file(self, file_id: str) -> None:
        f = self.emulator.find_file(file_id)
        if f is None:
            self._send(404, {"code": 3301, "message": "This recording does not exist."})
            return
        start = 0
        range_header = self.headers.get("Range", "")
        if range_header.startswith("bytes=") and range_header[6:].split("-")[0]:
            start = int(range_header[6:].split("-")[0])
        self.emulator.downloads.append((file_id, start))
        fault = self.emulator.take_download_fault(file_id)
        if fault is not None and fault.kind == "html":
            page = b"<html><body><h1>Sign in to Zoom</h1><p>Your session has expired.</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html;charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        if start >= len(f.content) and f.content:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(f.content)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = f.content[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", CONTENT_TYPES.get(f.extension, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        if start:
            self.send_header(
                "Content-Range", f"bytes {start}-{len(f.content) - 1}/{len(f.content)}"
            )
        self.end_headers()
        if fault is not None and fault.kind in ("drop", "stall"):
            self.wfile.write(body[: fault.after_bytes])
            self.wfile.flush()
            if fault.kind == "stall":
                fault.reached.set()
                fault.release.wait(timeout=120)
            self.close_connection = True
            return
        self.wfile.write(body)
