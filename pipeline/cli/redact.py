"""`pipeline redact [RECORDING] --from 12:03 --to 12:41`: blur or cut ranges of a recording
into redacted.mp4, re-encoding only around the ranges, verified before anything is written."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from pipeline.cli.common import (
    config_options,
    display_options,
    make_reporter,
    resolve_settings,
    setup_logging,
)
from pipeline.errors import InputError, UsageError
from pipeline.redaction.ranges import RedactionRange, parse_range, parse_region, ranges_from_flags
from pipeline.stages.redact import REDACTIONS_JSON, redact
from pipeline.timecode import format_duration, parse_time
from pipeline.workspace import MANIFEST_NAME, Workspace


def latest_recording(out_root: Path) -> Path:
    """The recording most recently processed in `out_root` (by its work folder's manifest).

    Raises InputError when there is none.
    """
    best: tuple[float, Path] | None = None
    found = [(m, "recording") for m in Path(out_root).glob(f"*/{MANIFEST_NAME}")]
    found += [(m, "source") for m in Path(out_root).glob(f"*/{REDACTIONS_JSON}")]
    for manifest, key in found:
        try:
            path = Path(json.loads(manifest.read_text(encoding="utf-8"))[key]["path"])
        except (ValueError, KeyError, TypeError, OSError):
            continue
        stamp = manifest.stat().st_mtime
        if path.is_file() and (best is None or stamp > best[0]):
            best = (stamp, path)
    if best is None:
        raise InputError(
            f"no processed recording found in {out_root}",
            hint="name the recording: pipeline redact RECORDING --from ... --to ...",
        )
    return best[1]


def collect_ranges(
    start: str | None, end: str | None, ranges: tuple[str, ...], flags: Path | None,
    regions: tuple[str, ...],
) -> list[RedactionRange]:  # fmt: skip
    """The ranges named on the command line. Raises UsageError/InputError."""
    boxes = tuple(parse_region(r) for r in regions) or None
    pairs: list[tuple[float, float]] = []
    if (start is None) != (end is None):
        raise UsageError("--from and --to go together", hint="give both, or use --range FROM-TO")
    if start is not None and end is not None:
        pairs.append((parse_time(start), parse_time(end)))
    pairs += [parse_range(r) for r in ranges]
    found = [RedactionRange(a, b, boxes) for a, b in pairs]
    if flags is not None:
        found += ranges_from_flags(flags)
    if not found:
        raise UsageError("no range to redact", hint="give --from/--to, --range or --ranges")
    for r in found:
        if r.end <= r.start:
            raise UsageError(f"range {r.start:g}-{r.end:g} s: the start must come before the end")
    return found


@click.command("redact")
@click.argument("recording", type=click.Path(path_type=Path), required=False)
@click.option("--from", "start", metavar="TIME", help="Start of the range (ss, mm:ss or h:mm:ss).")
@click.option("--to", "end", metavar="TIME", help="End of the range (exclusive).")
@click.option(
    "--range",
    "ranges",
    multiple=True,
    metavar="FROM-TO",
    help="A range, e.g. 12:03-12:41; repeatable.",
)
@click.option(
    "--ranges",
    "flags",
    type=click.Path(path_type=Path),
    help="Ranges (and boxes) from a flags.json written by the secret scan.",
)
@click.option(
    "--mode",
    type=click.Choice(["blur", "cut"]),
    default="blur",
    show_default=True,
    help="Blur the picture, or cut video and audio out.",
)
@click.option(
    "--region",
    "regions",
    multiple=True,
    metavar="X,Y,W,H",
    help="Blur only this box (pixels); repeatable. Default: the whole frame.",
)
@click.option(
    "--mute",
    is_flag=True,
    help="Also silence the audio in the ranges (and drop the words spoken there).",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="Where to write the video (default: <work folder>/redacted.mp4).",
)
@click.option(
    "--replace", is_flag=True, help="Forget ranges redacted earlier instead of adding to them."
)
@config_options
@display_options
def redact_command(
    recording, start, end, ranges, flags, mode, regions, mute, output, replace,
    config, out, quiet, as_json, debug,
):  # fmt: skip
    """Blur or cut exposed ranges of RECORDING into redacted.mp4, in seconds.

    Only the stretch from the first redacted frame to the next keyframe is re-encoded; the
    rest is copied, so the edit is quick and loses no quality. The result is checked
    (decodes, duration, frame count, A/V sync, OCR finds no text where blurred) before it is
    written; the source is never modified. Ranges already redacted for the same source are
    kept, so adding a range re-renders from the original. The work folder keeps
    redactions.json, and after a cut (or --mute) a transcript, captions and chapters that
    follow the edit under redacted/.

    RECORDING defaults to the recording most recently processed in the output folder.
    """
    setup_logging(debug)
    settings = resolve_settings(config, out)
    wanted = collect_ranges(start, end, ranges, flags, regions)
    out_root = Path(settings.general.out)
    if recording is None:
        recording = latest_recording(out_root)
        click.echo(f"redacting {recording} (most recent recording in {out_root})", err=True)
    workspace = Workspace.for_recording(recording, out_root)
    reporter = make_reporter(quiet, as_json)
    bar: list = []

    def progress(done: float, total: float | None) -> None:
        # the bar starts with the render, so bad input leaves the terminal untouched
        if not bar:
            bar.append(reporter.stage_started("redact", total))
        bar[0](done, total)

    started = time.perf_counter()
    try:
        result = redact(
            workspace, recording, wanted, mode=mode, mute=mute, output=output,
            settings=settings.redact, replace=replace, progress=progress,
        )  # fmt: skip
        if bar:
            reporter.stage_finished("redact", "ran", time.perf_counter() - started)
    finally:
        if bar:
            reporter.close()
    for notice in result.notices:
        click.echo(f"notice: {notice}", err=True)
    if as_json:
        click.echo(
            json.dumps(
                {"output": str(result.output), "skipped": result.skipped, **result.log}, indent=2
            )
        )
        return
    if result.skipped:
        click.echo(f"already redacted, nothing to do: {result.output}")
        return
    if quiet:
        click.echo(str(result.output))
        return
    report = result.report
    assert report is not None
    verb = "cut" if mode == "cut" else "blurred"
    for r in result.ranges:
        where = "whole frame" if not r.regions else f"{len(r.regions)} region(s)"
        click.echo(f"  {verb} {format_duration(r.start)} - {format_duration(r.end)} ({where})")
    encoded = sum(b - a for a, b in report.spans)
    click.echo(
        f"  {report.method} render: re-encoded {encoded:.1f} s in {len(report.spans)} span(s), "
        f"copied the rest; checks passed: {', '.join(result.checks)}"
    )
    for name, target in result.followed.items():
        click.echo(f"  {name} follows the edit: {workspace.root / target}")
    click.echo(f"output: {result.output}")
    click.echo(f"log: {workspace.root / 'redactions.json'}")
