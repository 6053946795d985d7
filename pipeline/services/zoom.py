"""Zoom Cloud Recording client: Server-to-Server OAuth (token cached until it expires, asked
again on a 401), listing recordings in month windows across pages, one meeting's recordings
by ID or UUID, moving recordings to the trash, and resumable downloads (see zoom_download).

Every request is retried with backoff on 5xx, 429 (honouring Retry-After, seconds or a date)
and dropped connections. Tokens and signed URLs never reach a log line. A `gate` shared by
several clients (the distributed batch's workers) makes a 429 that one of them gets hold back
every one of them until the Retry-After has passed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import requests
import tenacity

from pipeline.errors import ConfigError, ZoomError, ZoomTransientError
from pipeline.settings import ZoomSettings
from pipeline.zoom.recordings import ZoomMeeting

log = logging.getLogger(__name__)

PAGE_SIZE = 300
#: seconds before expiry at which a cached token is no longer used
TOKEN_MARGIN = 60
TIMEOUT = (10, 60)
#: a longer Retry-After (a daily limit) is not waited for: the next run tries again
MAX_RETRY_AFTER_S = 300.0


class RequestGate(Protocol):
    """What a client asks before each request and tells after a 429."""

    def wait(self) -> float:
        """Block until requests may be sent; return the seconds waited."""
        ...

    def pause(self, seconds: float) -> None:
        """Zoom asked for `seconds` of rest."""
        ...


def mask(secret: str) -> str:
    """First 4 and last 4 characters of a secret, the rest starred."""
    return secret[:4] + "****" + secret[-4:] if len(secret) > 12 else "****"


def redact_url(url: str) -> str:
    """A URL safe to log: scheme, host and path; any query (tokens, signatures) dropped."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?…" if parts.query else "")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta seconds, an HTTP date, or an ISO date.
    None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    now = now or datetime.now(UTC)
    moment: datetime | None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


def encode_meeting_id(meeting: str | int) -> str:
    """A meeting ID or UUID as a path segment; a UUID that starts with `/` or holds `//` is
    encoded twice, as Zoom requires."""
    text = str(meeting)
    once = quote(text, safe="")
    if text.startswith("/") or "//" in text:
        return quote(once, safe="")
    return once


def month_windows(start: date, end: date) -> list[tuple[date, date]]:
    """Split [start, end] (inclusive) into windows Zoom accepts: each at most 30 days."""
    windows = []
    cursor = start
    while cursor <= end:
        stop = min(end, cursor + timedelta(days=30))
        windows.append((cursor, stop))
        cursor = stop + timedelta(days=1)
    return windows


def transient_from_response(resp: requests.Response, what: str) -> ZoomTransientError:
    error = ZoomTransientError(
        f"Zoom answered {resp.status_code} to {what}",
        hint="a temporary failure; the next run retries it",
    )
    error.retry_after = parse_retry_after(resp.headers.get("Retry-After"))
    return error


