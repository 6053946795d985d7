"""Secrets said aloud (the transcript) and typed into the meeting chat (Zoom's saved chat
file): the same detectors as on screen, plus the rule for spoken passwords."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.leaks.rules import detect
from pipeline.zoom.chat import ChatMessage


@dataclass(frozen=True)
class TextSecret:
    """A secret in speech or chat: rule, the value as read, and when (seconds)."""

    rule: str
    value: str
    start: float
    end: float
    confidence: float


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
