"""The `pipeline` command. Each command lives in its own module and is registered here; one
top-level handler turns a PipelineError into one line on stderr and its exit code."""

from __future__ import annotations

import sys

import click

from pipeline import __version__
from pipeline.cli.auth import auth_group
from pipeline.cli.batch import batch_command
from pipeline.cli.beat import beat_command
from pipeline.cli.chapters import chapters_command
from pipeline.cli.fetch import fetch_command
from pipeline.cli.init import init_command
from pipeline.cli.lockdown import lockdown_command, republish_command
from pipeline.cli.publish import publish_command
from pipeline.cli.redact import redact_command
from pipeline.cli.review import review_command
from pipeline.cli.run import run_command
from pipeline.cli.scan import scan_command
from pipeline.cli.status import retry_command, status_command
from pipeline.cli.thumbnail import thumbnail_command
from pipeline.cli.transcribe import transcribe_command
from pipeline.cli.webhook import webhook_command
from pipeline.cli.worker import worker_command
from pipeline.errors import PipelineError
from pipeline.leaks.masking import mask_text
from pipeline.memory import keep_freed_pages, limit_malloc_arenas


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pipeline")
def cli() -> None:
    """Post-production for recorded community livestreams.

    \b
    pipeline run recording.mp4       transcript, captions and every later stage
    pipeline transcribe recording.mp4
    pipeline publish pipeline-out/recording    upload to YouTube (resumable)
    pipeline lockdown VIDEO_ID            make a leaking video private now
    pipeline fetch MEETING           download one Zoom cloud recording
    pipeline batch                   nightly: new Zoom recordings, processed and published
    pipeline batch --distributed     the same, enqueued for `pipeline worker`s (Celery)
    pipeline status                  what the batch has done
    pipeline scan recording.mp4 --review   secrets on screen, in speech and chat
    pipeline chapters recording.mp4  slide changes and YouTube chapters
    pipeline thumbnail recording.mp4
    pipeline init                    write a commented pipeline.toml
    pipeline redact recording.mp4 --from 12:03 --to 12:41
    """


cli.add_command(run_command)
cli.add_command(scan_command)
cli.add_command(transcribe_command)
cli.add_command(fetch_command)
cli.add_command(batch_command)
cli.add_command(status_command)
cli.add_command(retry_command)
cli.add_command(webhook_command)
cli.add_command(worker_command)
cli.add_command(beat_command)
cli.add_command(review_command)
cli.add_command(publish_command)
cli.add_command(auth_group)
cli.add_command(lockdown_command)
cli.add_command(republish_command)
cli.add_command(chapters_command)
cli.add_command(thumbnail_command)
cli.add_command(init_command)
cli.add_command(redact_command)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    limit_malloc_arenas()
    keep_freed_pages()
    try:
        cli.main(args=argv, prog_name="pipeline", standalone_mode=False)
    except PipelineError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        click.echo(f"error: {mask_text(exc.one_line())}", err=True)
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
