"""Zoom chat exports (the meeting's `chat.txt`): who said what when, and the links shared.

Zoom writes one message per line, `HH:MM:SS\t From  Name : message` (newer clients:
`HH:MM:SS From Name to Everyone:` with the message on the next line); a message may run on
over continuation lines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from pipeline.errors import InputError
from pipeline.timecode import parse_time

# "00:12:34 From  Alice to  Everyone:" then the message on tab-indented lines (current Zoom);
# "00:12:34\t From  Alice : message" on one line (older Zoom)
_HEADER = re.compile(r"^(\d{1,2}:\d{2}:\d{2})\s+From\s+(.+?)\s+to\s+(.+?):\s*(.*)$")
_OLD = re.compile(r"^(\d{1,2}:\d{2}:\d{2})\s+From\s+(.+?)\s*:\s(.*)$")
_URL = re.compile(r"https?://[^\s<>\"']+")
#: query keys that make a link a credential (signed URLs, tokens): never published
_SECRET_KEYS = re.compile(r"(sig|signature|token|key|auth|password|pwd|secret|credential)", re.I)


@dataclass(frozen=True)
class ChatMessage:
    """One chat message; `time` is seconds from the meeting start."""

    time: float
    sender: str
    text: str


def parse_chat(text: str) -> list[ChatMessage]:
    """Messages of a Zoom chat export, in order (both the current and the older format)."""
    messages: list[ChatMessage] = []
    current: dict | None = None
    for raw in text.lstrip("\ufeff").splitlines():
        header = _HEADER.match(raw)
        old = None if header else _OLD.match(raw)
        if header or old:
            if current:
                messages.append(ChatMessage(**current))
            body = header.group(4) if header else old.group(3)
            sender = (header or old).group(2).strip()
            current = {
                "time": parse_time((header or old).group(1)),
                "sender": sender,
                "text": body.strip(),
            }
        elif current is not None and raw.strip():
            current["text"] = (current["text"] + "\n" + raw.strip()).strip()
    if current:
        messages.append(ChatMessage(**current))
    return messages


def read_chat(path: Path) -> list[ChatMessage]:
    """Read a chat export. Raises InputError when it cannot be read or holds no message in a
    format Zoom writes."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read chat file {path}: {exc.strerror or exc}") from exc
    messages = parse_chat(text)
    if not messages and text.strip():
        raise InputError(
            f"{path} is not a Zoom chat file", hint="pass the chat .txt Zoom saved with --chat"
        )
    return messages


def is_credential_link(url: str) -> bool:
    """True for links that carry a credential (a signed URL, a token in the query)."""
    parts = urlsplit(url)
    return any(_SECRET_KEYS.search(k) for k, _ in parse_qsl(parts.query)) or "@" in parts.netloc


def shared_links(messages: list[ChatMessage]) -> list[str]:
    """Links posted in the chat, first mention first, duplicates and credentials left out."""
    links: list[str] = []
    for message in messages:
        for url in _URL.findall(message.text):
            url = url.rstrip(".,;:!?)]}")
            if url not in links and not is_credential_link(url):
                links.append(url)
    return links
