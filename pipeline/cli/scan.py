"""`pipeline scan RECORDING`: find secrets shown on screen, said aloud or typed into the chat;
`--review` lists them, `--dismiss ID` records that one is a false alarm."""

from __future__ import annotations

import click

from pipeline.cli.invocation import invoke
from pipeline.cli.options import (
    chat_option,
    config_options,
    display_options,
    force_option,
    recording_argument,
    transcribe_options,
)
from pipeline.cli.output import findings_table
from pipeline.leaks.findings import describe, dismiss, load_findings
from pipeline.leaks.policy import prepare_scan
from pipeline.stages.probe import ProbeStage
from pipeline.stages.scan import ScanStage
from pipeline.stages.transcribe import TranscribeStage
from pipeline.workspace import Workspace


@click.command("scan")
@recording_argument
@config_options
@chat_option
@transcribe_options
@force_option
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
@display_options
def scan_command(recording, review, dismissals, force, **_options):
    """Scan RECORDING for secrets: OCR of the screen where it changed, the transcript, and the
    meeting chat. Writes flags.json (masked previews, never a secret in clear).

    \b
    pipeline scan talk.mp4 --review        run (or reuse) the scan, print the findings
    pipeline scan talk.mp4 --dismiss 3fa2c1d0
    """
    cmd = invoke()
    if dismissals:
        workspace = Workspace.for_recording(recording, cmd.out_root)
        for finding in dismissals:
            click.echo(f"dismissed {describe(dismiss(workspace, finding))}")
        return
    cmd.quiet = cmd.quiet or review
    runner = cmd.runner(recording, force)
    prepare_scan(cmd.settings, recording, runner.workspace)
    summary = runner.run([ProbeStage(), TranscribeStage(), ScanStage()])
    findings = load_findings(runner.workspace)
    if review:
        if cmd.as_json:
            cmd.echo_json([f.to_dict() for f in findings])
        else:
            click.echo(findings_table(findings))
        return
    cmd.print_summary(summary)
    if not cmd.as_json:
        open_count = sum(f.status == "unresolved" for f in findings)
        click.echo(f"{len(findings)} finding(s), {open_count} unresolved (--review to list)")
