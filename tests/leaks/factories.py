"""Findings made for tests: a fake AWS key shown on screen unless told otherwise."""

from __future__ import annotations

from pipeline.leaks.findings import SecretFinding


def finding(id="a1", start=5.0, end=8.0, boxes=None, source="screen", status="unresolved"):
    """One finding as the scan writes it (masked preview only)."""
    return SecretFinding(
        id=id, start=start, end=end, boxes=[[100, 50, 200, 30]] if boxes is None else boxes,
        rule="aws-access-key", source=source, confidence=0.9, preview="AKIA************MPLE",
        status=status,
    )  # fmt: skip
