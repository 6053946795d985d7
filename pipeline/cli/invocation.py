"""What every command does around its one call into the core: resolve the settings from its
options (CLI value > environment > pipeline.toml > default), set up logging and the progress
display, run stages over a recording, show a long call as a progress bar, print the result.
A command module only parses, calls the core and prints."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from pipeline.cli.options import SettingOption
from pipeline.errors import UsageError
from pipeline.leaks.masking import install_log_masking
from pipeline.progress import JsonReporter, ProgressCallback, QuietReporter, Reporter, RichReporter
from pipeline.runner import FORCE_ALL, Runner, RunSummary
from pipeline.settings import Settings, load_settings
from pipeline.stages import Stage, stage_names

NOISY_LOGGERS = ("faster_whisper", "httpx", "urllib3", "googleapiclient", "RapidOCR")


def setup_logging(debug: bool) -> None:
    """Warnings (or with `debug` everything, with tracebacks) on stderr, every line masked so
    that no detected secret or token is shown in full, whichever library logs it."""
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
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.INFO if debug else logging.WARNING)
    install_log_masking(root)


def resolve_force(values: tuple[str, ...]) -> set[str]:
    """The stages named by --force. Raises UsageError for an unknown name."""
    known = set(stage_names())
    chosen = set(values)
    unknown = chosen - known - {FORCE_ALL}
    if unknown:
        raise UsageError(
            f"--force: unknown stage {', '.join(sorted(unknown))}",
            hint=f"stages are {', '.join(stage_names())}; use --force alone after the "
            "recording to redo all",
        )
    return chosen


def settings_from_options(ctx: click.Context) -> dict[str, Any]:
    """`section.key` values of the running command's SettingOptions that were given."""
    values: dict[str, Any] = {}
    for param in ctx.command.params:
        if not isinstance(param, SettingOption):
            continue
        value = ctx.params.get(param.name or "")
        if value is not None:
            values[param.setting] = param.to_setting(value) if param.to_setting else value
    return values


@dataclass
class Invocation:
    """One command being run: its resolved settings and how it shows what it does."""

    settings: Settings
    quiet: bool = False
    as_json: bool = False
    debug: bool = False
    _reporter: Reporter | None = field(default=None, repr=False)

    @property
    def reporter(self) -> Reporter:
        if self._reporter is None:
            if self.as_json:
                self._reporter = JsonReporter()
            elif self.quiet:
                self._reporter = QuietReporter()
            else:
                self._reporter = RichReporter()
        return self._reporter

    @property
    def out_root(self) -> Path:
        return Path(self.settings.general.out)

    # -- stages -----------------------------------------------------------------------------
    def runner(self, recording: Path, force: tuple[str, ...] = ()) -> Runner:
        """The runner over `recording`'s work folder (probed first: bad input fails here,
        before anything is written)."""
        return Runner.for_recording(
            recording, self.settings, reporter=self.reporter, force=resolve_force(force)
        )

    def run_stages(
        self, recording: Path, stages: list[Stage], force: tuple[str, ...] = (), *, show=True
    ) -> RunSummary:
        """Run `stages` over `recording`; print the stage table unless `show` is False."""
        summary = self.runner(recording, force).run(stages)
        if show:
            self.print_summary(summary)
        return summary

    def print_summary(self, summary: RunSummary, extra: dict[str, Any] | None = None) -> None:
        """The stage table (or the workdir with --quiet, or JSON with `extra` merged in)."""
        from pipeline.cli.output import summary_lines

        if self.as_json:
            click.echo(json.dumps({**summary.to_dict(), **(extra or {})}, indent=2))
        elif self.quiet:
            click.echo(str(summary.workdir))
        else:
            for line in summary_lines(summary):
                click.echo(line)

    # -- calls that are not stages ----------------------------------------------------------
    @contextlib.contextmanager
    def reporting(self, name: str, total: float | None = None) -> Iterator[ProgressCallback]:
        """Show the call in the block as step `name`: a progress bar that starts with the
        first progress event (so bad input leaves the terminal untouched), finished as `ran`
        or `failed`."""
        reporter, bar = self.reporter, []

        def progress(done: float, total_now: float | None) -> None:
            if not bar:
                bar.append(reporter.stage_started(name, total))
            bar[0](done, total_now)

        started = time.perf_counter()
        status = "failed"
        try:
            yield progress
            status = "ran"
        finally:
            if bar:
                reporter.stage_finished(name, status, time.perf_counter() - started)
            reporter.close()

    def echo_json(self, value: Any) -> None:
        click.echo(json.dumps(value, indent=2, default=str))


def invoke(**settings: Any) -> Invocation:
    """Set up the running command: logging, and settings from its options, the config file
    (--config) and `settings` (`section.key` values decided by the command itself)."""
    ctx = click.get_current_context()
    params = ctx.params
    debug = bool(params.get("debug"))
    setup_logging(debug)
    values = {**settings_from_options(ctx), **{k: v for k, v in settings.items() if v is not None}}
    resolved = load_settings(params.get("config"), cli=values)
    return Invocation(
        resolved, quiet=bool(params.get("quiet")), as_json=bool(params.get("as_json")), debug=debug
    )
