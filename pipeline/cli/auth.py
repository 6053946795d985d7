"""`pipeline auth youtube` (authorize once) and `pipeline auth check` (before long work)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.invocation import invoke
from pipeline.cli.options import config_options, debug_option
from pipeline.services.youtube_auth import authorize_installed_app
from pipeline.youtube.publisher import check_credentials


@click.group("auth")
def auth_group() -> None:
    """Authorize pipeline to publish on YouTube, and check that it still may."""


@auth_group.command("youtube")
@click.option(
    "--client-secrets",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The OAuth client file (Desktop app) downloaded from the Google Cloud console.",
)
@click.option(
    "--no-browser", is_flag=True, help="Print the consent URL instead of opening a browser."
)
@config_options
@debug_option
def auth_youtube(client_secrets, no_browser, **_options):
    """Run Google's consent flow and store the token (mode 0600) at setting
    youtube.token_file (PIPELINE_YOUTUBE_TOKEN_FILE)."""
    settings = invoke().settings
    path = authorize_installed_app(
        client_secrets, settings.youtube.token_file, open_browser=not no_browser
    )
    click.echo(f"token stored in {path}")


@auth_group.command("check")
@config_options
@debug_option
def auth_check(**_options):
    """Verify the stored YouTube credentials now (refreshes the access token; no quota)."""
    check_credentials(invoke().settings)
    click.echo("youtube: credentials ok")
