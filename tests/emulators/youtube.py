"""A local YouTube Data API v3 emulator that the real google-api-python-client talks to.

It answers the way /work/shared/api/README.md says the real service does: resumable uploads
(200 + Location, 308 + Range, `bytes */N` status queries, 200 with the Video when done),
videos.list/update, thumbnails.set, captions.list/insert/update, channels.list (`mine=true`:
the channel and its uploads playlist), playlistItems.list (the uploads playlist lists every
video of the channel, private ones included for its owner, newest first, 50 a page at most)
and playlistItems.insert, liveBroadcasts.update and the OAuth token endpoint (refresh and the
installed-app code exchange). Every JSON body is validated against the schema of the discovery
document bundled with googleapiclient (unknown fields rejected) and against YouTube's field
rules; quota is counted; everything received is stored for the tests to assert on. Its own
tests (test_youtube_emulator.py) validate its answers against the same schemas.

Every request is counted (`requests_seen`, token refreshes included; `request_log` names
them), and `hold_request(k)` holds the answer to request k: the crash-point tests kill the
client while it waits, after the emulator has done what the request asked (the last chunk of
an upload makes the video) or, with `carried_out=False`, before it has done anything.

Faults are injected per test with the methods of `YouTubeEmulator` (`fail_chunk`,
`drop_chunk`, `lose_answer`, `hold_chunk`, `hold_request`, `lose_request`, `stall_next`,
`expire_tokens`, `revoke_refresh_token`, `revoke_after_refreshes`, `exhaust_quota`,
`limit_uploads`, `forbid_thumbnails`).

Not emulated: real YouTube may take a while to show a new upload in the uploads playlist;
here it is there at once.
"""

from __future__ import annotations

import datetime as dt
import email.parser
import itertools
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jsonschema
import srt
from googleapiclient import discovery_cache

SCOPES = tuple(
    "https://www.googleapis.com/auth/" + name
    for name in ("youtube.upload", "youtube", "youtube.force-ssl")
)
QUOTA_COST = {
    "videos.insert": 1600,
    "videos.list": 1,
    "videos.update": 50,
    "thumbnails.set": 50,
    "captions.list": 50,
    "captions.insert": 400,
    "captions.update": 450,
    "channels.list": 1,
    "playlistItems.list": 1,
    "playlistItems.insert": 50,
    "liveBroadcasts.update": 50,
}
CHANNEL_ID = "UCemulatorChannel000000x"
#: a channel's uploads playlist is its ID with UC replaced by UU
UPLOADS_PLAYLIST = "UU" + CHANNEL_ID[2:]
SNIPPET_MUTABLE = ("title", "description", "tags", "categoryId", "defaultLanguage")
STATUS_MUTABLE = (
    "privacyStatus",
    "embeddable",
    "license",
    "publicStatsViewable",
    "publishAt",
    "selfDeclaredMadeForKids",
    "containsSyntheticMedia",
)


def _to_json_schema(node: dict) -> dict:
    """A discovery-document schema as JSON Schema; objects with declared properties reject
    unknown ones, so a misspelled field is an error as it would be a silent no-op upstream."""
    if "$ref" in node:
        return {"$ref": f"#/definitions/{node['$ref']}"}
    out: dict[str, Any] = {}
    if node.get("type") and node["type"] != "any":
        out["type"] = node["type"]
    if "enum" in node:
        out["enum"] = node["enum"]
    if "properties" in node:
        out["properties"] = {k: _to_json_schema(v) for k, v in node["properties"].items()}
        out["additionalProperties"] = False
    if "additionalProperties" in node:
        out["additionalProperties"] = _to_json_schema(node["additionalProperties"])
    if "items" in node:
        out["items"] = _to_json_schema(node["items"])
    return out


_DOC = json.loads(discovery_cache.get_static_doc("youtube", "v3"))
_DEFINITIONS = {name: _to_json_schema(s) for name, s in _DOC["schemas"].items()}


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str, domain: str = "youtube.api"):
        super().__init__(message)
        self.code, self.reason, self.message, self.domain = code, reason, message, domain

    def body(self) -> dict:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "errors": [{"domain": self.domain, "reason": self.reason, "message": self.message}],
            }
        }


def method_scopes(resource: str, method: str) -> frozenset[str]:
    """The scopes of which a token needs one for `resource.method` (discovery document)."""
    return frozenset(_DOC["resources"][resource]["methods"][method]["scopes"])


def validate_resource(kind: str, body: Any) -> None:
    """Raise ApiError(400) unless `body` matches discovery schema `kind`."""
    schema = {"definitions": _DEFINITIONS, "$ref": f"#/definitions/{kind}"}
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(body), key=str)
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path)
        raise ApiError(400, "invalidRequest", f"{kind} {where}: {errors[0].message}")


def check_text_rules(snippet: dict) -> None:
    title = snippet.get("title", "")
    description = snippet.get("description", "")
    if not title.strip():
        raise ApiError(400, "invalidTitle", "The request metadata specifies an empty title.")
    if len(title) > 100 or "<" in title or ">" in title:
        raise ApiError(400, "invalidTitle", "The request metadata specifies an invalid title.")
    if len(description.encode("utf-8")) > 5000 or "<" in description or ">" in description:
        raise ApiError(
            400, "invalidDescription", "The request metadata specifies an invalid description."
        )


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None


