"""`pipeline redact [RECORDING] --from 12:03 --to 12:41`: blur or cut ranges of a recording
into redacted.mp4, re-encoding only around the ranges, verified before anything is written."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.invocation import invoke
from pipeline.cli.options import config_options, display_options
from pipeline.cli.output import echo_lines, redaction_lines
from pipeline.leaks.policy import flags_redaction
from pipeline.redaction.ranges import requested_ranges
from pipeline.redaction.redact import media_of, redact
from pipeline.workspace import Workspace, latest_recording


@click.command("redact")
@click.argument("recording", type=click.Path(path_type=Path), required=False)
@click.option("--from", "start", metavar="TIME", help="Start of the range (ss, mm:ss or h:mm:ss).")
@click.option("--to", "end", metavar="TIME", help="End of the range (exclusive).")
@click.option(
    "--range",
    "spans",
    multiple=True,
    metavar="FROM-TO",
    help="A range, e.g. 12:03-12:41; repeatable.",
)
@click.option(
    "--ranges",
    "flags",
    type=click.Path(path_type=Path),
    help="The secret scan's flags.json: its findings are hidden exactly as on_secret = blur "
    "hides them (padded boxes; spoken ones silenced).",
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
    recording, start, end, spans, flags, mode, regions, mute, output, replace, **_options
):
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
    cmd = invoke()
    if not flags:
        requested_ranges(start, end, spans, regions)  # bad ranges fail before anything else
    if recording is None:
        recording = latest_recording(cmd.out_root)
        click.echo(f"redacting {recording} (most recent recording in {cmd.out_root})", err=True)
    from_flags, mute_spans = flags_redaction(flags, media_of(recording)) if flags else ([], [])
    wanted = requested_ranges(start, end, spans, regions, from_flags)
    workspace = Workspace.for_recording(recording, cmd.out_root)
    with cmd.reporting("redact") as progress:
        result = redact(
            workspace, recording, wanted, mode=mode, mute=mute, output=output,
            settings=cmd.settings.redact, replace=replace, progress=progress,
            mute_spans=mute_spans,
        )  # fmt: skip
    for notice in result.notices:
        click.echo(f"notice: {notice}", err=True)
    if cmd.as_json:
        cmd.echo_json({"output": str(result.output), "skipped": result.skipped, **result.log})
    elif result.skipped:
        click.echo(f"already redacted, nothing to do: {result.output}")
    elif cmd.quiet:
        click.echo(str(result.output))
    else:
        echo_lines(redaction_lines(result, workspace, mode))
