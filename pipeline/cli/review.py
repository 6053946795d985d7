"""`pipeline review WORKDIR_OR_RECORDING`: the page the host looks at before publishing."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import click

from pipeline.cli.invocation import invoke
from pipeline.cli.options import config_options, debug_option
from pipeline.review.page import write_review
from pipeline.review.report import gather
from pipeline.workspace import resolve_workdir


@click.command("review")
@click.argument("target", type=click.Path(path_type=Path))
@config_options
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
@debug_option
def review_command(target, open_browser, **_options):
    """Write review.html (and review.json) for a processed recording and print its path.

    TARGET is a work folder (e.g. pipeline-out/talk) or the recording itself. The page shows
    the title and description as they will be uploaded, a timeline with chapters and flagged
    ranges, a card per chapter and per secret finding (frames after redaction only), the
    thumbnail, stage timings and warnings. Re-run it after `pipeline redact` or
    `pipeline scan --dismiss ID` to see the new state.
    """
    ws = resolve_workdir(target, invoke().out_root)
    html_name, _ = write_review(ws, gather(ws))
    page = ws.path(html_name).resolve()
    click.echo(str(page))
    if open_browser:
        webbrowser.open(page.as_uri())
