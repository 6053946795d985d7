"""Masking secrets wherever text leaves the program: previews in flags.json, table rows, log
records and error lines. A masked value never shows more than 8 characters of the secret
(`AKIA************MPLE`)."""

from __future__ import annotations

import logging
import re
import threading

#: the most characters of a secret a masked preview may show (first 4 + last 4)
MAX_SHOWN = 8
MASK_CHAR = "*"

_known: set[str] = set()
_known_lock = threading.Lock()

# Shapes of well-known tokens, masked in log records even before a detector registered them.
_TOKEN_SHAPES = re.compile(
    r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}"
    r"|gh[pousr]_[A-Za-z0-9_]{30,}"
    r"|github_pat_[A-Za-z0-9_]{30,}"
    r"|xox[abposr]-[0-9A-Za-z-]{10,}"
    r"|glpat-[A-Za-z0-9_\-]{20,}"
    r"|[sr]k_(?:live|test)_[0-9A-Za-z]{16,}"
    r"|AIza[0-9A-Za-z_\-]{30,}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_\-]{8,}"
)


def mask_secret(value: str) -> str:
    """A preview of `value` that keeps at most `MAX_SHOWN` of its characters: the first and
    last 4 for values of 16 characters or more, the first and last 2 for 8 to 15, none for
    shorter ones. The length of the stars follows the value's length."""
    n = len(value)
    if n >= 16:
        keep = 4
    elif n >= 8:
        keep = 2
    else:
        return MASK_CHAR * max(n, 4)
    return value[:keep] + MASK_CHAR * (n - 2 * keep) + value[-keep:]


def register_secret(value: str) -> None:
    """Remember a detected secret so that every later log record that contains it is
    masked (see `SecretMaskingFilter`). Values shorter than 6 characters are ignored: masking
    them would garble ordinary words."""
    if len(value) >= 6:
        with _known_lock:
            _known.add(value)


def known_secrets() -> list[str]:
    """The registered secrets, longest first (so a longer one is masked before its parts)."""
    with _known_lock:
        return sorted(_known, key=len, reverse=True)


def mask_text(text: str) -> str:
    """`text` with every registered secret and every well-known token shape masked."""
    for value in known_secrets():
        if value in text:
            text = text.replace(value, mask_secret(value))
    return _TOKEN_SHAPES.sub(lambda m: mask_secret(m.group(0)), text)


class SecretMaskingFilter(logging.Filter):
    """A logging filter (install it on handlers) that rewrites each record so that its
    message and traceback hold no detected secret. It never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler's own error path
            return True
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def install_log_masking(logger: logging.Logger | None = None) -> None:
    """Add a `SecretMaskingFilter` to every handler of `logger` (the root by default) that
    does not have one yet."""
    logger = logger or logging.getLogger()
    for handler in logger.handlers:
        if not any(isinstance(f, SecretMaskingFilter) for f in handler.filters):
            handler.addFilter(SecretMaskingFilter())
