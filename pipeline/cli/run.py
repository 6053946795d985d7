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
from pipeline.stages import all_stages


@click.command("run")
@click.argument("recording", type=click.Path(path_type=Path))
@config_options
@transcribe_options
@features_option
@describe_options
@force_option
@display_options
def run_command(
    recording, config, out, model, device, features, date, chat, force, quiet, as_json, debug
):
    """Process RECORDING end to end: probe, transcribe, and every later stage.

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
    summary = run_stages(
        recording, all_stages(), settings, quiet=quiet, as_json=as_json, force=resolve_force(force)
    )
    print_summary(summary, quiet=quiet, as_json=as_json)
