"""What the pipeline decided about one recording, gathered from its work folder for the host to
review before publishing: title and description with their budgets, chapters with a frame each,
the thumbnail, secret findings with the frame *after* redaction, stage timings and warnings.

Frames are cut from the final video (redacted.mp4 when a redaction exists). A frame inside a
flagged range that has not been redacted is never cut: the page says why instead."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.leaks.findings import SecretFinding, effective_findings, exposing
from pipeline.media.stills import still_jpeg
from pipeline.redaction.followups import final_artifact
from pipeline.timecode import format_clock
from pipeline.workspace import (
    CHAPTERS_JSON,
    DESCRIPTION_TXT,
    MEDIA_JSON,
    REDACTED_MP4,
    REDACTIONS_JSON,
    THUMBNAIL_JPG,
    THUMBNAIL_JSON,
    TITLE_TXT,
    TRANSCRIPT_JSON,
    Workspace,
)

log = logging.getLogger(__name__)

TITLE_BUDGET = 100
DESCRIPTION_BUDGET = 5000
REDACTED_MP4 = REDACTED_MP4


@dataclass
class ChapterCard:
    start: float
    clock: str
    title: str
    first_line: str
    frame: bytes | None = None
    frame_note: str = ""


@dataclass
class FindingCard:
    id: str
    start: float
    end: float
    clock: str
    rule: str
    source: str
    preview: str
    status: str
    redaction: str
    frame: bytes | None = None
    frame_note: str = ""


@dataclass
class Review:
    recording: str
    workdir: str
    duration: float
    title: str | None
    description: str | None
    title_chars: int
    description_bytes: int
    chapters: list[ChapterCard] = field(default_factory=list)
    chapters_reason: str | None = None
    findings: list[FindingCard] = field(default_factory=list)
    thumbnail: bytes | None = None
    thumbnail_time: float | None = None
    stages: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    final_video: str | None = None

    def to_json(self) -> dict[str, Any]:
        """review.json: the same data as the page, images as file references or omitted."""
        data = asdict(self)
        data.pop("thumbnail")
        data["thumbnail"] = THUMBNAIL_JPG if self.thumbnail else None
        for card in data["chapters"] + data["findings"]:
            card["has_frame"] = card.pop("frame") is not None
        data["budgets"] = {"title_chars": TITLE_BUDGET, "description_bytes": DESCRIPTION_BUDGET}
        return data


def _read_json(ws: Workspace, name: str) -> Any | None:
    if not ws.exists(name):
        return None
    try:
        return ws.read_json(name)
    except (json.JSONDecodeError, UnicodeDecodeError):
        log.warning("%s is unreadable; the review leaves it out", name)
        return None


def _read_text(ws: Workspace, name: str) -> str | None:
    return ws.path(name).read_text(encoding="utf-8") if ws.exists(name) else None


def _redaction_text(f: SecretFinding, mode: str) -> str:
    if f.status == "dismissed":
        return "dismissed (not a secret)"
    if f.status == "redacted":
        if f.source == "speech":
            return f"silenced in {REDACTED_MP4}"
        return f"cut from {REDACTED_MP4}" if mode == "cut" else f"blurred in {REDACTED_MP4}"
    if f.source == "chat":
        return "chat only (not uploaded)"
    return "unresolved"


def _inside(t: float, ranges: list[tuple[float, float]], pad: float = 0.0) -> bool:
    return any(a - pad <= t <= b + pad for a, b in ranges)


def _first_line(transcript: dict | None, start: float, end: float) -> str:
    for seg in (transcript or {}).get("segments", []):
        if seg["end"] > start and seg["start"] < end:
            return seg["text"].strip()
    return ""


def _still(video: Path | None, at: float, width: int) -> tuple[bytes | None, str]:
    if video is None:
        return None, "no video"
    try:
        return still_jpeg(video, at, width=width), ""
    except PipelineError as exc:
        return None, exc.message


def gather(ws: Workspace, *, frame_width: int = 320) -> Review:
    """Collect the review of one work folder."""
    media = _read_json(ws, MEDIA_JSON) or {}
    duration = float(media.get("duration") or 0.0)
    source = ws.recording_path()
    recording = str(source) if source else ""
    has_video = bool(media.get("video"))
    redacted = ws.path(REDACTED_MP4) if ws.exists(REDACTED_MP4) else None
    final_video = redacted or (
        Path(recording) if has_video and recording and Path(recording).is_file() else None
    )

    title = _read_text(ws, TITLE_TXT)
    description = _read_text(ws, DESCRIPTION_TXT)
    title = title.strip() if title is not None else None
    review = Review(
        recording=recording,
        workdir=str(ws.root),
        duration=duration,
        title=title,
        description=description,
        title_chars=len(title or ""),
        description_bytes=len((description or "").encode("utf-8")),
        final_video=str(final_video) if final_video else None,
    )

    findings = effective_findings(ws)
    redaction_log = (_read_json(ws, REDACTIONS_JSON) or {}) if redacted else {}
    mode = redaction_log.get("mode", "blur")
    # where an exposing secret is on screen, no frame is cut for the page
    unsafe = [(f.start, f.end) for f in exposing(findings) if f.source == "screen"]

    chapters_data = _read_json(ws, final_artifact(ws, CHAPTERS_JSON)) or {}
    review.chapters_reason = chapters_data.get("reason")
    transcript = _read_json(ws, final_artifact(ws, TRANSCRIPT_JSON))
    review.chapters = _chapter_cards(
        chapters_data.get("chapters", []), transcript, duration, unsafe, final_video, frame_width
    )
    review.findings = [_finding_card(f, mode, redacted, frame_width) for f in findings]

    if ws.exists(THUMBNAIL_JPG):
        review.thumbnail = ws.path(THUMBNAIL_JPG).read_bytes()
        review.thumbnail_time = (_read_json(ws, THUMBNAIL_JSON) or {}).get("time")

    for name, record in ws.stage_records().items():
        review.stages.append(
            {
                "name": name,
                "status": record.get("status"),
                "seconds": record.get("seconds"),
                "finished_at": record.get("finished_at"),
            }
        )

    review.warnings = _warnings(review, chapters_data, unsafe)
    return review


def _warnings(review: Review, chapters_data: dict, unsafe: list) -> list[str]:
    warnings = []
    if review.title is None:
        warnings.append("no title yet (title.txt is missing)")
    elif review.title_chars > TITLE_BUDGET:
        warnings.append(f"title is {review.title_chars} characters; YouTube allows {TITLE_BUDGET}")
    if review.description is None:
        warnings.append("no description yet (description.txt is missing)")
    elif review.description_bytes > DESCRIPTION_BUDGET:
        warnings.append(
            f"description is {review.description_bytes} bytes; YouTube allows {DESCRIPTION_BUDGET}"
        )
    if len(review.chapters) < 3:
        reason = review.chapters_reason or "fewer than 3 chapters"
        warnings.append(f"YouTube will show no chapters: {reason}")
    unresolved = [f for f in review.findings if f.redaction == "unresolved"]
    chat = [f for f in review.findings if f.source == "chat" and f.status == "unresolved"]
    if chat:
        warnings.append(
            f"{len(chat)} secret(s) were typed in the chat: they are not uploaded, but whoever "
            "was in the meeting saw them; rotate those credentials"
        )
    if unresolved:
        ids = ", ".join(f.id for f in unresolved)
        warnings.append(
            f"{len(unresolved)} unresolved secret finding(s) ({ids}): redact with `pipeline redact` "
            "or dismiss with `pipeline scan --dismiss ID`; publishing as public is refused until then"
        )
    if review.thumbnail is None:
        warnings.append("no thumbnail yet")
    return warnings


def _chapter_cards(
    chapters: list[dict], transcript: dict | None, duration: float, unsafe: list,
    video: Path | None, frame_width: int,
) -> list[ChapterCard]:  # fmt: skip
    """A card per chapter: its first words and a frame (withheld where a secret shows)."""
    cards = []
    for ch in chapters:
        start, end = float(ch["start"]), float(ch.get("end", duration))
        at = min(start + 1.0, (start + end) / 2)
        card = ChapterCard(
            start, format_clock(start), ch["title"], _first_line(transcript, start, end)
        )
        if _inside(at, unsafe, pad=1.0):
            card.frame_note = "frame withheld: an unresolved secret finding is on screen"
        else:
            card.frame, card.frame_note = _still(video, at, frame_width)
        cards.append(card)
    return cards


def _finding_card(
    f: SecretFinding, mode: str, redacted: Path | None, frame_width: int
) -> FindingCard:
    """A card per finding: what it is (masked) and, once it is hidden, the redacted frame."""
    card = FindingCard(
        id=f.id,
        start=f.start,
        end=f.end,
        clock=f"{format_clock(f.start)}–{format_clock(f.end)}",
        rule=f.rule,
        source=f.source,
        preview=f.preview,
        status=f.status,
        redaction=_redaction_text(f, mode),
    )
    if f.source == "chat":
        card.frame_note = "typed in the chat: not part of the upload; rotate the credential"
    elif f.source == "speech":
        card.frame_note = "said aloud"
    elif f.status == "redacted" and mode == "cut":
        card.frame_note = "cut from the video"
    elif f.status == "redacted":
        # the redacted video's frame at the finding's middle (cut mode never gets here)
        card.frame, card.frame_note = _still(redacted, (f.start + f.end) / 2, frame_width)
    else:
        card.frame_note = "frame withheld until the finding is redacted or dismissed"
    return card
