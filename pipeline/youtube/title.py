"""The video's date and title: the date from `--date` (describe.date), else Zoom's meeting
start time when the Zoom stage recorded one, else the recording's creation time, else (with
a warning from the describe stage) the file's modification time; the title from a Python
format template such as `Meltano Office Hours - {date:%Y-%m-%d}`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from pipeline.errors import ConfigError, UsageError
from pipeline.media.probe import MediaInfo
from pipeline.settings import DescribeSettings
from pipeline.workspace import ZOOM_MEETING_JSON, Workspace
from pipeline.youtube.rules import fit_title

#: written by `pipeline fetch`/`batch` with the Zoom meeting's facts ({"start_time": ISO, ...})


def parse_date(text: str) -> datetime:
    """Parse `YYYY-MM-DD` (or a full ISO timestamp). Raises UsageError otherwise."""
    try:
        if len(text.strip()) == 10:
            return datetime.combine(date.fromisoformat(text.strip()), datetime.min.time())
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"cannot read date {text!r}", hint="use YYYY-MM-DD") from exc


def recording_date(
    cfg: DescribeSettings, media: MediaInfo | None, workspace: Workspace | None = None
) -> datetime | None:
    """The date the recording was made, or None when nothing says."""
    if cfg.date:
        return parse_date(cfg.date)
    if workspace is not None and workspace.exists(ZOOM_MEETING_JSON):
        start = workspace.read_json(ZOOM_MEETING_JSON).get("start_time")
        if start:
            return parse_date(str(start))
    if media is not None and media.creation_time:
        return parse_date(media.creation_time)
    return None


def fallback_date(media: MediaInfo | None) -> datetime | None:
    """The recording file's modification time: the last resort when nothing names the date."""
    if media is None:
        return None
    try:
        return datetime.fromtimestamp(Path(media.path).stat().st_mtime)
    except OSError:
        return None


def render_title(
    cfg: DescribeSettings, media: MediaInfo | None, workspace: Workspace | None = None
) -> str:
    """The video title from the template, within YouTube's limits.

    Raises ConfigError for a template that does not format, UsageError when the template
    needs a date and none is known.
    """
    when = recording_date(cfg, media, workspace) or fallback_date(media)
    if when is None:
        if "{date" in cfg.title_template:
            raise UsageError(
                "the title needs the recording date and the recording does not say",
                hint="pass --date YYYY-MM-DD (or set describe.date)",
            )
        when = datetime.now()
    try:
        title = cfg.title_template.format(date=when)
    except (KeyError, ValueError, IndexError, AttributeError) as exc:
        raise ConfigError(
            f"describe.title_template {cfg.title_template!r} does not format: {exc}",
            hint="use {date:%Y-%m-%d} style fields; {date} is the only one",
        ) from exc
    return fit_title(title)
