"""The YouTube Data API v3, spoken through the real google-api-python-client.

The client is built from the discovery document bundled with the library, with its root URL
replaced by the `youtube.api_root` setting (uploads included), and credentials built by hand
so that refreshes go to `youtube.token_uri`. Reads and idempotent writes are retried with
backoff on network errors and 5xx answers; inserts (captions, playlist items) are sent once
per attempt and looked for before every attempt, so a lost answer never makes a second one.
What cannot be retried becomes a typed error with a hint. Resumable video uploads are in
`youtube_uploads`.
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
import requests
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
    network = (
        ConnectionError,
        socket.timeout,
        TimeoutError,
        httplib2.HttpLib2Error,
        TransportError,
        requests.RequestException,
    )
    return isinstance(exc, network) and not isinstance(exc, httplib2.RedirectMissingLocation)


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


class ChunkedFile(MediaFileUpload):
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
        #: a requests session for inserts sent exactly once (see `send_once`)
        self._session = None

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

    def _send_raw(self, request) -> Any:
        """Send a request once through `requests`: no retry here and none in the HTTP layer
        (httplib2 re-sends a request whose connection closed unanswered, which for an insert
        that was carried out makes a second one). A 401 is refreshed and replayed by the
        session, as it was not carried out. Raises HttpError or a requests error."""
        from google.auth.transport.requests import AuthorizedSession

        if self._session is None:
            self._session = AuthorizedSession(self.credentials)
        answer = self._session.request(
            request.method,
            request.uri,
            data=request.body,
            headers=request.headers,
            timeout=self.settings.timeout,
        )
        resp = httplib2.Response({"status": str(answer.status_code), **answer.headers})
        if answer.status_code >= 300:
            raise HttpError(resp, answer.content, uri=request.uri)
        return request.postproc(resp, answer.content)

    def insert_unless_found(
        self,
        action: str,
        request,
        find: Callable[[], dict | None],
        media: str | None = None,
    ) -> tuple[dict | None, bool]:
        """Look with `find` whether the thing is there already; if not, insert it with
        `request` sent once. After a failure whose outcome is unknown (a timeout, a dropped
        connection, a 5xx) the next attempt looks again before it inserts. Returns what was
        found or inserted (None in a dry run) and whether it was there before this call."""
        if self.dry_run:
            body = json.loads(request.body) if request.body and not media else None
            self.planned.append(PlannedRequest(request.method, request.uri, body, media))
            return None, False
        tries = 0

        def attempt() -> tuple[dict, bool]:
            nonlocal tries
            tries += 1
            found = find()
            if found is not None:
                return found, tries == 1
            return self._send_raw(request), False

        return self.call(action, attempt)

    # -- videos -----------------------------------------------------------------------------
    def get_video(self, video_id: str, parts: str = "snippet,status") -> dict | None:
        """The video resource, or None when no such video is visible to the account."""
        found = self.get_videos([video_id], parts)
        return found[0] if found else None

    def get_videos(self, video_ids: list[str], parts: str = "snippet,status") -> list[dict]:
        """The resources of up to 50 videos, in the order asked (missing ones left out)."""
        request = self.service.videos().list(part=parts, id=",".join(video_ids))
        what = f"video {video_ids[0]}" if len(video_ids) == 1 else f"{len(video_ids)} videos"
        found = self.call(f"reading {what}", request.execute)
        by_id = {v["id"]: v for v in (found or {}).get("items") or []}
        return [by_id[v] for v in video_ids if v in by_id]

    def update_video(self, body: dict, parts: str) -> dict | None:
        request = self.service.videos().update(part=parts, body=body)
        return self._send(f"updating video {body.get('id')}", request)

    def update_broadcast_status(self, broadcast_id: str, status: dict) -> dict | None:
        request = self.service.liveBroadcasts().update(
            part="status", body={"id": broadcast_id, "status": status}
        )
        return self._send(f"updating broadcast {broadcast_id}", request)

    def set_thumbnail(self, video_id: str, image: Path) -> dict | None:
        """Set (or replace) the thumbnail: idempotent, so retried like a read."""
        media = MediaFileUpload(str(image), mimetype="image/jpeg")
        request = self.service.thumbnails().set(videoId=video_id, media_body=media)
        note = f"{image.name}, {image.stat().st_size} bytes, image/jpeg"
        return self._send(f"setting the thumbnail of {video_id}", request, note)

    # -- captions ---------------------------------------------------------------------------
    def list_captions(self, video_id: str) -> list[dict]:
        """The video's caption tracks (50 quota units)."""
        request = self.service.captions().list(part="snippet", videoId=video_id)
        found = self.call(f"listing the captions of {video_id}", request.execute)
        return (found or {}).get("items") or []

    def find_caption(self, video_id: str, language: str, name: str) -> dict | None:
        """The video's caption track with this language and name, or None."""
        for track in self.list_captions(video_id):
            snippet = track.get("snippet") or {}
            if snippet.get("language") == language and snippet.get("name") == name:
                return track
        return None

    def insert_caption(
        self, video_id: str, srt: Path, language: str, name: str
    ) -> tuple[dict | None, bool]:
        """The track named `name` in `language`: the one already there, else inserted from
        `srt` (looked for again before any second try). Returns it and whether it was there
        before."""
        media = MediaFileUpload(str(srt), mimetype="application/x-subrip")
        body = {"snippet": {"videoId": video_id, "language": language, "name": name}}
        request = self.service.captions().insert(part="snippet", body=body, media_body=media)
        note = f"{srt.name}, {srt.stat().st_size} bytes, application/x-subrip"
        return self.insert_unless_found(
            f"uploading captions of {video_id}",
            request,
            lambda: self.find_caption(video_id, language, name),
            note,
        )

    def replace_caption(self, caption_id: str, srt: Path) -> dict | None:
        """Replace the file of an existing track (captions.update: idempotent)."""
        media = MediaFileUpload(str(srt), mimetype="application/x-subrip")
        request = self.service.captions().update(
            part="id", body={"id": caption_id}, media_body=media
        )
        note = f"{srt.name}, {srt.stat().st_size} bytes, application/x-subrip"
        return self._send(f"replacing caption track {caption_id}", request, note)

    # -- playlists --------------------------------------------------------------------------
    def find_playlist_item(self, playlist_id: str, video_id: str) -> dict | None:
        """The playlist's item holding the video, or None (1 quota unit)."""
        request = self.service.playlistItems().list(
            part="id", playlistId=playlist_id, videoId=video_id, maxResults=1
        )
        found = self.call(f"looking for {video_id} in playlist {playlist_id}", request.execute)
        items = (found or {}).get("items") or []
        return items[0] if items else None

    def add_to_playlist(self, playlist_id: str, video_id: str) -> tuple[dict | None, bool]:
        """The playlist item of the video: the one already there, else inserted. Returns it
        and whether it was there before."""
        body = {
            "snippet": {
                "playlistId": playlist_id,
                "resourceId": {"kind": "youtube#video", "videoId": video_id},
            }
        }
        request = self.service.playlistItems().insert(part="snippet", body=body)
        return self.insert_unless_found(
            f"adding {video_id} to playlist {playlist_id}",
            request,
            lambda: self.find_playlist_item(playlist_id, video_id),
        )

    def uploads_playlist(self) -> str:
        """The ID of the channel's uploads playlist (channels.list, 1 quota unit).

        Raises ServiceError when the account has no channel."""
        request = self.service.channels().list(part="contentDetails", mine=True)
        found = self.call("reading the channel", request.execute)
        for channel in (found or {}).get("items") or []:
            uploads = (channel.get("contentDetails") or {}).get("relatedPlaylists", {})
            if uploads.get("uploads"):
                return uploads["uploads"]
        raise ServiceError(
            "the YouTube account has no channel to upload to",
            hint="create the channel on youtube.com, then run again",
        )

    def list_playlist_page(self, playlist_id: str, page_token: str | None) -> dict:
        """One page (50 items) of a playlist, newest first for the uploads playlist."""
        request = self.service.playlistItems().list(
            part="snippet", playlistId=playlist_id, maxResults=50, pageToken=page_token
        )
        return self.call(f"listing playlist {playlist_id}", request.execute) or {}
