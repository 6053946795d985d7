"""Secret findings as stored in flags.json, the person's review decisions (scan-review.json),
and what follows from them: whether a finding is hidden by the work folder's redaction, and
whether a time may be used for a thumbnail (the policy that acts on them: leaks.policy).

flags.json: {"findings": [{"id", "start", "end", "boxes": [[x, y, w, h], ...], "rule",
"source": "screen"|"speech"|"chat", "confidence", "preview", "status":
"unresolved"|"redacted"|"dismissed"}]}. Previews are masked; no secret is stored in clear."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from pipeline.errors import InputError
from pipeline.media.geometry import box_inside
from pipeline.timecode import format_clock
from pipeline.workspace import (
    FLAGS_JSON,
    REDACTED_MP4,
    REDACTIONS_JSON,
    SCAN_REVIEW_JSON,
    Workspace,
)

ON_SECRET_CHOICES = ("blur", "cut", "hold")
STATUSES = ("unresolved", "redacted", "dismissed")


@dataclass
class SecretFinding:
    """One secret exposed in the recording. `boxes` are [x, y, w, h] in video pixels (empty
    for speech and chat); `preview` is masked."""

    id: str
    start: float
    end: float
    boxes: list[list[int]]
    rule: str
    source: str
    confidence: float
    preview: str
    status: str = "unresolved"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SecretFinding:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def finding_id(salt: str, source: str, rule: str, normalised_value: str) -> str:
    """A short id, stable across re-runs of the same recording, that does not reveal the
    secret (a salted hash cut to 8 hex digits)."""
    blob = f"{salt}|{source}|{rule}|{normalised_value}".encode()
    return hashlib.sha256(blob).hexdigest()[:8]


def unique_ids(findings: list[SecretFinding]) -> None:
    """Give repeated ids (the same secret shown twice) a -2, -3 ... suffix, in place."""
    seen: dict[str, int] = {}
    for f in findings:
        n = seen.get(f.id, 0) + 1
        seen[f.id] = n
        if n > 1:
            f.id = f"{f.id}-{n}"


# -- the work folder ------------------------------------------------------------------------
def load_findings(ws: Workspace) -> list[SecretFinding]:
    """The findings in flags.json. Raises InputError when the recording was not scanned."""
    if not ws.exists(FLAGS_JSON):
        raise InputError(
            f"no {FLAGS_JSON} in {ws.root}", hint="run `pipeline scan RECORDING` first"
        )
    return [SecretFinding.from_dict(d) for d in ws.read_json(FLAGS_JSON)["findings"]]


def dismissed_ids(ws: Workspace) -> dict[str, dict[str, Any]]:
    """The findings a person dismissed, by id, with when."""
    if not ws.exists(SCAN_REVIEW_JSON):
        return {}
    return dict(ws.read_json(SCAN_REVIEW_JSON).get("dismissed", {}))


def apply_review(ws: Workspace, findings: list[SecretFinding]) -> None:
    """Mark the findings a person dismissed, in place."""
    dismissed = dismissed_ids(ws)
    for f in findings:
        if f.id in dismissed and f.status == "unresolved":
            f.status = "dismissed"


def write_findings(ws: Workspace, findings: list[SecretFinding]) -> None:
    ws.write_json(FLAGS_JSON, {"findings": [f.to_dict() for f in findings]})


def dismiss(ws: Workspace, finding: str, *, stage: str = "scan") -> SecretFinding:
    """Record in the work folder that a person dismissed finding `finding` (a false alarm)
    and mark it so in flags.json, keeping the scan's cached result valid.

    Returns the finding. Raises InputError when no finding has that id."""
    findings = load_findings(ws)
    match = next((f for f in findings if f.id == finding), None)
    if match is None:
        known = ", ".join(f.id for f in findings) or "none"
        raise InputError(f"no finding with id {finding!r}", hint=f"ids are: {known}")
    review = ws.read_json(SCAN_REVIEW_JSON) if ws.exists(SCAN_REVIEW_JSON) else {"dismissed": {}}
    review.setdefault("dismissed", {})[match.id] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rule": match.rule,
        "preview": match.preview,
    }
    ws.write_json(SCAN_REVIEW_JSON, review)
    match.status = "dismissed"
    write_findings(ws, findings)
    ws.refresh_output(stage, FLAGS_JSON)
    return match


# -- what follows from the findings ---------------------------------------------------------
def unresolved(findings: list[SecretFinding]) -> list[SecretFinding]:
    return [f for f in findings if f.status == "unresolved"]


#: sources whose secrets end up in the uploaded video or its captions; a chat is not uploaded
#: (the description takes only its credential-free links)
PUBLISHED_SOURCES = ("screen", "speech")


def exposing(findings: list[SecretFinding]) -> list[SecretFinding]:
    """Unresolved findings that publishing the video would expose."""
    return [f for f in unresolved(findings) if f.source in PUBLISHED_SOURCES]


def _covered(f: SecretFinding, log: dict[str, Any], eps: float = 0.05) -> bool:
    """True when the redaction log hides finding `f` in the redacted video."""
    spans = [(float(r["start"]), float(r["end"]), r.get("regions")) for r in log.get("ranges", [])]
    within = [(a, b, regions) for a, b, regions in spans if a <= f.start + eps and f.end - eps <= b]
    if f.source == "screen":
        if log.get("mode") == "cut":
            return bool(within)
        return any(
            regions is None or all(any(box_inside(box, r) for r in regions) for box in f.boxes)
            for _, _, regions in within
        )
    if f.source == "speech":
        muted = [(float(a), float(b)) for a, b in log.get("mute_spans", [])]
        if any(a <= f.start + eps and f.end - eps <= b for a, b in muted):
            return True
        return bool(within) and (log.get("mute") or log.get("mode") == "cut")
    return False


def apply_redactions(ws: Workspace, findings: list[SecretFinding]) -> None:
    """Mark, in place, the unresolved findings that the work folder's redaction (redactions.json
    and the redacted video it describes) hides."""
    if not (ws.exists(REDACTIONS_JSON) and ws.exists(REDACTED_MP4)):
        return
    log = ws.read_json(REDACTIONS_JSON)
    for f in unresolved(findings):
        if _covered(f, log):
            f.status = "redacted"


def effective_findings(ws: Workspace) -> list[SecretFinding]:
    """The findings with the person's dismissals and the redaction applied: what is still
    `unresolved` is what publishing would expose. [] when the recording was not scanned."""
    if not ws.exists(FLAGS_JSON):
        return []
    findings = load_findings(ws)
    apply_review(ws, findings)
    apply_redactions(ws, findings)
    return findings


def is_flagged(findings: list[SecretFinding], t: float, *, pad_s: float = 0.5) -> bool:
    """True when time `t` falls in (or within `pad_s` of) a screen or speech finding that is
    not dismissed: a thumbnail must not come from there."""
    return any(
        f.start - pad_s <= t <= f.end + pad_s
        for f in findings
        if f.status != "dismissed" and f.source in ("screen", "speech")
    )


def describe(f: SecretFinding) -> str:
    """One line naming a finding without revealing it: `id  0:05-0:18  screen  rule  preview`."""
    span = f"{format_clock(f.start)}-{format_clock(f.end)}"
    return f"{f.id}  {span}  {f.source}  {f.rule}  {f.preview}"