@dataclass
class HeldRequest:
    """A request whose answer is held (see `YouTubeEmulator.hold_request`)."""

    n: int
    carried_out: bool
    #: set when request n arrived (and, if `carried_out`, was carried out)
    reached: threading.Event = field(default_factory=threading.Event)
    #: set it to let the emulator close the held connection without an answer
    release: threading.Event = field(default_factory=threading.Event)
    method: str = ""
    path: str = ""

    def describe(self) -> str:
        when = "answer held" if self.carried_out else "held unanswered before anything was done"
        return f"request {self.n} ({self.method} {self.path}): {when}"


@dataclass
class UploadSession:
    id: str
    metadata: dict
    total: int | None
    data: bytearray = field(default_factory=bytearray, repr=False)
    #: every committed byte range (start, end inclusive), in arrival order
    ranges: list[tuple[int, int]] = field(default_factory=list)
    video_id: str | None = None


class YouTubeEmulator:
    def __init__(self) -> None:
        self.client_id = "emu-client.apps.googleusercontent.com"
        self.client_secret = "emu-secret-0123456789"
        self.refresh_token = "1//emu-refresh-" + secrets.token_hex(8)
        #: access token -> the scopes it carries
        self.tokens: dict[str, frozenset[str]] = {}
        #: what the user agreed to on the consent page
        self.granted_scopes = frozenset(SCOPES)
        self.token_requests = 0
        self.refreshes_granted = 0
        self.videos: dict[str, dict] = {}
        self.video_bytes: dict[str, bytes] = {}
        self.sessions: dict[str, UploadSession] = {}
        self.thumbnails: dict[str, bytes] = {}
        self.captions: list[dict] = []
        self.playlists: dict[str, list[str]] = {}
        #: the channel's videos in upload order (its uploads playlist lists them newest first)
        self.uploads: list[str] = []
        self.broadcasts: set[str] = set()
        self.received: list[Received] = []
        self.quota_used = 0
        self.chunks_seen = 0
        #: every request counted from 1, token endpoint included; `request_log[n-1]` names it
        self.requests_seen = 0
        self.request_log: list[str] = []
        self.page_tokens: dict[str, int] = {}
        self._holds: dict[int, HeldRequest] = {}
        self._faults: dict[str, Any] = {}
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self.released = threading.Event()
        self.held = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    @property
    def token_uri(self) -> str:
        return self.root + "token"

    def start(self) -> YouTubeEmulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        for hold in self._holds.values():
            hold.release.set()
        self.server.shutdown()
        self.server.server_close()

    def issue_token(self, scopes: frozenset[str] | None = None) -> str:
        token = f"ya29.emu-{next(self._ids)}-{secrets.token_hex(6)}"
        self.tokens[token] = self.granted_scopes if scopes is None else scopes
        return token

    def token_info(self) -> dict:
        """The authorized-user JSON `pipeline auth youtube` would have stored."""
        return {
            "token": self.issue_token(),
            "refresh_token": self.refresh_token,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scopes": sorted(self.granted_scopes),
        }

    # -- faults -----------------------------------------------------------------------------
    def fail_chunk(self, n: int, status: int = 503) -> None:
        """The n-th data chunk PUT (counting from 1, retries included) gets `status`."""
        self._faults[("fail", n)] = status

    def drop_chunk(self, n: int) -> None:
        """The n-th data chunk: read half its bytes, keep them, close the connection."""
        self._faults[("drop", n)] = True

    def lose_answer(self, n: int) -> None:
        """The n-th data chunk is stored (completing the video if it was the last) but the
        connection closes before the answer is sent."""
        self._faults[("lose", n)] = True

    def hold_chunk(self, n: int) -> None:
        """The n-th data chunk: set `held`, wait for `released`, then close the connection
        without storing any of it (the client died mid-request)."""
        self._faults[("hold", n)] = True

    def hold_request(self, n: int, *, carried_out: bool = True) -> HeldRequest:
        """Request n (counting every request from 1, token refreshes and status queries
        included): with `carried_out` it is done as usual (a last chunk makes the video), but
        instead of the answer the emulator sets `.reached`, waits for `.release` and closes the
        connection. Without `carried_out` it is held the same way before anything is done."""
        hold = HeldRequest(n, carried_out)
        self._holds[n] = hold
        return hold

    def lose_request(self, n: int) -> HeldRequest:
        """Request n is carried out, then its connection closes without an answer."""
        hold = self.hold_request(n)
        hold.release.set()
        return hold

    def count_request(self, method: str, path: str) -> HeldRequest | None:
        """Count one arriving request; the hold placed on its number, if any."""
        with self._lock:
            self.requests_seen += 1
            n = self.requests_seen
            self.request_log.append(f"{method} {path}")
            hold = self._holds.get(n)
        if hold is not None:
            hold.method, hold.path = method, path
        return hold

    def stall_next(self, count: int = 1) -> None:
        """The next `count` API requests get no answer until the client gives up."""
        self._faults["stall"] = count

    def expire_tokens(self) -> None:
        """Every access token issued so far stops working (a refresh gets a new one)."""
        self.tokens.clear()

    def revoke_refresh_token(self) -> None:
        self.expire_tokens()
        self.refresh_token = "revoked"

    def revoke_after_refreshes(self, n: int) -> None:
        """Once n token refreshes have been granted, the refresh token is revoked and every
        access token stops working (a Testing-mode app's 7 days running out mid-batch)."""
        self._faults["revoke_after"] = n

    def exhaust_quota(self) -> None:
        self._faults["quota"] = True

    def limit_uploads(self) -> None:
        self._faults["upload_limit"] = True

    def forbid_thumbnails(self) -> None:
        self._faults["no_thumbnails"] = True

    def clear_faults(self) -> None:
        self._faults.clear()

    # -- fixtures for tests -----------------------------------------------------------------
    def add_playlist(self, playlist_id: str) -> None:
        self.playlists.setdefault(playlist_id, [])

    def add_video(
        self,
        title: str,
        *,
        live: bool = False,
        privacy: str = "public",
        video_id: str | None = None,
    ) -> str:
        """A video that already exists on the channel (e.g. a streamed live broadcast);
        `video_id` picks its ID (YouTube's IDs may start with `-`)."""
        video_id = self._new_video(
            {
                "snippet": {"title": title, "description": "", "categoryId": "22", "tags": ["x"]},
                "status": {"privacyStatus": privacy},
            },
            b"",
            video_id=video_id,
        )
        if live:
            self.videos[video_id]["snippet"]["liveBroadcastContent"] = "live"
            self.broadcasts.add(video_id)
        return video_id

    def _new_video(self, metadata: dict, data: bytes, *, video_id: str | None = None) -> str:
        video_id = video_id or secrets.token_urlsafe(8)[:11]
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        snippet = {
            "publishedAt": now,
            "channelId": CHANNEL_ID,
            "channelTitle": "Emulated channel",
            "liveBroadcastContent": "none",
            "categoryId": "22",
            **metadata.get("snippet", {}),
        }
        status = {
            "uploadStatus": "uploaded",
            "privacyStatus": "public",
            "license": "youtube",
            "embeddable": True,
            "publicStatsViewable": True,
            **metadata.get("status", {}),
        }
        self.videos[video_id] = {
            "kind": "youtube#video",
            "etag": secrets.token_hex(8),
            "id": video_id,
            "snippet": snippet,
            "status": status,
        }
        self.video_bytes[video_id] = bytes(data)
        self.uploads.append(video_id)
        return video_id

    def videos_tagged(self, tag: str) -> list[str]:
        """IDs of the channel's videos carrying `tag`, in upload order."""
        return [v for v in self.uploads if tag in (self.videos[v]["snippet"].get("tags") or [])]

    def page_token(self, offset: int) -> str:
        token = "EAAa" + secrets.token_urlsafe(9)
        self.page_tokens[token] = offset
        return token

    def requests_to(self, method: str, path: str) -> list[Received]:
        """Requests received with `method` to exactly `path` (a path starting with `/`) or to
        any path containing `path`."""
        exact = path.startswith("/")
        return [
            r
            for r in self.received
            if r.method == method and (r.path == path if exact else path in r.path)
        ]

    def charge(self, name: str) -> None:
        if self._faults.get("quota"):
            raise ApiError(
                403,
                "quotaExceeded",
                "The request cannot be completed because you have exceeded your quota.",
                "youtube.quota",
            )
        self.quota_used += QUOTA_COST[name]


