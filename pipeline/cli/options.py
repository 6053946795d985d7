"""The options the commands share. An option that sets a setting names its `section.key`
(`SettingOption`): `pipeline.cli.invocation` reads every such option of the running command
and resolves CLI value > environment > pipeline.toml > default in one call, so no command
copies a value into the settings by hand."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from pipeline.runner import FORCE_ALL
from pipeline.youtube.inputs import PRIVACIES


class SettingOption(click.Option):
    """A click option whose value (when given) overrides setting `setting`; `to_setting`
    turns the CLI value into the setting's value (e.g. a path made absolute)."""

    def __init__(
        self,
        *args: Any,
        setting: str,
        to_setting: Callable[[Any], Any] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.setting = setting
        self.to_setting = to_setting


VIDEO_ID_SHAPE = re.compile(r"-[A-Za-z0-9_-]{10}")
"""A YouTube video ID (11 characters of base64url) that starts with a dash, as many do."""


class VideoIdCommand(click.Command):
    """A command with a VIDEO_ID argument. YouTube video IDs may start with `-`, which click
    would read as an unknown option: such a token is passed as an argument (the arguments go
    after a `--`, in their order), so `pipeline lockdown -AbCdEfGhIj` just works."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, self._arguments_last(ctx, args))

    def _arguments_last(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value: dict[str, bool] = {}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not (param.is_flag or param.count)
        options: list[str] = []
        arguments: list[str] = []
        tokens = iter(args)
        for token in tokens:
            if token == "--":
                arguments.extend(tokens)
            elif token in takes_value:
                options.append(token)
                value = next(tokens, None) if takes_value[token] else None
                if value is not None:
                    options.append(value)
            elif VIDEO_ID_SHAPE.fullmatch(token) or not token.startswith("-"):
                arguments.append(token)
            else:
                options.append(token)  # --opt=value, or unknown: click says so
        return [*options, "--", *arguments] if arguments else options


def _absolute(path: Path | None) -> str | None:
    return str(Path(path).resolve()) if path else None


def setting_option(*decls: str, setting: str, to_setting=None, **kwargs: Any) -> Callable:
    """`click.option` for an option that sets `setting` (`section.key`)."""
    return click.option(*decls, cls=SettingOption, setting=setting, to_setting=to_setting, **kwargs)


def _stack(*decorators: Callable) -> Callable:
    def apply(func: Callable) -> Callable:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


recording_argument = click.argument("recording", type=click.Path(path_type=Path))

display_options = _stack(
    click.option(
        "--quiet", "-q", is_flag=True, help="Print nothing but warnings, errors and the result."
    ),
    click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print a machine-readable summary on stdout (progress as JSON lines on stderr).",
    ),
    click.option("--debug", is_flag=True, help="Log every ffmpeg command and show tracebacks."),
)
"""--quiet / --json / --debug."""

debug_option = click.option("--debug", is_flag=True, help="Log every request; show tracebacks.")

config_options = _stack(
    click.option(
        "--config",
        type=click.Path(path_type=Path),
        default=None,
        help="Config file (default: ./pipeline.toml if present).",
    ),
    setting_option(
        "--out",
        setting="general.out",
        to_setting=str,
        type=click.Path(path_type=Path),
        default=None,
        help="Folder holding the work folders (default: ./pipeline-out; setting general.out).",
    ),
)
"""--config / --out."""

transcribe_options = _stack(
    setting_option(
        "--model",
        setting="transcribe.model",
        default=None,
        help="faster-whisper model: tiny.en (bundled default), another name, or a local folder.",
    ),
    setting_option(
        "--device",
        setting="transcribe.device",
        type=click.Choice(["auto", "cpu", "cuda"]),
        default=None,
        help="Where the speech model runs (default auto).",
    ),
)
"""--model / --device."""

force_option = click.option(
    "--force",
    "force",
    multiple=True,
    is_flag=False,
    flag_value=FORCE_ALL,
    metavar="[STAGE]",
    help="Redo stages even if cached: --force alone redoes all (put it after the recording), "
    "--force NAME redoes one; repeatable.",
)

def file_setting_option(flag: str, setting: str, help: str) -> Callable:
    """An option naming an existing file whose absolute path becomes setting `setting`."""
    return setting_option(
        flag,
        setting=setting,
        to_setting=_absolute,
        type=click.Path(path_type=Path, exists=True, dir_okay=False),
        default=None,
        help=help,
    )


features_option = file_setting_option(
    "--features",
    "chapters.features",
    "Demo day: YAML list of the features to demo, in order (with presenters); each "
    "becomes a chapter from the moment its demo starts (setting chapters.features).",
)

date_option = setting_option(
    "--date",
    setting="describe.date",
    default=None,
    metavar="YYYY-MM-DD",
    help="Event date for the title (default: Zoom's meeting start, else the recording's "
    "creation time; setting describe.date).",
)

chat_option = file_setting_option(
    "--chat",
    "scan.chat",
    "Zoom chat export (chat.txt): scanned for secrets, and its links go into the "
    "description (default: the chat fetched with the recording, or RECORDING's "
    "<name>.chat.txt).",
)

privacy_option = click.option(
    "--privacy",
    type=click.Choice(PRIVACIES),
    default=None,
    help="Privacy of new uploads (default: setting youtube.privacy = private; an update keeps "
    "the video's own). public and unlisted are refused while secret findings are unresolved.",
)

dry_run_option = click.option(
    "--dry-run",
    is_flag=True,
    help="Print the exact requests that would change something on YouTube; send none of them.",
)