def _zoom_message(resp: requests.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return resp.reason or ""
    return str(data.get("message") or data.get("reason") or data.get("error") or "")


class ZoomClient:
    """Talks to one Zoom account. `sleep` and `backoff` exist so tests need not wait."""

    def __init__(
        self,
        settings: ZoomSettings,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_tries: int | None = None,
        backoff: float | None = None,
        page_size: int = PAGE_SIZE,
        gate: RequestGate | None = None,
    ):
        self.settings = settings
        self.session = session or requests.Session()
        self.sleep = sleep
        self.max_tries = settings.retries if max_tries is None else max_tries
        self.backoff = settings.retry_backoff if backoff is None else backoff
        self.page_size = page_size
        self.gate = gate
        self._token: str | None = None
        self._token_expires = 0.0

    # -- retries ----------------------------------------------------------------------------
    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return float(retry_after)
        return min(60.0, self.backoff * 2 ** (state.attempt_number - 1))

    def retrying(self) -> tenacity.Retrying:
        """The retry policy: transient Zoom errors, up to `max_tries` attempts."""
        return tenacity.Retrying(
            retry=tenacity.retry_if_exception(
                lambda e: (
                    isinstance(e, ZoomTransientError)
                    and (e.retry_after or 0.0) <= MAX_RETRY_AFTER_S
                )
            ),
            stop=tenacity.stop_after_attempt(self.max_tries),
            wait=self._wait,
            sleep=self.sleep,
            reraise=True,
            before_sleep=lambda s: log.info(
                "zoom: retrying after %s", s.outcome.exception() if s.outcome else "?"
            ),
        )

    # -- auth -------------------------------------------------------------------------------
    def token(self) -> str:
        """A valid access token, asked for when none is cached or it is about to expire.

        Raises ConfigError when credentials are missing, ZoomError when Zoom refuses them."""
        if self._token and time.monotonic() < self._token_expires - TOKEN_MARGIN:
            return self._token
        s = self.settings
        missing = [
            name
            for name, value in (
                ("ZOOM_ACCOUNT_ID", s.account_id),
                ("ZOOM_CLIENT_ID", s.client_id),
                ("ZOOM_CLIENT_SECRET", s.client_secret),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                f"Zoom credentials missing: {', '.join(missing)}",
                hint="create a Server-to-Server OAuth app in the Zoom marketplace and set "
                "these variables (or [zoom] keys in pipeline.toml)",
            )
        for attempt in self.retrying():
            with attempt:
                resp = self._send(
                    "POST",
                    s.oauth_url,
                    params={"grant_type": "account_credentials", "account_id": s.account_id},
                    auth=(s.client_id, s.client_secret),
                )
                if resp.status_code == 429 or resp.status_code >= 500:
                    raise transient_from_response(resp, "the token request")
                if resp.status_code != 200:
                    raise ZoomError(
                        f"Zoom refused the credentials ({resp.status_code}: {_zoom_message(resp)})",
                        hint="check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET of the "
                        "Server-to-Server OAuth app, and that the app is activated",
                    )
                data = resp.json()
        self._token = str(data["access_token"])
        self._token_expires = time.monotonic() + float(data.get("expires_in", 3600))
        log.debug("zoom: new access token %s", mask(self._token))
        return self._token

    def forget_token(self) -> None:
        self._token = None

    # -- requests ---------------------------------------------------------------------------
    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        log.debug("zoom: %s %s", method, redact_url(url))
        kwargs.setdefault("timeout", TIMEOUT)
        if self.gate is not None:
            self.gate.wait()
        try:
            resp = self.session.request(method, url, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise ZoomTransientError(
                f"cannot reach Zoom at {redact_url(url)}: {type(exc).__name__}",
                hint="check the network; the next run retries",
            ) from None
        if resp.status_code == 429 and self.gate is not None:
            wait = parse_retry_after(resp.headers.get("Retry-After"))
            self.gate.pause(self.backoff if wait is None else wait)
        return resp

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """An API call with the bearer token; a 401 gets one new token and one more try.
        Returns the response (2xx or 404); raises ZoomError / ZoomTransientError otherwise."""
        url = self.settings.api_url.rstrip("/") + path
        for attempt in self.retrying():
            with attempt:
                resp = self._authorized(method, url, **kwargs)
                if resp.status_code == 429 or resp.status_code >= 500:
                    raise transient_from_response(resp, f"{method} {path.split('?')[0]}")
        if resp.status_code >= 400 and resp.status_code != 404:
            raise ZoomError(
                f"Zoom refused {method} {path}: {resp.status_code} {_zoom_message(resp)}",
                hint="check the app's scopes (cloud_recording read/write) and the meeting ID",
            )
        return resp

    def get_file(
        self, url: str, headers: dict[str, str], token: str | None = None
    ) -> requests.Response:
        """A streamed GET of a download URL, following the redirect to the file; with the
        app's token (renewed on a 401), or with `token` (a webhook's download token).
        Raises ZoomTransientError when Zoom cannot be reached."""
        if token:
            return self._send(
                "GET", url, headers={**headers, "Authorization": f"Bearer {token}"}, stream=True
            )
        return self._authorized("GET", url, headers=headers, stream=True)

    def _authorized(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        extra = kwargs.pop("headers", {})
        for renewed in (False, True):
            headers = {**extra, "Authorization": f"Bearer {self.token()}"}
            resp = self._send(method, url, headers=headers, **kwargs)
            if resp.status_code != 401 or renewed:
                return resp
            log.info("zoom: access token rejected; asking for a new one")
            self.forget_token()
        return resp

    # -- recordings -------------------------------------------------------------------------
    def list_recordings(self, start: date, end: date) -> Iterator[ZoomMeeting]:
        """Every meeting with cloud recordings that started in [start, end] (UTC dates),
        newest first within each month window, following next_page_token."""
        user = quote(self.settings.user or "me", safe="@")
        for window_start, window_end in month_windows(start, end):
            token = ""
            while True:
                params: dict[str, Any] = {
                    "from": window_start.isoformat(),
                    "to": window_end.isoformat(),
                    "page_size": self.page_size,
                }
                if token:
                    params["next_page_token"] = token
                resp = self.api("GET", f"/users/{user}/recordings", params=params)
                if resp.status_code == 404:
                    raise ZoomError(
                        f"Zoom user {self.settings.user!r} not found",
                        hint="set zoom.user to the host's email or `me`",
                    )
                data = resp.json()
                for meeting in data.get("meetings", []):
                    yield ZoomMeeting.from_json(meeting)
                token = data.get("next_page_token") or ""
                if not token:
                    break

    def get_meeting(self, meeting: str | int) -> ZoomMeeting:
        """The recordings of one meeting: a UUID, or an ID (its latest instance).
        Raises ZoomError when Zoom has none."""
        resp = self.api("GET", f"/meetings/{encode_meeting_id(meeting)}/recordings")
        if resp.status_code == 404:
            raise ZoomError(
                f"Zoom has no cloud recording for meeting {meeting}",
                hint="check the ID with `pipeline batch --dry-run`; recordings in the trash are not listed",
            )
        return ZoomMeeting.from_json(resp.json())

    def trash_meeting_recordings(self, uuid: str) -> None:
        """Move every recording file of meeting `uuid` to Zoom's trash (kept 30 days)."""
        resp = self.api(
            "DELETE", f"/meetings/{encode_meeting_id(uuid)}/recordings", params={"action": "trash"}
        )
        if resp.status_code == 404:
            log.info("zoom: meeting %s already gone", uuid)
