"""Parsing and formatting of times. Inside the code a time is seconds as float; strings like
`12:03`, `1:02:03.5` exist only at the edges (CLI, captions, descriptions)."""

from __future__ import annotations

import re

from pipeline.errors import UsageError

_TIME = re.compile(r"^\s*(?:(?:(\d+):)?(\d{1,2}):)?(\d+(?:[.,]\d+)?)\s*$")


def parse_time(text: str) -> float:
    """Parse `ss`, `mm:ss` or `h:mm:ss` (fractions allowed) into seconds.

    Raises UsageError for anything else.
    """
    match = _TIME.match(str(text))
    if not match:
        raise UsageError(
            f"cannot read time {text!r}",
            hint="use seconds (75.5), mm:ss (1:15) or h:mm:ss (1:02:03.5)",
        )
    hours, minutes, seconds = match.groups()
    value = float(seconds.replace(",", "."))
    if minutes is not None:
        if value >= 60:
            raise UsageError(f"cannot read time {text!r}: seconds must be below 60")
        value += int(minutes) * 60
    if hours is not None:
        if int(minutes) >= 60:
            raise UsageError(f"cannot read time {text!r}: minutes must be below 60")
        value += int(hours) * 3600
    return value


def format_clock(seconds: float) -> str:
    """Format as YouTube shows chapter times: `m:ss` below an hour, else `h:mm:ss`."""
    total = int(max(0.0, seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def format_duration(seconds: float) -> str:
    """Human duration for summaries, e.g. `47.3 s`, `12:05`, `1:02:03`."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    return format_clock(seconds)
