"""The secret policy, one for every command: which chat file goes with a recording, how
findings become redaction ranges (the same padded boxes whether `on_secret = blur` renders
them or a person passes `pipeline redact --ranges flags.json`), and what `on_secret` decides
after a run (blur or cut into redacted.mp4, or hold before anything is published).

`run`, `scan`, `redact` and `batch` all call this module; the CLI only prints."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError, InputError, SecretsHeldError
from pipeline.leaks.findings import (
    ON_SECRET_CHOICES,
    SecretFinding,
    describe,
    effective_findings,
    exposing,
    unresolved,
)
from pipeline.media.geometry import pad_box
from pipeline.media.probe import MediaInfo
from pipeline.redaction.ranges import RedactionRange
from pipeline.settings import ScanSettings, Settings
from pipeline.workspace import Workspace
from pipeline.zoom.recordings import COMPANION_FILES

CHAT_SUFFIX = ".chat.txt"
#: pixels added around every on-screen finding's box, and seconds before and after it, so
#: that OCR's tight boxes and the sampling interval never leave an edge of a secret visible
BOX_PAD = 12
TIME_PAD = 0.5
#: seconds of silence added before and after a spoken secret
SPEECH_PAD = 0.3


# -- before a run ---------------------------------------------------------------------------
def check_scan_settings(cfg: ScanSettings) -> None:
    """Raises ConfigError for an unknown `on_secret` or a sampling rate that cannot work."""
    if cfg.on_secret not in ON_SECRET_CHOICES:
        raise ConfigError(
            f"scan.on_secret = {cfg.on_secret!r} is not one of {', '.join(ON_SECRET_CHOICES)}"
        )
    if not 0.5 <= cfg.fps <= 30:
        raise ConfigError(
            f"scan.fps = {cfg.fps} is out of range",
            hint="use 0.5 to 30 samples per second (2 is the default)",
        )


def default_chat_path(recording: Path) -> Path | None:
    """The chat file that goes with `recording` when none is named: `<stem>.chat.txt`."""
    candidate = Path(recording).with_name(Path(recording).stem + CHAT_SUFFIX)
    return candidate if candidate.is_file() else None


def chat_for(recording: Path, workspace: Workspace) -> Path | None:
    """The meeting chat of `recording`: the one fetched from Zoom into its work folder, else
    `<stem>.chat.txt` beside it, else None."""
    fetched = workspace.path(COMPANION_FILES["CHAT"])
    return fetched if fetched.is_file() else default_chat_path(recording)


def prepare_scan(settings: Settings, recording: Path, workspace: Workspace) -> Settings:
    """Check the scan settings and, when no chat is named, take the recording's own (its
    links also go into the description). Changes and returns `settings`.

    Raises ConfigError for invalid values."""
    check_scan_settings(settings.scan)
    if not settings.scan.chat:
        found = chat_for(recording, workspace)
        if found is not None:
            settings.scan.chat = str(found.resolve())
    if settings.scan.chat and not settings.describe.chat:
        settings.describe.chat = settings.scan.chat
    return settings


# -- findings -> what to hide ---------------------------------------------------------------
def findings_to_ranges(
    findings: list[SecretFinding],
    *,
    pad: int = BOX_PAD,
    pad_s: float = TIME_PAD,
    frame_size: tuple[int, int] | None = None,
    duration: float | None = None,
) -> list[RedactionRange]:
    """The ranges to blur for the unresolved on-screen findings: each box grown by `pad`
    pixels (clamped to `frame_size` (w, h)), each time span by `pad_s` seconds each side
    (clamped to 0 and `duration`). Overlapping spans are split so that the result is sorted
    and non-overlapping, each range carrying every box shown during it."""
    spans = []
    for f in unresolved(findings):
        if f.source != "screen" or not f.boxes:
            continue
        start = max(0.0, f.start - pad_s)
        end = f.end + pad_s if duration is None else min(duration, f.end + pad_s)
        spans.append((start, end, [pad_box(b, pad, frame_size) for b in f.boxes]))
    cuts = sorted({t for s, e, _ in spans for t in (s, e)})
    ranges: list[RedactionRange] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        regions = [box for s, e, boxes in spans if s < b and e > a for box in boxes]
        if not regions:
            continue
        unique = tuple(dict.fromkeys(tuple(r) for r in regions))
        last = ranges[-1] if ranges else None
        if last is not None and last.end == a and last.regions == unique:
            ranges[-1] = RedactionRange(last.start, b, unique)
        else:
            ranges.append(RedactionRange(round(a, 3), round(b, 3), unique))  # type: ignore[arg-type]
    return ranges


def mute_ranges(
    findings: list[SecretFinding], *, pad_s: float = SPEECH_PAD
) -> list[tuple[float, float]]:
    """(start, end) spans of unresolved spoken secrets, padded, merged where they touch."""
    spans = sorted(
        (max(0.0, f.start - pad_s), f.end + pad_s)
        for f in unresolved(findings)
        if f.source == "speech"
    )
    merged: list[tuple[float, float]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def read_flags(path: Path) -> list[SecretFinding]:
    """The findings of a flags.json written by the secret scan.

    Raises InputError when the file is missing or not a flags file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [SecretFinding.from_dict(f) for f in data["findings"]]
    except FileNotFoundError as exc:
        raise InputError(f"ranges file not found: {path}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"{path} is not a flags file: {exc}",
            hint='expected {"findings": [{"start", "end", "boxes", ...}]} as the secret scan writes',
        ) from exc