def _make_handler(emu: YouTubeEmulator) -> type[BaseHTTPRequestHandler]:
    from tests.emulators.youtube_handler import YouTubeHandler

    return type("BoundYouTubeHandler", (YouTubeHandler,), {"emu": emu})


def query_of(path: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(path)
    return parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}


def parse_multipart(content_type: str, body: bytes) -> tuple[dict, bytes]:
    """(JSON metadata, media bytes) of a multipart/related upload body."""
    msg = email.parser.BytesParser().parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    parts = msg.get_payload()
    if not isinstance(parts, list) or len(parts) != 2:
        raise ApiError(400, "mediaBodyRequired", "multipart body must have metadata and media")
    return json.loads(parts[0].get_payload(decode=True)), parts[1].get_payload(decode=True)


def check_srt(data: bytes) -> None:
    try:
        subs = list(srt.parse(data.decode("utf-8")))
    except (UnicodeDecodeError, srt.SRTParseError) as exc:
        raise ApiError(400, "invalidCaptionFile", f"caption file unreadable: {exc}") from None
    if not subs:
        raise ApiError(400, "invalidCaptionFile", "caption file has no cues")


def location_for(emu: YouTubeEmulator, session_id: str) -> str:
    query = urlencode({"uploadType": "resumable", "upload_id": session_id})
    return f"{emu.root}upload/youtube/v3/videos?{query}"
