"""`pipeline init`: write a commented default pipeline.toml."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.config_file import default_config_text
from pipeline.errors import OutputError, UsageError
from pipeline.settings import CONFIG_NAME
from pipeline.workspace import write_text_atomic


@click.command("init")
@click.argument("path", type=click.Path(path_type=Path), default=CONFIG_NAME, required=False)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init_command(path: Path, force: bool) -> None:
    """Write a commented default config file to PATH (default ./pipeline.toml).

    Every setting is listed with its default and the environment variable that overrides
    it: title and description templates, the Slack link, chapter and thumbnail settings,
    the speech model.
    """
    if path.exists() and not force:
        raise UsageError(f"{path} already exists", hint="pass --force to overwrite it")
    try:
        write_text_atomic(path, default_config_text())
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    click.echo(f"wrote {path}")
