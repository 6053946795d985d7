"""Findings: dismissals recorded in the work folder, and the thumbnail guard."""

from __future__ import annotations

import pytest

from pipeline.errors import InputError
from pipeline.leaks.findings import (
    apply_review,
    dismiss,
    is_flagged,
    load_findings,
    write_findings,
)
from pipeline.workspace import FLAGS_JSON, SCAN_REVIEW_JSON, Workspace, fingerprint_artifact
from tests.leaks.factories import finding


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
    assert "b" in ws.read_json(SCAN_REVIEW_JSON)["dismissed"]
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
