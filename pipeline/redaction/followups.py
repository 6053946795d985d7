"""Everything downstream follows the edit: after a cut the transcript, captions and chapters
are shifted onto the redacted timeline (words and cues inside the cut removed, YouTube's
chapter rules kept); with --mute the words spoken inside the muted ranges are removed.

The originals stay untouched (the stages that made them keep their cache); the followed
versions are written under `redacted/` in the work folder and listed in redactions.json."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from pipeline.speech.captions import Word, build_cues, to_srt, to_vtt
from pipeline.workspace import (
    CAPTIONS_SRT,
    CAPTIONS_VTT,
    CHAPTERS_JSON,
    REDACTED_DIR,
    REDACTED_MP4,
    TRANSCRIPT_JSON,
    Workspace,
)

#: YouTube: the first chapter starts at 0:00, there are at least 3, each at least 10 s long
MIN_CHAPTERS = 3
MIN_CHAPTER_SECONDS = 10.0


class Timeline:
    """Maps source times onto the redacted file's timeline for a list of removed runs."""

    def __init__(self, removed: Sequence[tuple[float, float]]):
        self.removed = sorted(removed)
        self._ends = [b for _, b in self.removed]
        self._shift = [0.0]
        for a, b in self.removed:
            self._shift.append(self._shift[-1] + (b - a))

    def inside(self, start: float, end: float) -> bool:
        """True when [start, end) overlaps a removed run."""
        return any(start < b and end > a for a, b in self.removed)

    def map(self, t: float) -> float:
        """The redacted-file time of source time `t` (a time inside a run maps to its start)."""
        i = bisect.bisect_right(self._ends, t)
        if i < len(self.removed) and self.removed[i][0] < t:
            t = self.removed[i][0]
        return round(max(t - self._shift[i], 0.0), 3)

    @property
    def total(self) -> float:
        return self._shift[-1]


def follow_transcript(
    transcript: dict[str, Any], cut: Timeline, silenced: Sequence[tuple[float, float]]
) -> dict[str, Any]:
    """The transcript without words inside cut or silenced ranges, shifted past the cuts."""
    muted = Timeline(silenced)
    segments = []
    for seg in transcript.get("segments", []):
        words = [
            {**w, "start": cut.map(w["start"]), "end": cut.map(w["end"])}
            for w in seg.get("words", [])
            if not cut.inside(w["start"], w["end"]) and not muted.inside(w["start"], w["end"])
        ]
        if seg.get("words") and not words:
            continue
        if not seg.get("words") and (
            cut.inside(seg["start"], seg["end"]) or muted.inside(seg["start"], seg["end"])
        ):
            continue
        text = "".join(w["word"] for w in words).strip() if words else seg["text"]
        start = words[0]["start"] if words else cut.map(seg["start"])
        end = words[-1]["end"] if words else cut.map(seg["end"])
        segments.append(
            {**seg, "id": len(segments), "start": start, "end": end, "text": text, "words": words}
        )
    duration = transcript.get("duration")
    return {
        **transcript,
        "duration": round(duration - cut.total, 3) if duration is not None else None,
        "text": " ".join(s["text"] for s in segments),
        "segments": segments,
    }


def follow_chapters(chapters: dict[str, Any], cut: Timeline, duration: float) -> dict[str, Any]:
    """Chapters shifted past the cuts; chapters shorter than YouTube allows are merged into
    their neighbour, and the list is emptied (with a reason) when fewer than 3 remain."""
    items = []
    for ch in chapters.get("chapters", []):
        start, end = cut.map(ch["start"]), cut.map(ch["end"])
        if end - start <= 0:
            continue
        items.append({**ch, "start": start, "end": end})
    merged: list[dict[str, Any]] = []
    for ch in items:
        if merged and (
            ch["end"] - ch["start"] < MIN_CHAPTER_SECONDS
            or merged[-1]["end"] - merged[-1]["start"] < MIN_CHAPTER_SECONDS
        ):
            merged[-1]["end"] = ch["end"]
            continue
        merged.append(dict(ch))
    if merged:
        merged[0]["start"] = 0.0
        merged[-1]["end"] = round(duration, 3)
        for a, b in zip(merged, merged[1:], strict=False):
            a["end"] = b["start"]
    if len(merged) < MIN_CHAPTERS or any(
        c["end"] - c["start"] < MIN_CHAPTER_SECONDS for c in merged
    ):
        reason = (
            chapters.get("reason") or "fewer than 3 chapters of at least 10 s remain after the cut"
        )
        return {**chapters, "chapters": [], "reason": reason}
    return {**chapters, "chapters": merged, "reason": None}


def follow_artifacts(
    workspace: Workspace,
    *,
    cut: Sequence[tuple[float, float]],
    silenced: Sequence[tuple[float, float]],
    duration: float,
) -> dict[str, str]:
    """Write the followed transcript, captions and chapters under `redacted/` for the
    artifacts present in the work folder. Returns {original name: followed name}."""
    timeline = Timeline(cut)
    written: dict[str, str] = {}
    (workspace.root / REDACTED_DIR).mkdir(exist_ok=True)
    if workspace.exists(TRANSCRIPT_JSON):
        transcript = follow_transcript(workspace.read_json(TRANSCRIPT_JSON), timeline, silenced)
        words = [
            Word(w["start"], w["end"], w["word"])
            for s in transcript["segments"]
            for w in s["words"]
        ]
        cues = build_cues(words)
        for name, value in (
            (TRANSCRIPT_JSON, None),
            (CAPTIONS_SRT, to_srt(cues)),
            (CAPTIONS_VTT, to_vtt(cues)),
        ):
            target = f"{REDACTED_DIR}/{name}"
            if value is None:
                workspace.write_json(target, transcript)
            else:
                workspace.write_text(target, value)
            written[name] = target
    if workspace.exists(CHAPTERS_JSON):
        target = f"{REDACTED_DIR}/chapters.json"
        workspace.write_json(
            target, follow_chapters(workspace.read_json(CHAPTERS_JSON), timeline, duration)
        )
        written[CHAPTERS_JSON] = target
    return written


def final_artifact(workspace: Workspace, name: str) -> str:
    """The artifact to publish or describe: its followed copy under `redacted/` when a
    redacted video exists and the redaction wrote one (a cut shifts times, a mute removes
    words), else `name` itself."""
    followed = f"{REDACTED_DIR}/{name}"
    if workspace.exists(REDACTED_MP4) and workspace.exists(followed):
        return followed
    return name
