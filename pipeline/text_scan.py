"""Secrets said aloud (the transcript) and typed into the meeting chat (Zoom's saved chat
file): the same detectors as on screen, plus the rule for spoken passwords."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.detectors import detect
from pipeline.errors import InputError
from pipeline.timecode import parse_time


@dataclass(frozen=True)
class TextSecret:
    """A secret in speech or chat: rule, the value as read, and when (seconds)."""

    rule: str
    value: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class ChatMessage:
    time: float
    sender: str
    text: str


# "00:12:34 From  Alice to  Everyone:" then the message on tab-indented lines (current Zoom);
# "00:12:34\t From  Alice : message" on one line (older Zoom)
_HEADER = re.compile(r"^(\d{1,2}:\d{2}:\d{2})\s+From\s+(.+?)\s+to\s+(.+?):\s*(.*)$")
_OLD = re.compile(r"^(\d{1,2}:\d{2}:\d{2})\s+From\s+(.+?)\s*:\s(.*)$")


def parse_zoom_chat(path: Path) -> list[ChatMessage]:
    """The messages of a Zoom chat file (times from the meeting start, in seconds).

    Raises InputError when the file cannot be read or holds no message in a known format."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read chat file {path}: {exc.strerror or exc}") from exc
    messages: list[ChatMessage] = []
    current: dict[str, Any] | None = None
    for raw in text.splitlines():
        m = _HEADER.match(raw) or _OLD.match(raw)
        if m:
            if current:
                messages.append(ChatMessage(**current))
            body = m.group(m.lastindex or 1) if m.re is _OLD else m.group(4)
            current = {"time": parse_time(m.group(1)), "sender": m.group(2), "text": body}
        elif current is not None and raw.strip():
            current["text"] = (current["text"] + "\n" + raw.strip()).strip()
    if current:
        messages.append(ChatMessage(**current))
    if not messages and text.strip():
        raise InputError(
            f"{path} is not a Zoom chat file", hint="pass the chat .txt Zoom saved with --chat"
        )
    return messages


def scan_chat(messages: list[ChatMessage]) -> list[TextSecret]:
    """Secrets typed into the chat; each lasts from its message to 1 s later."""
    found = []
    for msg in messages:
        for line in msg.text.splitlines():
            for m in detect(line, spoken=True):
                found.append(TextSecret(m.rule, m.value, msg.time, msg.time + 1.0, m.confidence))
    return found


def scan_transcript(transcript: dict[str, Any]) -> list[TextSecret]:
    """Secrets in the transcript's segments, timed by the words that hold them (the whole
    segment when it has no word timings)."""
    found = []
    for seg in transcript.get("segments", []):
        words = seg.get("words") or []
        if words:
            text, spans = "", []
            for w in words:
                spans.append((len(text), len(text) + len(w["word"]), w["start"], w["end"]))
                text += w["word"]
        else:
            text, spans = seg["text"], []
        for m in detect(text, spoken=True):
            inside = [(s, e) for a, b, s, e in spans if a < m.end and b > m.start]
            start = min((s for s, _ in inside), default=seg["start"])
            end = max((e for _, e in inside), default=seg["end"])
            found.append(TextSecret(m.rule, m.value.strip(), start, end, m.confidence))
    return found
