"""The YouTube Data API v3, spoken through the real google-api-python-client.

The client is built from the discovery document bundled with the library, with its root URL
replaced by the `youtube.api_root` setting (uploads included), and credentials built by hand
so that refreshes go to `youtube.token_uri`. Every call is retried with backoff on network
errors and 5xx answers; what cannot be retried becomes a typed error with a hint.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import google_auth_httplib2
import httplib2
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials
from googleapiclient import discovery_cache
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaFileUpload, build_http
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from pipeline.errors import (
    AuthError,
    QuotaExceededError,
    ServiceError,
    TransientServiceError,
)
from pipeline.services.youtube_auth import AUTH_HINT, load_credentials, save_credentials
from pipeline.settings import YoutubeSettings

log = logging.getLogger(__name__)

CHUNK_UNIT = 256 * 1024
_RETRY_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "backendError"}
_QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}


def quota_reset_time(now: dt.datetime | None = None) -> dt.datetime:
    """When the daily quota resets: the next midnight in the Pacific time zone (as UTC)."""
    pacific = ZoneInfo("America/Los_Angeles")
    local = (now or dt.datetime.now(dt.UTC)).astimezone(pacific)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), pacific)
    return midnight.astimezone(dt.UTC)


def _error_reason(exc: HttpError) -> tuple[str, str]:
    """(reason, message) of an API error answer."""
    try:
        error = json.loads(exc.content.decode("utf-8"))["error"]
        first = (error.get("errors") or [{}])[0]
        return first.get("reason", ""), error.get("message", "") or first.get("message", "")
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return "", (exc.content or b"")[:200].decode("utf-8", "replace")


def _is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, HttpError):
        status = exc.resp.status
        return status >= 500 or status == 429 or _error_reason(exc)[0] in _RETRY_REASONS
    return isinstance(
        exc, (ConnectionError, socket.timeout, TimeoutError, httplib2.HttpLib2Error, TransportError)
    ) and not isinstance(exc, httplib2.RedirectMissingLocation)


def translate_error(exc: BaseException, action: str) -> Exception:
    """The typed error (from pipeline.errors) for a failure of `action`."""
    if isinstance(exc, RefreshError):
        return AuthError(
            f"YouTube credentials can no longer be refreshed ({exc.args[0] if exc.args else exc})",
            hint=AUTH_HINT,
        )
    if isinstance(exc, HttpError):
        status = exc.resp.status
        reason, message = _error_reason(exc)
        if reason in _QUOTA_REASONS or reason == "uploadLimitExceeded":
            resets = quota_reset_time()
            what = "daily upload limit" if reason == "uploadLimitExceeded" else "API quota"
            return QuotaExceededError(
                f"{action}: YouTube {what} is spent ({reason}); it resets at "
                f"{resets:%Y-%m-%d %H:%M} UTC (midnight Pacific time)",
                hint="run the same command again after that; it resumes where it stopped",
                resets_at=resets.isoformat(),
            )
        if status == 401:
            return AuthError(f"{action}: YouTube refused the credentials ({message})", AUTH_HINT)
        text = f"{action}: YouTube answered {status} {reason or ''} {message}".strip()
        if _is_retryable(exc):
            return TransientServiceError(text, hint="run the same command again to resume")
        hint = None
        if reason == "forbidden" and "thumbnail" in action:
            hint = "the channel may not set custom thumbnails until it is verified"
        return ServiceError(text, hint=hint)
    if _is_retryable(exc):
        return TransientServiceError(
            f"{action}: network error talking to YouTube ({exc!r})",
            hint="check the connection and run the same command again to resume",
        )
    return exc if isinstance(exc, Exception) else RuntimeError(str(exc))


class _ChunkFile(MediaFileUpload):
    """A file upload read chunk by chunk as bytes rather than as a stream slice, so that a
    request the HTTP layer re-sends (after a 401 refresh or a stale connection) carries its
    body again instead of an exhausted stream."""

    def has_stream(self) -> bool:
        return False


@dataclass
class PlannedRequest:
    """A request a dry run would have made."""

    method: str
    uri: str
    body: Any = None
    media: str | None = None

    def describe(self) -> str:
        text = f"{self.method} {self.uri}"
        if self.media:
            text += f"\n  media: {self.media}"
        if self.body is not None:
            text += "\n  " + json.dumps(self.body, indent=2, ensure_ascii=False).replace(
                "\n", "\n  "
            )
        return text


class YouTubeClient:
    """The calls the publisher makes. With `dry_run`, write calls are recorded in `planned`
    and not sent; reads are still made."""

    def __init__(
        self,
        settings: YoutubeSettings,
        credentials: Credentials | None,
        *,
        dry_run: bool = False,
    ):
        self.settings = settings
        self.credentials = credentials
        self.dry_run = dry_run
        self.planned: list[PlannedRequest] = []
        http = build_http()
        http.timeout = settings.timeout
        self.http = (
            google_auth_httplib2.AuthorizedHttp(credentials, http=http) if credentials else http
        )
        doc = json.loads(discovery_cache.get_static_doc("youtube", "v3"))
        root = settings.api_root if settings.api_root.endswith("/") else settings.api_root + "/"
        doc["rootUrl"] = doc["baseUrl"] = root
        doc["mtlsRootUrl"] = root
        self.service = build_from_document(doc, http=self.http)
        self._initial_token = credentials.token if credentials else None

    @classmethod
    def from_settings(cls, settings: YoutubeSettings, *, dry_run: bool = False) -> YouTubeClient:
        """A client with the stored credentials. Raises AuthError without them."""
        return cls(settings, load_credentials(settings), dry_run=dry_run)

    # -- plumbing ---------------------------------------------------------------------------
    def _retrying(self) -> Retrying:
        return Retrying(
            retry=retry_if_exception(_is_retryable),
            stop=stop_after_attempt(max(1, self.settings.retries)),
            wait=wait_exponential(multiplier=self.settings.backoff, max=60),
            reraise=True,
        )

    def call(self, action: str, func: Callable[[], Any]) -> Any:
        """Run `func` with retries; failures become typed errors naming `action`."""
        try:
            for attempt in self._retrying():
                with attempt:
                    return func()
        except Exception as exc:  # noqa: BLE001 - translated into a typed error
            translated = translate_error(exc, action)
            if translated is exc:
                raise
            raise translated from exc
        raise AssertionError("unreachable")

    def _send(self, action: str, request, media: str | None = None) -> Any:
        if self.dry_run:
            body = json.loads(request.body) if request.body and not media else None
            self.planned.append(PlannedRequest(request.method, request.uri, body, media))
            return None
        return self.call(action, request.execute)

    def save_refreshed_token(self) -> bool:
        """Store the token again when it was refreshed during this run. Returns True if so."""
        if self.credentials and self.credentials.token != self._initial_token:
            save_credentials(self.credentials, self.settings.token_file)
            self._initial_token = self.credentials.token
            return True
        return False

    def check(self) -> None:
        """Prove the credentials work by refreshing the access token now (no quota used).

        Raises AuthError when they do not, TransientServiceError when the server is away."""
        from google_auth_httplib2 import Request

        if self.credentials is None:
            raise AuthError("no YouTube credentials", hint=AUTH_HINT)
        plain = build_http()
        plain.timeout = self.settings.timeout
        self.call("checking YouTube credentials", lambda: self.credentials.refresh(Request(plain)))
        self.save_refreshed_token()

    # -- videos -----------------------------------------------------------------------------
    def get_video(self, video_id: str, parts: str = "snippet,status") -> dict | None:
        """The video resource, or None when no such video is visible to the account."""
        request = self.service.videos().list(part=parts, id=video_id)
        found = self.call(f"reading video {video_id}", request.execute)
        items = (found or {}).get("items") or []
        return items[0] if items else None

    def update_video(self, body: dict, parts: str) -> dict | None:
        request = self.service.videos().update(part=parts, body=body)
        return self._send(f"updating video {body.get('id')}", request)

    def update_broadcast_status(self, broadcast_id: str, status: dict) -> dict | None:
        request = self.service.liveBroadcasts().update(
            part="status", body={"id": broadcast_id, "status": status}
        )
        return self._send(f"updating broadcast {broadcast_id}", request)

    def set_thumbnail(self, video_id: str, image: Path) -> dict | None:
        media = MediaFileUpload(str(image), mimetype="image/jpeg")
        request = self.service.thumbnails().set(videoId=video_id, media_body=media)
        note = f"{image.name}, {image.stat().st_size} bytes, image/jpeg"
        return self._send(f"setting the thumbnail of {video_id}", request, note)

    def insert_caption(self, video_id: str, srt: Path, language: str, name: str) -> dict | None:
        media = MediaFileUpload(str(srt), mimetype="application/x-subrip")
        body = {"snippet": {"videoId": video_id, "language": language, "name": name}}
        request = self.service.captions().insert(part="snippet", body=body, media_body=media)
        note = f"{srt.name}, {srt.stat().st_size} bytes, application/x-subrip"
        if self.dry_run:
            self.planned.append(PlannedRequest(request.method, request.uri, body, note))
            return None
        return self.call(f"uploading captions of {video_id}", request.execute)

    def add_to_playlist(self, playlist_id: str, video_id: str) -> dict | None:
        body = {
            "snippet": {
                "playlistId": playlist_id,
                "resourceId": {"kind": "youtube#video", "videoId": video_id},
            }
        }
        request = self.service.playlistItems().insert(part="snippet", body=body)
        return self._send(f"adding {video_id} to playlist {playlist_id}", request)

    # -- resumable upload -------------------------------------------------------------------
    def upload_video(
        self,
        video: Path,
        body: dict,
        *,
        session_uri: str | None = None,
        on_session: Callable[[str], None] | None = None,
        progress: Callable[[float, float | None], None] | None = None,
    ) -> dict | None:
        """Upload `video` with `body` (snippet + status) as a resumable, chunked upload and
        return the new Video resource (None in a dry run).

        `session_uri` (stored by an earlier, interrupted run) resumes that upload from the last
        byte the server confirmed. `on_session` is called with the session URI as soon as it
        is known, so the caller can store it. Raises QuotaExceededError, AuthError,
        TransientServiceError (resumable later) or ServiceError."""
        chunk = max(CHUNK_UNIT, -(-self.settings.chunk_size // CHUNK_UNIT) * CHUNK_UNIT)
        size = video.stat().st_size
        media = _ChunkFile(str(video), mimetype="video/mp4", chunksize=chunk, resumable=True)
        request = self.service.videos().insert(part="snippet,status", body=body, media_body=media)
        if self.dry_run:
            note = (
                f"{video}, {size} bytes, video/mp4; then {-(-size // chunk)} PUT(s) of up to "
                f"{chunk} bytes to the upload session YouTube returns"
            )
            self.planned.append(PlannedRequest(request.method, request.uri, body, note))
            return None
        if session_uri:
            done, offset = self._query_session(session_uri, size)
            if done is not None:
                return done
            if offset is not None:
                request.resumable_uri = session_uri
                request.resumable_progress = offset
                log.info("resuming upload at byte %d of %d", offset, size)
        known = request.resumable_uri
        response = None
        while response is None:
            status, response = self.call("uploading the video", request.next_chunk)
            if request.resumable_uri and request.resumable_uri != known:
                known = request.resumable_uri
                if on_session:
                    on_session(known)
            if progress:
                progress(float(status.resumable_progress if status else size), float(size))
        return response

    def _query_session(self, uri: str, size: int) -> tuple[dict | None, int | None]:
        """Ask an upload session how far it got: (video, None) when complete, (None, offset)
        to resume, (None, None) when the session is gone and the upload must start over."""

        def ask():
            resp, content = self.http.request(
                uri, "PUT", headers={"Content-Range": f"bytes */{size}", "Content-Length": "0"}
            )
            if resp.status >= 500:
                raise HttpError(resp, content, uri=uri)
            return resp, content

        resp, content = self.call("asking YouTube how far the upload got", ask)
        if resp.status in (200, 201):
            return json.loads(content.decode("utf-8")), None
        if resp.status == 308:
            if "range" in resp:
                return None, int(resp["range"].split("-")[1]) + 1
            return None, 0
        if resp.status in (401, 403):
            raise translate_error(HttpError(resp, content, uri=uri), "resuming the upload")
        log.warning("upload session expired (%s); starting the upload over", resp.status)
        return None, None
