"""Findings: redaction ranges for the redact stage, the hold policy, dismissals recorded in the
work folder, and the thumbnail guard."""

from __future__ import annotations

import pytest

from pipeline.errors import InputError, SecretsHeldError
from pipeline.leaks.findings import (
    FLAGS_JSON,
    REVIEW_JSON,
    SecretFinding,
    apply_review,
    dismiss,
    enforce_policy,
    findings_to_ranges,
    is_flagged,
    load_findings,
    mute_ranges,
    write_findings,
)
from pipeline.workspace import Workspace, fingerprint_artifact


def finding(id="a1", start=5.0, end=8.0, boxes=None, source="screen", status="unresolved"):
    return SecretFinding(
        id=id, start=start, end=end, boxes=[[100, 50, 200, 30]] if boxes is None else boxes,
        rule="aws-access-key", source=source, confidence=0.9, preview="AKIA************MPLE",
        status=status,
    )  # fmt: skip


def test_ranges_pad_boxes_and_times_and_clamp_to_the_frame():
    ranges = findings_to_ranges(
        [finding(boxes=[[5, 2, 100, 20]])], pad=10, pad_s=0.5, frame_size=(1280, 720)
    )
    assert [(r.start, r.end, r.regions) for r in ranges] == [(4.5, 8.5, ((0, 0, 115, 32),))]
    assert ranges[0].to_dict() == {"start": 4.5, "end": 8.5, "regions": [[0, 0, 115, 32]]}


def test_overlapping_findings_split_into_non_overlapping_ranges():
    a = finding("a", 0.0, 10.0, [[0, 0, 10, 10]])
    b = finding("b", 5.0, 15.0, [[100, 100, 10, 10]])
    ranges = findings_to_ranges([a, b], pad=0, pad_s=0.0, duration=12.0)
    assert [(r.start, r.end, len(r.regions)) for r in ranges] == [
        (0.0, 5.0, 1),
        (5.0, 10.0, 2),
        (10.0, 12.0, 1),
    ]
    assert all(x.end <= y.start for x, y in zip(ranges, ranges[1:], strict=False))


def test_only_unresolved_screen_findings_become_blur_ranges():
    found = [
        finding("a", status="dismissed"),
        finding("b", status="redacted"),
        finding("c", source="speech", boxes=[]),
        finding("d", source="chat", boxes=[]),
    ]
    assert findings_to_ranges(found) == []
    assert mute_ranges(found, pad_s=0.0) == [(5.0, 8.0)]


def test_hold_refuses_with_masked_previews_and_blur_lets_it_pass():
    found = [finding("a"), finding("b", status="dismissed")]
    enforce_policy(found, "blur")
    with pytest.raises(SecretsHeldError) as err:
        enforce_policy(found, "hold")
    assert err.value.exit_code == 11
    assert "1 unresolved" in err.value.message and "AKIA************MPLE" in err.value.message
    enforce_policy([finding("a", status="dismissed")], "hold")


def test_thumbnails_avoid_flagged_times():
    found = [finding(start=5.0, end=8.0), finding("b", 20.0, 30.0, status="dismissed")]
    assert is_flagged(found, 6.0)
    assert is_flagged(found, 4.6)
    assert not is_flagged(found, 12.0)
    assert not is_flagged(found, 25.0)


def test_dismiss_records_the_decision_and_keeps_the_scan_cached(tmp_path):
    ws = Workspace(tmp_path)
    ws.prepare()
    write_findings(ws, [finding("a"), finding("b")])
    ws.record_stage(
        "scan",
        {"status": "done", "outputs": {FLAGS_JSON: fingerprint_artifact(ws.path(FLAGS_JSON))}},
    )
    dismissed = dismiss(ws, "b")
    assert dismissed.status == "dismissed"
    assert "b" in ws.read_json(REVIEW_JSON)["dismissed"]
    assert [f.status for f in load_findings(ws)] == ["unresolved", "dismissed"]
    assert ws.outputs_intact(ws.stage_record("scan"))
    # a later scan re-applies the decision
    fresh = [finding("a"), finding("b")]
    apply_review(ws, fresh)
    assert [f.status for f in fresh] == ["unresolved", "dismissed"]
    with pytest.raises(InputError):
        dismiss(ws, "zzz")


def test_loading_before_a_scan_says_what_to_run(tmp_path):
    with pytest.raises(InputError) as err:
        load_findings(Workspace(tmp_path))
    assert "pipeline scan" in (err.value.hint or "")
