"""`pipeline scan RECORDING`: find secrets shown on screen, said aloud or typed into the chat;
`--review` lists them, `--dismiss ID` records that one is a false alarm."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pipeline.cli.common import (
    config_options,
    display_options,
    force_option,
    print_summary,
    resolve_force,
    resolve_settings,
    run_stages,
    setup_logging,
    transcribe_options,
)
from pipeline.leaks.findings import SecretFinding, describe, dismiss, load_findings
from pipeline.settings import Settings
from pipeline.stages.probe import ProbeStage
from pipeline.stages.scan import ScanStage, check_scan_settings, default_chat_path
from pipeline.stages.transcribe import TranscribeStage
from pipeline.timecode import format_clock
from pipeline.workspace import Workspace
from pipeline.zoom.recordings import COMPANION_FILES


def resolve_scan_settings(settings: Settings, recording: Path) -> Settings:
    """Check the scan settings and pick the chat file beside the recording when none is
    named. Raises ConfigError for invalid values."""
    check_scan_settings(settings.scan)
    if not settings.scan.chat:
        fetched = Workspace.for_recording(recording, Path(settings.general.out)).path(COMPANION_FILES["CHAT"])
        found = fetched if fetched.is_file() else default_chat_path(recording)
        if found is not None:
            settings.scan.chat = str(found.resolve())
    if settings.scan.chat and not settings.describe.chat:
        settings.describe.chat = settings.scan.chat  # its links go into the description
    return settings


def findings_table(findings: list[SecretFinding]) -> str:
    """The findings as an aligned text table (masked previews only)."""
    if not findings:
        return "no secrets found"
    rows = [("ID", "TIME", "SOURCE", "RULE", "PREVIEW", "CONF", "STATUS")]
    for f in findings:
        rows.append(
            (
                f.id,
                f"{format_clock(f.start)}-{format_clock(f.end)}",
                f.source,
                f.rule,
                f.preview,
                f"{f.confidence:.2f}",
                f.status,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


@click.command("scan")
@click.argument("recording", type=click.Path(path_type=Path))
@config_options
@click.option(
    "--chat",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Zoom chat file to scan too (default: RECORDING's <name>.chat.txt when present).",
)
@click.option(
    "--review", is_flag=True, help="Print the findings as a table (time, rule, masked preview)."
)
@click.option(
    "--dismiss",
    "dismissals",
    multiple=True,
    metavar="ID",
    help="Record that finding ID is a false alarm (kept in the work folder); repeatable. "
    "Nothing is scanned.",
)
@transcribe_options
@force_option
@display_options
def scan_command(
    recording, config, out, chat, review, dismissals, model, device, force, quiet, as_json, debug
):
    """Scan RECORDING for secrets: OCR of the screen where it changed, the transcript, and the
    meeting chat. Writes flags.json (masked previews, never a secret in clear).

    \b
    pipeline scan talk.mp4 --review        run (or reuse) the scan, print the findings
    pipeline scan talk.mp4 --dismiss 3fa2c1d0
    """
    setup_logging(debug)
    settings = resolve_settings(
        config,
        out,
        **{
            "transcribe.model": model,
            "transcribe.device": device,
            "scan.chat": str(chat.resolve()) if chat else None,
        },
    )
    resolve_scan_settings(settings, recording)
    if dismissals:
        workspace = Workspace.for_recording(recording, Path(settings.general.out))
        for finding in dismissals:
            click.echo(f"dismissed {describe(dismiss(workspace, finding))}")
        return
    summary = run_stages(
        recording,
        [ProbeStage(), TranscribeStage(), ScanStage()],
        settings,
        quiet=quiet or review,
        as_json=as_json,
        force=resolve_force(force),
    )
    findings = load_findings(Workspace(summary.workdir))
    if review:
        if as_json:
            click.echo(json.dumps([f.to_dict() for f in findings], indent=2))
        else:
            click.echo(findings_table(findings))
        return
    print_summary(summary, quiet=quiet, as_json=as_json)
    if not as_json:
        open_count = sum(f.status == "unresolved" for f in findings)
        click.echo(f"{len(findings)} finding(s), {open_count} unresolved (--review to list)")
