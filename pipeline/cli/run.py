"""`pipeline run RECORDING`: every stage, in order, skipping what is unchanged."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.common import (
    config_options,
    content_settings,
    describe_options,
    display_options,
    features_option,
    force_option,
    print_summary,
    resolve_force,
    resolve_settings,
    run_stages,
    setup_logging,
    transcribe_options,
)
from pipeline.cli.publish import print_result, privacy_option
from pipeline.cli.scan import resolve_scan_settings
from pipeline.leaks.findings import effective_findings, enforce_policy, exposing
from pipeline.stages import all_stages
from pipeline.workspace import Workspace
from pipeline.youtube.publisher import check_credentials, publish


@click.command("run")
@click.argument("recording", type=click.Path(path_type=Path))
@config_options
@transcribe_options
@features_option
@describe_options
@force_option
@click.option(
    "--publish",
    "publish_after",
    is_flag=True,
    help="Publish on YouTube after the last stage (credentials are checked first).",
)
@privacy_option
@display_options
def run_command(
    recording,
    config,
    out,
    model,
    device,
    features,
    date,
    chat,
    force,
    publish_after,
    privacy,
    quiet,
    as_json,
    debug,
):
    """Process RECORDING end to end: probe, transcribe, and every later stage.

    Secrets found on screen, in speech or chat are handled by the setting scan.on_secret:
    blur (default) or cut them, or hold: stop with exit code 11 before publishing.

    Outputs go to OUT/<recording name>/ (default ./pipeline-out/). Stages whose inputs and
    settings are unchanged are skipped, so an interrupted run picks up where it stopped.
    """
    setup_logging(debug)
    settings = resolve_settings(
        config,
        out,
        **{"transcribe.model": model, "transcribe.device": device},
        **content_settings(features, date, chat),
    )
    if publish_after:
        check_credentials(settings)  # before hours of work, not after
    resolve_scan_settings(settings, recording)
    summary = run_stages(
        recording, all_stages(), settings, quiet=quiet, as_json=as_json, force=resolve_force(force)
    )
    print_summary(summary, quiet=quiet, as_json=as_json)
    findings = effective_findings(Workspace(summary.workdir))
    # on_secret = hold: stop here, before anything can be published
    enforce_policy(findings, settings.scan.on_secret)
    pending = exposing(findings)
    if pending:
        click.echo(
            f"warning: {len(pending)} unresolved secret finding(s) (on_secret = "
            f"{settings.scan.on_secret}); list them: pipeline scan {recording} --review",
            err=True,
        )
    if publish_after:
        result = publish(summary.workdir, settings, privacy=privacy)
        print_result(result, as_json=as_json, quiet=quiet)
