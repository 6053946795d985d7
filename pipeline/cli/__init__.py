"""The `pipeline` command. Each command lives in its own module and is registered here; one
top-level handler turns a PipelineError into one line on stderr and its exit code."""

from __future__ import annotations

import sys

import click

from pipeline import __version__
from pipeline.cli.redact import redact_command
from pipeline.cli.run import run_command
from pipeline.cli.transcribe import transcribe_command
from pipeline.errors import PipelineError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pipeline")
def cli() -> None:
    """Post-production for recorded community livestreams.

    \b
    pipeline run recording.mp4       transcript, captions and every later stage
    pipeline transcribe recording.mp4
    pipeline redact recording.mp4 --from 12:03 --to 12:41
    """


cli.add_command(run_command)
cli.add_command(transcribe_command)
cli.add_command(redact_command)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="pipeline", standalone_mode=False)
    except PipelineError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        click.echo(f"error: {exc.one_line()}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted: run the same command again to resume", err=True)
        sys.exit(130)
    except OSError as exc:
        if debug:
            raise
        click.echo(
            f"error: {exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".rstrip(": "),
            err=True,
        )
        sys.exit(1)
