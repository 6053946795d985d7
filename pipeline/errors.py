"""Typed errors: each carries a one-line message, a hint that says what to do next, and an
exit code. One top-level handler (pipeline.cli) prints them; nothing else calls sys.exit."""

from __future__ import annotations


class PipelineError(Exception):
    """Base class for every error the user should see as one line."""

    exit_code = 1
    #: retryable errors may succeed on a later attempt (network, 5xx, rate limit)
    retryable = False

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """The message and the hint as a single line."""
        text = self.message.replace("\n", " ").strip()
        if self.hint:
            text += f" (hint: {self.hint.strip()})"
        return text


class InputError(PipelineError):
    """The input the user named is missing, unreadable or not what it must be."""

    exit_code = 2


class UsageError(InputError):
    """Options or arguments that do not make sense together."""


class ConfigError(InputError):
    """A config file or setting is invalid."""


class MediaError(PipelineError):
    """ffmpeg or a container library failed on an input that looked valid."""

    exit_code = 3


class CorruptMediaError(InputError):
    """The file is a media file but damaged (truncated, unreadable streams)."""


class ToolMissingError(PipelineError):
    """A required external binary (ffmpeg) cannot be found."""

    exit_code = 4


class ModelUnavailableError(PipelineError):
    """A speech or OCR model cannot be loaded (not bundled, not cached, no network)."""

    exit_code = 4


class OutputError(PipelineError):
    """The output folder or file cannot be written."""

    exit_code = 5


class StageError(PipelineError):
    """A stage failed for a reason not covered by a more specific error."""

    exit_code = 6


class ServiceError(PipelineError):
    """A remote service (YouTube, Zoom) refused or failed a request."""

    exit_code = 7


class AuthError(ServiceError):
    """Credentials are missing, invalid or can no longer be refreshed."""

    exit_code = 8


class QuotaExceededError(ServiceError):
    """The API quota is spent; a later attempt (after `resets_at`) may succeed."""

    exit_code = 9
    retryable = True

    def __init__(self, message: str, hint: str | None = None, resets_at: str | None = None):
        super().__init__(message, hint)
        self.resets_at = resets_at


class TransientServiceError(ServiceError):
    """Network errors or 5xx answers that outlasted every retry; running again resumes."""

    retryable = True


class UnresolvedFindingsError(PipelineError):
    """Publishing publicly was refused because secret findings are still unresolved."""

    exit_code = 10


# -- Zoom and the nightly batch --------------------------------------------------------------


class ZoomError(ServiceError):
    """Zoom refused a request for a reason that will not change by itself (bad credentials,
    no such meeting, a file that is not what Zoom said it is)."""


class ZoomTransientError(ZoomError):
    """Zoom failed in a way that may pass: 5xx, 429, a dropped connection, a short file."""

    retryable = True
    #: seconds Zoom asked us to wait (Retry-After), when it said
    retry_after: float | None = None


class BatchLockedError(PipelineError):
    """Another batch holds the lock."""

    exit_code = 21


class BatchIncompleteError(PipelineError):
    """The batch finished, but at least one recording failed (see the summary)."""

    exit_code = 20
class SecretsHeldError(PipelineError):
    """`on_secret = hold` and the scan found secrets nobody has resolved yet: the run stops
    before anything is published."""

    exit_code = 11
