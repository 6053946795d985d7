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

_LINE = re.compile(r"^(\d{1,2}:\d{2}:\d{2})\s+From\s+(.+?)\s*(?:to\s+.+?)?\s*:\s?(.*)$")
_URL = re.compile(r"https?://[^\s<>\"']+")
#: query keys that make a link a credential (signed URLs, tokens): never published
_SECRET_KEYS = re.compile(r"(sig|signature|token|key|auth|password|pwd|secret|credential)", re.I)


@dataclass(frozen=True)
class ChatMessage:
    time: float
    sender: str
    text: str


def parse_chat(text: str) -> list[ChatMessage]:
    """Messages of a Zoom chat export, in order."""
    messages: list[ChatMessage] = []
    for raw in text.splitlines():
        match = _LINE.match(raw.strip("\ufeff"))
        if match:
            clock, sender, body = match.groups()
            messages.append(ChatMessage(parse_time(clock), sender.strip(), body.strip()))
        elif messages and raw.strip():
            last = messages[-1]
            joined = f"{last.text} {raw.strip()}".strip()
            messages[-1] = ChatMessage(last.time, last.sender, joined)
    return messages


def read_chat(path: Path) -> list[ChatMessage]:
    """Read a chat export. Raises InputError when it cannot be read."""
    try:
        return parse_chat(Path(path).read_text(encoding="utf-8", errors="replace"))
    except OSError as exc:
        raise InputError(f"cannot read chat file {path}: {exc.strerror or exc}") from exc


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
