"""`pipeline run RECORDING`: every stage, in order, skipping what is unchanged."""

from __future__ import annotations

import click

from pipeline.cli.invocation import invoke
from pipeline.cli.options import (
    chat_option,
    config_options,
    date_option,
    display_options,
    features_option,
    force_option,
    privacy_option,
    recording_argument,
    transcribe_options,
)
from pipeline.cli.output import echo_lines, policy_lines, publish_lines
from pipeline.leaks.policy import prepare_scan, review_findings
from pipeline.stages import all_stages
from pipeline.youtube.publisher import check_credentials, publish


@click.command("run")
@recording_argument
@config_options
@transcribe_options
@features_option
@date_option
@chat_option
@force_option
@click.option(
    "--publish",
    "publish_after",
    is_flag=True,
    help="Publish on YouTube after the last stage (credentials are checked first).",
)
@privacy_option
@display_options
def run_command(recording, force, publish_after, privacy, **_options):
    """Process RECORDING end to end: probe, transcribe, and every later stage.

    Secrets found on screen, in speech or chat are handled by the setting scan.on_secret:
    blur (default) or cut them into redacted.mp4, or hold: stop with exit code 11 before
    publishing. Each finding is listed after the stage table with what was done about it.

    Outputs go to OUT/<recording name>/ (default ./pipeline-out/). Stages whose inputs and
    settings are unchanged are skipped, so an interrupted run picks up where it stopped.
    """
    cmd = invoke()
    if publish_after:
        check_credentials(cmd.settings)  # before hours of work, not after
    runner = cmd.runner(recording, force)
    prepare_scan(cmd.settings, recording, runner.workspace)
    summary = runner.run(all_stages())
    report = review_findings(runner.workspace, cmd.settings)
    cmd.print_summary(summary, {"secrets": report.to_dict()})
    if not cmd.as_json and not cmd.quiet:
        echo_lines(policy_lines(report))
    report.enforce()  # on_secret = hold: stop here, before anything can be published
    if report.exposing:
        click.echo(
            f"warning: {len(report.exposing)} secret finding(s) not hidden; "
            f"list them: pipeline scan {recording} --review",
            err=True,
        )
    if publish_after:
        result = publish(summary.workdir, cmd.settings, privacy=privacy)
        echo_lines(publish_lines(result, as_json=cmd.as_json, quiet=cmd.quiet))
