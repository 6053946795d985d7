"""The HTTP side of the Zoom emulator (tests/emulators/zoom.py): OAuth token endpoint,
Cloud Recording API, download redirects and Range-served files, with injected faults."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.emulators.zoom import EmulatedMeeting, ZoomEmulator

CONTENT_TYPES = {"MP4": "video/mp4", "M4A": "audio/mp4", "TXT": "text/plain", "VTT": "text/vtt"}


class ZoomHandler(BaseHTTPRequestHandler):
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
            offset = self.emulator.page_tokens.get(query["next_page_token"][0], -1)
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
            self.emulator.page_tokens[token] = offset + page_size
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
