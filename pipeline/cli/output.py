"""How results look on a terminal: the stage table, the secret findings and what was done
about them, a publish result, a redaction, the batch's table. Printing only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click

from pipeline.leaks.findings import SecretFinding
from pipeline.leaks.policy import PolicyReport
from pipeline.runner import RunSummary
from pipeline.timecode import format_clock, format_duration


def summary_lines(summary: RunSummary) -> Iterable[str]:
    """The recording, one row per stage (status, seconds, why it did not run) and the
    outputs."""
    media = summary.media
    streams = "+".join(k for k, v in (("video", media.has_video), ("audio", media.has_audio)) if v)
    yield f"{summary.recording.name}: {format_duration(media.duration)} ({streams})"
    for o in summary.outcomes:
        note = f"  ({o.note})" if o.note and o.status != "ran" else ""
        yield f"  {o.name:<12} {o.status:<15} {o.seconds:7.1f} s{note}"
    yield f"outputs in {summary.workdir.resolve()}:"
    yield "  " + ", ".join(name for o in summary.outcomes for name in o.outputs)


def policy_lines(report: PolicyReport) -> Iterable[str]:
    """Each secret finding (time range, rule, where, masked preview) and what was done."""
    if not report.findings:
        yield "secrets: none found"
        return
    yield f"secrets: {len(report.findings)} finding(s), on_secret = {report.on_secret}"
    for row in report.findings:
        f = row.finding
        span = f"{format_clock(f.start)}-{format_clock(f.end)}"
        yield f"  {f.id:<10} {span:<13} {f.source:<6} {f.rule:<24} {f.preview}  -> {row.to_dict()['action_text']}"


def findings_table(findings: list[SecretFinding]) -> str:
    """The findings as an aligned text table (masked previews only)."""
    if not findings:
        return "no secrets found"
    rows = [("ID", "TIME", "SOURCE", "RULE", "PREVIEW", "CONF", "STATUS")]
    for f in findings:
        span = f"{format_clock(f.start)}-{format_clock(f.end)}"
        rows.append((f.id, span, f.source, f.rule, f.preview, f"{f.confidence:.2f}", f.status))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def echo_lines(lines: Iterable[str], *, err: bool = False) -> None:
    for line in lines:
        click.echo(line, err=err)


def rich_table(title: str, columns: Iterable[str], rows: Iterable[Iterable[Any]], width: int):
    """Print a table with rich (folded, `width` columns wide)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(c) for c in row))
    console = Console(width=width)
    console.print(table)
    return console


def publish_lines(result, *, as_json: bool, quiet: bool) -> Iterable[str]:
    """A publish result: the planned requests of a dry run, else the link (warnings go to
    stderr as they are printed)."""
    import dataclasses
    import json

    if as_json:
        yield json.dumps(dataclasses.asdict(result), indent=2)
        return
    if result.planned:
        yield "dry run: these requests would be made (none was sent):"
        yield from result.planned
        return
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if quiet:
        yield result.url
        return
    yield f"{'uploaded' if result.uploaded else 'updated'}: {result.url}"


def privacy_change_lines(change) -> Iterable[str]:
    """A lockdown or restore: the planned requests of a dry run, else old -> new privacy."""
    if change.planned:
        yield "dry run: these requests would be made (none was sent):"
        yield from change.planned
    elif change.changed:
        yield f"{change.video_id}: {change.previous} -> {change.current}"
    else:
        yield f"{change.video_id}: already {change.current}"


def redaction_lines(result, workspace, mode: str) -> Iterable[str]:
    """A finished redaction: each range, how it was rendered and checked, what follows it."""
    from pipeline.workspace import REDACTIONS_JSON

    report = result.report
    verb = "cut" if mode == "cut" else "blurred"
    for r in result.ranges:
        where = "whole frame" if not r.regions else f"{len(r.regions)} region(s)"
        yield f"  {verb} {format_duration(r.start)} - {format_duration(r.end)} ({where})"
    if report is not None:
        encoded = sum(b - a for a, b in report.spans)
        yield (
            f"  {report.method} render: re-encoded {encoded:.1f} s in {len(report.spans)} "
            f"span(s), copied the rest; checks passed: {', '.join(result.checks)}"
        )
    for name, target in result.followed.items():
        yield f"  {name} follows the edit: {workspace.root / target}"
    yield f"output: {result.output}"
    yield f"log: {workspace.path(REDACTIONS_JSON)}"


def batch_report_lines(report) -> None:
    """The batch's table: each recording taken, what became of it, and its link or error."""
    rows = [
        (o.start_time[:16].replace("T", " "), o.topic, o.result, o.error or o.video_url or "")
        for o in report.outcomes
    ]
    console = rich_table(
        f"Zoom recordings {report.since} .. {report.until}",
        ("start", "topic", "result", "youtube / error"),
        rows,
        width=160,
    )
    for outcome in report.outcomes:
        if outcome.secrets:
            console.print(f"{outcome.topic}:")
            for line in policy_lines(outcome.secrets):
                console.print(line, markup=False, highlight=False)
    if report.skipped:
        console.print(
            f"{len(report.skipped)} listed meeting(s) not taken (topic, length or no video)"
        )
    if report.watermark:
        console.print(f"watermark: {report.watermark.isoformat()}")


def ledger_lines(path, watermark, rows, step_summary, places=None) -> None:
    """`pipeline status`: every recording the ledger knows; with `places` (uuid -> where it
    is on the workers of a distributed batch) a column saying so."""
    table_rows = [
        (
            row.start_time[:16].replace("T", " "),
            row.topic,
            row.status,
            *([places.get(row.uuid, "-")] if places else []),
            step_summary(row.steps),
            row.attempts,
            row.video_url or "",
            row.uuid,
            (row.last_error or "")[:120],
        )  # fmt: skip
        for row in rows
    ]
    columns = ("start", "topic", "status", *(("where",) if places else ()), "step", "tries",
               "youtube", "uuid", "error")  # fmt: skip
    rich_table(
        f"{path} (watermark {watermark.isoformat() if watermark else 'none'})",
        columns,
        table_rows,
        width=200,
    )
