"""Options and helpers shared by the commands: output folder, config, display mode, forcing,
and running a list of stages over one recording."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from pipeline.errors import UsageError
from pipeline.leaks.masking import install_log_masking
from pipeline.media.probe import probe
from pipeline.progress import JsonReporter, QuietReporter, Reporter, RichReporter
from pipeline.runner import FORCE_ALL, Runner, RunSummary
from pipeline.settings import Settings, load_settings
from pipeline.stages import Stage, stage_names
from pipeline.timecode import format_duration
from pipeline.workspace import Workspace


def display_options(func: Callable) -> Callable:
    """--quiet / --json / --debug."""
    func = click.option(
        "--debug", is_flag=True, help="Log every ffmpeg command and show tracebacks."
    )(func)
    func = click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print a machine-readable summary on stdout (progress as JSON lines on stderr).",
    )(func)
    func = click.option(
        "--quiet", "-q", is_flag=True, help="Print nothing but warnings, errors and the result."
    )(func)
    return func


def config_options(func: Callable) -> Callable:
    """--config / --out."""
    func = click.option(
        "--out",
        type=click.Path(path_type=Path),
        default=None,
        help="Folder holding the work folders (default: ./pipeline-out; setting general.out).",
    )(func)
    func = click.option(
        "--config",
        type=click.Path(path_type=Path),
        default=None,
        help="Config file (default: ./pipeline.toml if present).",
    )(func)
    return func


def transcribe_options(func: Callable) -> Callable:
    func = click.option(
        "--device",
        type=click.Choice(["auto", "cpu", "cuda"]),
        default=None,
        help="Where the speech model runs (default auto).",
    )(func)
    func = click.option(
        "--model",
        default=None,
        help="faster-whisper model: tiny.en (bundled default), another name, or a local folder.",
    )(func)
    return func


def force_option(func: Callable) -> Callable:
    return click.option(
        "--force",
        "force",
        multiple=True,
        is_flag=False,
        flag_value=FORCE_ALL,
        metavar="[STAGE]",
        help="Redo stages even if cached: --force alone redoes all (put it after the recording), "
        "--force NAME redoes one; repeatable.",
    )(func)


def setup_logging(debug: bool) -> None:
    from rich.logging import RichHandler

    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = (
        RichHandler(show_path=False, rich_tracebacks=debug) if debug else logging.StreamHandler()
    )
    if not debug:
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    for noisy in ("faster_whisper", "httpx", "urllib3", "googleapiclient", "RapidOCR"):
        logging.getLogger(noisy).setLevel(logging.INFO if debug else logging.WARNING)
    # no log line may show a detected secret in full, whichever library logs it
    install_log_masking(root)


def make_reporter(quiet: bool, as_json: bool) -> Reporter:
    if as_json:
        return JsonReporter()
    if quiet:
        return QuietReporter()
    return RichReporter()


def resolve_force(values: tuple[str, ...]) -> set[str]:
    known = set(stage_names())
    chosen = set(values)
    unknown = chosen - known - {FORCE_ALL}
    if unknown:
        raise UsageError(
            f"--force: unknown stage {', '.join(sorted(unknown))}",
            hint=f"stages are {', '.join(stage_names())}; use --force alone after the recording to redo all",
        )
    return chosen


def resolve_settings(config: Path | None, out: Path | None, **cli: Any) -> Settings:
    values = {"general.out": str(out) if out else None}
    values.update(cli)
    return load_settings(config, cli=values)


def run_stages(
    recording: Path,
    stages: list[Stage],
    settings: Settings,
    *,
    quiet: bool,
    as_json: bool,
    force: set[str],
) -> RunSummary:
    """Probe the recording (refusing bad input before anything is written), then run
    `stages` over its work folder."""
    media = probe(recording)
    workspace = Workspace.for_recording(recording, Path(settings.general.out))
    runner = Runner(
        recording=Path(media.path),
        media=media,
        workspace=workspace,
        settings=settings,
        reporter=make_reporter(quiet, as_json),
        force=force,
    )
    return runner.run(stages)


def print_summary(summary: RunSummary, *, quiet: bool, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary.to_dict(), indent=2))
        return
    if quiet:
        click.echo(str(summary.workdir))
        return
    streams = "+".join(
        k for k, v in (("video", summary.media.has_video), ("audio", summary.media.has_audio)) if v
    )
    click.echo(f"{summary.recording.name}: {format_duration(summary.media.duration)} ({streams})")
    for o in summary.outcomes:
        note = f"  ({o.note})" if o.note and o.status != "ran" else ""
        click.echo(f"  {o.name:<12} {o.status:<15} {o.seconds:7.1f} s{note}")
    workdir = summary.workdir.resolve()
    click.echo(f"outputs in {workdir}:")
    names = [name for o in summary.outcomes for name in o.outputs]
    click.echo("  " + ", ".join(names))


def features_option(func: Callable) -> Callable:
    """--features FILE (demo days)."""
    return click.option(
        "--features",
        type=click.Path(path_type=Path, exists=True, dir_okay=False),
        default=None,
        help="Demo day: YAML list of the features to demo, in order (with presenters); each "
        "becomes a chapter from the moment its demo starts (setting chapters.features).",
    )(func)


def date_option(func: Callable) -> Callable:
    """--date."""
    return click.option(
        "--date",
        default=None,
        metavar="YYYY-MM-DD",
        help="Recording date for the title (default: the recording's creation time).",
    )(func)


def describe_options(func: Callable) -> Callable:
    """--date / --chat."""
    func = click.option(
        "--chat",
        type=click.Path(path_type=Path, exists=True, dir_okay=False),
        default=None,
        help="Zoom chat export (chat.txt): links posted there go into the description.",
    )(func)
    return date_option(func)


def content_settings(
    features: Path | None = None, date: str | None = None, chat: Path | None = None
) -> dict[str, Any]:
    """The `section.key` values --features / --date / --chat set."""
    return {
        "chapters.features": str(Path(features).resolve()) if features else None,
        "describe.date": date,
        "describe.chat": str(Path(chat).resolve()) if chat else None,
        "scan.chat": str(Path(chat).resolve()) if chat else None,
    }
