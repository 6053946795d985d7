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
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from typing import Any


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
        #: next_page_token -> offset into the listing
        self.page_tokens: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> ZoomEmulator:
        from tests.emulators.zoom_handler import ZoomHandler

        handler = type("BoundZoomHandler", (ZoomHandler,), {"emulator": self})
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
