"""Caption cues from word timings, written as SRT (with the `srt` library) and WebVTT (with
`webvtt-py`). Cues hold at most two lines of at most 42 characters, last at most 7 seconds,
break at sentence ends and pauses, and never overlap."""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from datetime import timedelta

import srt
import webvtt

MAX_LINE = 42
MAX_LINES = 2
MAX_CUE_SECONDS = 7.0
MIN_CUE_SECONDS = 0.8
PAUSE_BREAK = 1.0


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


def _wrap(text: str) -> str:
    return "\n".join(textwrap.wrap(text, width=MAX_LINE))


def _join(words: list[Word]) -> str:
    """Whisper words carry their own leading space ("plug", "-in" joins to "plug-in")."""
    return " ".join("".join(w.text for w in words).split())


def build_cues(words: list[Word]) -> list[Cue]:
    """Group words into readable, non-overlapping cues."""
    cues: list[Cue] = []
    current: list[Word] = []

    def flush() -> None:
        if not current:
            return
        text = _join(current)
        if text:
            cues.append(Cue(current[0].start, current[-1].end, _wrap(text)))
        current.clear()

    for word in words:
        if not word.text.strip():
            continue
        if current:
            joined = _join([*current, word])
            too_long = len(textwrap.wrap(joined, width=MAX_LINE)) > MAX_LINES
            too_slow = word.end - current[0].start > MAX_CUE_SECONDS
            paused = word.start - current[-1].end > PAUSE_BREAK
            sentence_end = current[-1].text.strip().endswith((".", "?", "!"))
            if too_long or too_slow or paused or (sentence_end and len(joined) > MAX_LINE):
                flush()
        current.append(word)
    flush()
    return _separate(cues)


def _separate(cues: list[Cue]) -> list[Cue]:
    """Give short cues a minimum display time and remove any overlap with the next cue."""
    fixed: list[Cue] = []
    for i, cue in enumerate(cues):
        end = max(cue.end, cue.start + MIN_CUE_SECONDS)
        if i + 1 < len(cues):
            end = min(end, cues[i + 1].start)
        end = max(end, cue.start + 0.001)
        fixed.append(Cue(round(cue.start, 3), round(end, 3), cue.text))
    return fixed


def to_srt(cues: list[Cue]) -> str:
    subs = [
        srt.Subtitle(
            index=i, start=timedelta(seconds=c.start), end=timedelta(seconds=c.end), content=c.text
        )
        for i, c in enumerate(cues, start=1)
    ]
    return srt.compose(subs)


def _vtt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def to_vtt(cues: list[Cue]) -> str:
    doc = webvtt.WebVTT()
    for cue in cues:
        doc.captions.append(webvtt.Caption(_vtt_time(cue.start), _vtt_time(cue.end), cue.text))
    buffer = io.StringIO()
    doc.write(buffer)
    return buffer.getvalue()