def flags_redaction(
    path: Path, media: MediaInfo
) -> tuple[list[RedactionRange], list[tuple[float, float]]]:
    """What `pipeline redact --ranges flags.json` hides: the same padded boxes as
    `on_secret = blur`, and the spoken secrets silenced. Returns (ranges, mute spans).

    Raises InputError when the file is not a flags file."""
    # what a person hands over is to be hidden, whatever the scan's status said, unless it
    # was dismissed as a false alarm
    findings = [
        replace(f, status="unresolved") for f in read_flags(path) if f.status != "dismissed"
    ]
    frame = (media.video.width, media.video.height) if media.video else None
    ranges = findings_to_ranges(findings, frame_size=frame, duration=media.duration)
    return ranges, mute_ranges(findings)


# -- after a run ----------------------------------------------------------------------------
#: what became of a finding, as `pipeline run` reports it
ACTIONS = {
    "redacted": "hidden in redacted.mp4",
    "dismissed": "dismissed (false alarm)",
    "reported": "reported; never uploaded (chat)",
    "held": "held: nothing is published",
    "exposed": "NOT hidden: publishing would show it",
}


@dataclass
class FindingReport:
    """One finding and what was done about it."""

    finding: SecretFinding
    action: str

    def to_dict(self) -> dict[str, Any]:
        f = self.finding
        return {
            "id": f.id,
            "start": f.start,
            "end": f.end,
            "rule": f.rule,
            "source": f.source,
            "preview": f.preview,
            "status": f.status,
            "action": self.action,
            "action_text": ACTIONS[self.action],
        }


@dataclass
class PolicyReport:
    """The findings of one recording after a run, with `on_secret` applied."""

    on_secret: str
    findings: list[FindingReport] = field(default_factory=list)

    @property
    def exposing(self) -> list[SecretFinding]:
        return [r.finding for r in self.findings if r.action in ("held", "exposed")]

    def to_dict(self) -> dict[str, Any]:
        return {"on_secret": self.on_secret, "findings": [r.to_dict() for r in self.findings]}

    def enforce(self) -> None:
        """With `on_secret = hold` and something that publishing would expose, raise
        SecretsHeldError naming the findings (masked)."""
        pending = self.exposing
        if self.on_secret != "hold" or not pending:
            return
        shown = "; ".join(describe(f) for f in pending[:5])
        more = f" and {len(pending) - 5} more" if len(pending) > 5 else ""
        raise SecretsHeldError(
            f"held before publishing: {len(pending)} unresolved secret finding(s): {shown}{more}",
            hint="review with `pipeline scan RECORDING --review`, dismiss false alarms with "
            "`--dismiss ID`, or set on_secret = blur",
        )


def _action(f: SecretFinding, on_secret: str, exposing_ids: set[str]) -> str:
    if f.status in ("redacted", "dismissed"):
        return f.status
    if f.id not in exposing_ids:
        return "reported"
    return "held" if on_secret == "hold" else "exposed"


def review_findings(workspace: Workspace, settings: Settings) -> PolicyReport:
    """What the scan found in `workspace` and what became of each finding under
    `settings.scan.on_secret` (an empty report when the recording was not scanned)."""
    findings = effective_findings(workspace)
    exposing_ids = {f.id for f in exposing(findings)}
    on_secret = settings.scan.on_secret
    return PolicyReport(
        on_secret, [FindingReport(f, _action(f, on_secret, exposing_ids)) for f in findings]
    )
