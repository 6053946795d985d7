"""The HTTP side of the YouTube emulator: routing, auth, resumable-upload protocol, the
channel's uploads playlist and caption tracks."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode

from tests.emulators.youtube import (
    CHANNEL_ID,
    SNIPPET_MUTABLE,
    STATUS_MUTABLE,
    UPLOADS_PLAYLIST,
    ApiError,
    HeldRequest,
    Received,
    UploadSession,
    YouTubeEmulator,
    check_srt,
    check_text_rules,
    location_for,
    method_scopes,
    parse_multipart,
    query_of,
    validate_resource,
)

_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Drop(Exception):
    """Close the connection without an answer."""


class YouTubeHandler(BaseHTTPRequestHandler):
    emu: YouTubeEmulator
    protocol_version = "HTTP/1.1"
    _hold: HeldRequest | None = None

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    # -- plumbing ---------------------------------------------------------------------------
    def _body(self, limit: int | None = None) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length if limit is None else min(limit, length))

    def _wait_released(self) -> None:
        hold, self._hold = self._hold, None
        assert hold is not None
        hold.reached.set()
        hold.release.wait(60)
        self.close_connection = True

    def _answer(self, code: int, body: Any = None, headers: dict | None = None) -> None:
        if self._hold is not None:  # carried out; the answer never leaves
            return self._wait_released()
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _dispatch(self) -> None:
        path, query = query_of(self.path)
        self._recorded = False
        self._hold = self.emu.count_request(self.command, path)
        try:
            if self._hold is not None and not self._hold.carried_out:
                self._wait_released()
                return
            if path == "/token":
                return self._token()
            if path == "/o/oauth2/auth":
                return self._consent(query)
            if self.emu._faults.get("stall", 0) > 0:
                self.emu._faults["stall"] -= 1
                self.emu.released.wait(30)
                raise _Drop()
            route = (self.command, path.replace("/resumable/upload/", "/upload/"))
            if route not in _ROUTES:
                self._body()
                raise ApiError(404, "notFound", f"no route {route}")
            handler, method_id = _ROUTES[route]
            self._authorize(method_scopes(*method_id.split(".")))
            handler(self, query)
        except ApiError as err:
            if not self._recorded:
                self._record(path, query, None)
            self._answer(err.code, err.body())
        except _Drop:
            self.close_connection = True

    do_GET = do_POST = do_PUT = _dispatch

    def _record(self, path: str, query: dict, body: Any) -> None:
        self._recorded = True
        with self.emu._lock:
            self.emu.received.append(
                Received(self.command, path, query, dict(self.headers.items()), body)
            )

    def _authorize(self, needed: frozenset[str]) -> None:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.emu.tokens:
            self._body()
            raise ApiError(
                401, "authError", "Request had invalid authentication credentials.", "global"
            )
        if not self.emu.tokens[auth[7:]] & needed:
            self._body()
            raise ApiError(
                403, "insufficientPermissions", "Request had insufficient authentication scopes."
            )

    def _json_body(self, kind: str) -> dict:
        raw = self._body()
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            raise ApiError(400, "parseError", "body is not JSON") from None
        validate_resource(kind, body)
        return body

    # -- OAuth ------------------------------------------------------------------------------
    def _token(self) -> None:
        form = {k: v[-1] for k, v in parse_qs(self._body().decode()).items()}
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):  # client credentials may come as HTTP Basic auth
            client_id, _, client_secret = base64.b64decode(basic[6:]).decode().partition(":")
            form.update(client_id=unquote(client_id), client_secret=unquote(client_secret))
        emu = self.emu
        emu.token_requests += 1
        if form.get("client_id") != emu.client_id or form.get("client_secret") != emu.client_secret:
            return self._answer(401, {"error": "invalid_client"})
        grant = form.get("grant_type")
        if grant == "refresh_token" and form.get("refresh_token") == emu.refresh_token:
            asked = frozenset(form["scope"].split()) if form.get("scope") else emu.granted_scopes
            if not asked <= emu.granted_scopes:
                return self._answer(400, {"error": "invalid_scope"})
            token = emu.issue_token(asked)
            emu.refreshes_granted += 1
            if emu._faults.get("revoke_after") == emu.refreshes_granted:
                emu.revoke_refresh_token()  # the token below is dead on arrival
            return self._answer(
                200,
                {
                    "access_token": token,
                    "expires_in": 3599,
                    "token_type": "Bearer",
                    "scope": " ".join(sorted(asked)),
                },
            )
        if grant == "authorization_code" and form.get("code") == "emu-code":
            return self._answer(
                200,
                {
                    "access_token": emu.issue_token(),
                    "refresh_token": emu.refresh_token,
                    "expires_in": 3599,
                    "token_type": "Bearer",
                    "scope": " ".join(sorted(emu.granted_scopes)),
                },
            )
        self._answer(
            400,
            {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
        )

    def _consent(self, query: dict) -> None:
        """The consent page, already agreed: redirect to the app's local server with a code."""
        target = (
            query["redirect_uri"]
            + "?"
            + urlencode({"code": "emu-code", "state": query.get("state", "")})
        )
        self._answer(302, None, {"Location": target})

    # -- videos -----------------------------------------------------------------------------
    def _insert_start(self, query: dict) -> None:
        emu = self.emu
        if query.get("uploadType") != "resumable":
            raise ApiError(400, "invalidUploadType", "only resumable uploads are emulated")
        body = self._json_body("Video")
        self._record("/upload/youtube/v3/videos", query, body)
        if emu._faults.get("upload_limit"):
            raise ApiError(
                400,
                "uploadLimitExceeded",
                "The user has exceeded the number of videos they may upload.",
            )
        emu.charge("videos.insert")
        check_text_rules(body.get("snippet") or {})
        if "privacyStatus" not in (body.get("status") or {}):
            raise ApiError(
                400, "invalidPrivacyStatus", "emulator: always send status.privacyStatus"
            )
        total = self.headers.get("X-Upload-Content-Length")
        session = UploadSession(secrets.token_hex(8), body, int(total) if total else None)
        emu.sessions[session.id] = session
        self._answer(200, None, {"Location": location_for(emu, session.id)})

    def _insert_chunk(self, query: dict) -> None:
        emu = self.emu
        session = emu.sessions.get(query.get("upload_id", ""))
        if session is None:
            self._body()
            raise ApiError(404, "notFound", "no such upload session")
        content_range = self.headers.get("Content-Range", "")
        if content_range.startswith("bytes */"):
            self._body()
            self._record("/upload/youtube/v3/videos", query, {"status_query": content_range})
            return self._session_state(session)
        match = _RANGE.fullmatch(content_range)
        if not match:
            self._body()
            raise ApiError(400, "badContentRange", f"bad Content-Range {content_range!r}")
        start, end = int(match[1]), int(match[2])
        with emu._lock:
            emu.chunks_seen += 1
            n = emu.chunks_seen
        self._record("/upload/youtube/v3/videos", query, {"chunk": n, "range": content_range})
        if emu._faults.pop(("hold", n), None):
            emu.held.set()
            emu.released.wait(60)
            raise _Drop()
        if emu._faults.pop(("drop", n), None):
            half = self._body((end - start + 1) // 2)
            self._commit(session, start, half)
            raise _Drop()
        data = self._body()
        if len(data) != end - start + 1:
            raise ApiError(400, "badContent", "body length does not match Content-Range")
        status = emu._faults.pop(("fail", n), None)
        if status:
            raise ApiError(status, "backendError", "Backend Error")
        self._commit(session, start, data)
        if emu._faults.pop(("lose", n), None):
            self._complete_if_whole(session)
            raise _Drop()
        self._session_state(session)

    def _commit(self, session: UploadSession, start: int, data: bytes) -> None:
        have = len(session.data)
        if start > have:
            raise ApiError(400, "badContentRange", f"chunk starts at {start}, server has {have}")
        overlap = bytes(session.data[start : start + len(data)])
        if overlap != data[: len(overlap)]:
            raise ApiError(400, "badContent", "re-sent bytes differ from the stored ones")
        fresh = data[len(overlap) :]
        if fresh:
            session.ranges.append((have, have + len(fresh) - 1))
            session.data.extend(fresh)

    def _complete_if_whole(self, session: UploadSession) -> None:
        if (
            session.video_id is None
            and session.total is not None
            and len(session.data) >= session.total
        ):
            session.video_id = self.emu._new_video(session.metadata, bytes(session.data))

    def _session_state(self, session: UploadSession) -> None:
        emu = self.emu
        self._complete_if_whole(session)
        if session.video_id:
            return self._answer(200, emu.videos[session.video_id])
        headers = {"Range": f"bytes=0-{len(session.data) - 1}"} if session.data else {}
        self._answer(308, None, headers)

    def _list(self, query: dict) -> None:
        self._record("/youtube/v3/videos", query, None)
        self.emu.charge("videos.list")
        parts = set(query.get("part", "").split(","))
        ids = [v for v in query.get("id", "").split(",") if v]
        if not ids:
            raise ApiError(400, "missingRequiredParameter", "No filter selected: expected id")
        if len(ids) > 50:
            raise ApiError(400, "invalidValue", "at most 50 video IDs per request")
        items = []
        for video_id in ids:
            video = self.emu.videos.get(video_id)
            if video:
                items.append(
                    {k: v for k, v in video.items() if k in parts | {"kind", "etag", "id"}}
                )
        self._answer(
            200,
            {
                "kind": "youtube#videoListResponse",
                "items": items,
                "pageInfo": {"totalResults": len(items), "resultsPerPage": 5},
            },
        )

    def _update(self, query: dict) -> None:
        body = self._json_body("Video")
        self._record("/youtube/v3/videos", query, body)
        self.emu.charge("videos.update")
        parts = set(query.get("part", "").split(","))
        video = self.emu.videos.get(body.get("id", ""))
        if not body.get("id") or video is None:
            raise ApiError(
                404, "videoNotFound", "The video that you are trying to update cannot be found."
            )
        if "snippet" in parts:
            snippet = body.get("snippet") or {}
            if not snippet.get("title") or not snippet.get("categoryId"):
                raise ApiError(
                    400,
                    "invalidCategoryId" if snippet.get("title") else "invalidTitle",
                    "snippet.title and snippet.categoryId are required",
                )
            check_text_rules(snippet)
            for key in SNIPPET_MUTABLE:  # replaced: what is not sent is cleared
                video["snippet"].pop(key, None)
                if key in snippet:
                    video["snippet"][key] = snippet[key]
        if "status" in parts:
            status = body.get("status") or {}
            for key in STATUS_MUTABLE:
                video["status"].pop(key, None)
                if key in status:
                    video["status"][key] = status[key]
            video["status"].setdefault("privacyStatus", "private")
        self._answer(200, video)

    def _thumbnail(self, query: dict) -> None:
        data = self._body()
        ctype = self.headers.get("Content-Type", "")
        self._record(
            "/upload/youtube/v3/thumbnails/set", query, {"bytes": len(data), "type": ctype}
        )
        if self.emu._faults.get("no_thumbnails"):
            raise ApiError(
                403,
                "forbidden",
                "The authenticated user doesn't have permissions to upload and set custom video thumbnails.",
            )
        self.emu.charge("thumbnails.set")
        if query.get("videoId") not in self.emu.videos:
            raise ApiError(404, "videoNotFound", "video not found")
        if not data:
            raise ApiError(
                400, "mediaBodyRequired", "The request does not include the image content."
            )
        jpeg = ctype == "image/jpeg" and data[:2] == b"\xff\xd8"
        png = ctype == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n"
        if not (jpeg or png) or len(data) > 2 * 1024 * 1024:
            raise ApiError(400, "invalidImage", "The provided image content is invalid.")
        self.emu.thumbnails[query["videoId"]] = data
        self._answer(
            200,
            {
                "kind": "youtube#thumbnailSetResponse",
                "items": [
                    {"default": {"url": f"{self.emu.root}vi/{query['videoId']}/default.jpg"}}
                ],
            },
        )

    def _caption(self, query: dict) -> None:
        if query.get("uploadType") != "multipart":
            self._body()
            raise ApiError(400, "mediaBodyRequired", "captions.insert needs the caption file")
        meta, data = parse_multipart(self.headers.get("Content-Type", ""), self._body())
        validate_resource("Caption", meta)
        self._record("/upload/youtube/v3/captions", query, meta)
        self.emu.charge("captions.insert")
        snippet = meta.get("snippet") or {}
        if snippet.get("videoId") not in self.emu.videos:
            raise ApiError(404, "videoNotFound", "video not found")
        if not snippet.get("language"):
            raise ApiError(400, "invalidMetadata", "snippet.language is required")
        check_srt(data)
        caption = {
            "kind": "youtube#caption",
            "id": secrets.token_hex(6),
            "etag": secrets.token_hex(8),
            "updated": _now(),
            "snippet": snippet,
            "data": data,
        }
        self.emu.captions.append(caption)
        self._answer(200, self._caption_resource(caption, {"snippet"}))

    def _caption_resource(self, caption: dict, parts: set[str]) -> dict:
        snippet = {
            "videoId": caption["snippet"]["videoId"],
            "lastUpdated": caption["updated"],
            "trackKind": "standard",
            "language": caption["snippet"]["language"],
            "name": caption["snippet"].get("name", ""),
            "audioTrackType": "unknown",
            "isCC": False,
            "isLarge": False,
            "isEasyReader": False,
            "isDraft": bool(caption["snippet"].get("isDraft", False)),
            "isAutoSynced": False,
            "status": "serving",
        }
        resource = {"kind": "youtube#caption", "etag": caption["etag"], "id": caption["id"]}
        if "snippet" in parts:
            resource["snippet"] = snippet
        return resource

    def _captions_list(self, query: dict) -> None:
        self._record("/youtube/v3/captions", query, None)
        self.emu.charge("captions.list")
        video_id = query.get("videoId")
        if not video_id:
            raise ApiError(400, "missingRequiredParameter", "No filter selected: expected videoId")
        if video_id not in self.emu.videos:
            raise ApiError(404, "videoNotFound", "video not found")
        parts = set(query.get("part", "").split(","))
        wanted = set(query["id"].split(",")) if query.get("id") else None
        items = [
            self._caption_resource(c, parts)
            for c in self.emu.captions
            if c["snippet"]["videoId"] == video_id and (wanted is None or c["id"] in wanted)
        ]
        self._answer(
            200,
            {"kind": "youtube#captionListResponse", "etag": secrets.token_hex(8), "items": items},
        )

    def _caption_update(self, query: dict) -> None:
        if query.get("uploadType") == "multipart":
            meta, data = parse_multipart(self.headers.get("Content-Type", ""), self._body())
            validate_resource("Caption", meta)
        else:
            meta, data = self._json_body("Caption"), None
        self._record("/upload/youtube/v3/captions", query, meta)
        self.emu.charge("captions.update")
        caption = next((c for c in self.emu.captions if c["id"] == meta.get("id")), None)
        if caption is None:
            raise ApiError(404, "captionNotFound", "The caption track could not be found.")
        if data is not None:
            check_srt(data)
            caption["data"] = data
        draft = (meta.get("snippet") or {}).get("isDraft")
        if draft is not None:
            caption["snippet"]["isDraft"] = draft
        caption["updated"] = _now()
        caption["etag"] = secrets.token_hex(8)
        self._answer(200, self._caption_resource(caption, {"snippet"}))

    def _channels_list(self, query: dict) -> None:
        self._record("/youtube/v3/channels", query, None)
        self.emu.charge("channels.list")
        if query.get("mine") != "true" and query.get("id") != CHANNEL_ID:
            raise ApiError(400, "missingRequiredParameter", "No filter selected: use mine or id")
        parts = set(query.get("part", "").split(","))
        channel: dict[str, Any] = {"kind": "youtube#channel", "etag": "emu", "id": CHANNEL_ID}
        if "contentDetails" in parts:
            channel["contentDetails"] = {
                "relatedPlaylists": {"likes": "LL", "uploads": UPLOADS_PLAYLIST}
            }
        if "snippet" in parts:
            channel["snippet"] = {
                "title": "Emulated channel",
                "description": "",
                "publishedAt": "2020-01-01T00:00:00Z",
            }
        self._answer(
            200,
            {
                "kind": "youtube#channelListResponse",
                "etag": "emu",
                "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
                "items": [channel],
            },
        )

    def _playlist_items_list(self, query: dict) -> None:
        emu = self.emu
        self._record("/youtube/v3/playlistItems", query, None)
        emu.charge("playlistItems.list")
        playlist_id = query.get("playlistId")
        if not playlist_id:
            raise ApiError(
                400, "missingRequiredParameter", "No filter selected: expected playlistId"
            )
        if playlist_id == UPLOADS_PLAYLIST:
            videos = list(reversed(emu.uploads))  # newest first
        elif playlist_id in emu.playlists:
            videos = list(emu.playlists[playlist_id])
        else:
            raise ApiError(404, "playlistNotFound", "The playlist could not be found.")
        entries = [(position, v) for position, v in enumerate(videos)]
        if query.get("videoId"):
            entries = [(p, v) for p, v in entries if v == query["videoId"]]
        size = int(query.get("maxResults", "5"))
        if not 0 <= size <= 50:
            raise ApiError(400, "invalidValue", "maxResults must be between 0 and 50")
        offset = 0
        if query.get("pageToken"):
            if query["pageToken"] not in emu.page_tokens:
                raise ApiError(400, "invalidPageToken", "The page token is invalid.")
            offset = emu.page_tokens[query["pageToken"]]
        parts = set(query.get("part", "").split(","))
        page = entries[offset : offset + size]
        body: dict[str, Any] = {
            "kind": "youtube#playlistItemListResponse",
            "etag": secrets.token_hex(8),
            "pageInfo": {"totalResults": len(entries), "resultsPerPage": size},
            "items": [self._playlist_item_resource(playlist_id, p, v, parts) for p, v in page],
        }
        if offset + size < len(entries):
            body["nextPageToken"] = emu.page_token(offset + size)
        if offset:
            body["prevPageToken"] = emu.page_token(max(0, offset - size))
        self._answer(200, body)

    def _playlist_item_resource(
        self, playlist_id: str, position: int, video_id: str, parts: set[str]
    ) -> dict:
        video = self.emu.videos[video_id]
        item_id = base64.urlsafe_b64encode(f"{playlist_id}.{video_id}".encode()).decode()
        item: dict[str, Any] = {"kind": "youtube#playlistItem", "etag": "emu", "id": item_id}
        private = video["status"]["privacyStatus"] == "private"
        if "snippet" in parts:
            item["snippet"] = {
                "publishedAt": video["snippet"]["publishedAt"],
                "channelId": CHANNEL_ID,
                "title": video["snippet"]["title"],
                "description": video["snippet"].get("description", ""),
                "thumbnails": {},
                "channelTitle": "Emulated channel",
                "playlistId": playlist_id,
                "position": position,
                "resourceId": {"kind": "youtube#video", "videoId": video_id},
                "videoOwnerChannelTitle": "Emulated channel",
                "videoOwnerChannelId": CHANNEL_ID,
            }
        if "contentDetails" in parts:
            item["contentDetails"] = {"videoId": video_id}
            if not private:
                item["contentDetails"]["videoPublishedAt"] = video["snippet"]["publishedAt"]
        if "status" in parts:
            item["status"] = {"privacyStatus": video["status"]["privacyStatus"]}
        return item

    def _playlist_item(self, query: dict) -> None:
        body = self._json_body("PlaylistItem")
        self._record("/youtube/v3/playlistItems", query, body)
        self.emu.charge("playlistItems.insert")
        snippet = body.get("snippet") or {}
        playlist = self.emu.playlists.get(snippet.get("playlistId", ""))
        video_id = (snippet.get("resourceId") or {}).get("videoId")
        if playlist is None:
            raise ApiError(404, "playlistNotFound", "playlist not found")
        if video_id not in self.emu.videos:
            raise ApiError(404, "videoNotFound", "video not found")
        playlist.append(video_id)
        self._answer(
            200, {"kind": "youtube#playlistItem", "id": secrets.token_hex(6), "snippet": snippet}
        )

    def _broadcast(self, query: dict) -> None:
        body = self._json_body("LiveBroadcast")
        self._record("/youtube/v3/liveBroadcasts", query, body)
        self.emu.charge("liveBroadcasts.update")
        if body.get("id") not in self.emu.broadcasts:
            raise ApiError(404, "liveBroadcastNotFound", "broadcast not found")
        privacy = (body.get("status") or {}).get("privacyStatus")
        if privacy:
            self.emu.videos[body["id"]]["status"]["privacyStatus"] = privacy
        self._answer(
            200, {"kind": "youtube#liveBroadcast", "id": body["id"], "status": body.get("status")}
        )


#: (method, path) -> (handler, discovery method whose scopes the token needs)
_ROUTES = {
    ("POST", "/upload/youtube/v3/videos"): (YouTubeHandler._insert_start, "videos.insert"),
    ("PUT", "/upload/youtube/v3/videos"): (YouTubeHandler._insert_chunk, "videos.insert"),
    ("GET", "/youtube/v3/videos"): (YouTubeHandler._list, "videos.list"),
    ("PUT", "/youtube/v3/videos"): (YouTubeHandler._update, "videos.update"),
    ("POST", "/upload/youtube/v3/thumbnails/set"): (YouTubeHandler._thumbnail, "thumbnails.set"),
    ("POST", "/upload/youtube/v3/captions"): (YouTubeHandler._caption, "captions.insert"),
    ("GET", "/youtube/v3/captions"): (YouTubeHandler._captions_list, "captions.list"),
    ("PUT", "/upload/youtube/v3/captions"): (YouTubeHandler._caption_update, "captions.update"),
    ("PUT", "/youtube/v3/captions"): (YouTubeHandler._caption_update, "captions.update"),
    ("GET", "/youtube/v3/channels"): (YouTubeHandler._channels_list, "channels.list"),
    ("GET", "/youtube/v3/playlistItems"): (
        YouTubeHandler._playlist_items_list,
        "playlistItems.list",
    ),
    ("POST", "/youtube/v3/playlistItems"): (YouTubeHandler._playlist_item, "playlistItems.insert"),
    ("PUT", "/youtube/v3/liveBroadcasts"): (YouTubeHandler._broadcast, "liveBroadcasts.update"),
}
