"""When the event took place, for the title and description. The first source that says:

1. `--date` (setting describe.date);
2. Zoom's meeting start (zoom_meeting.json, written when the recording was fetched);
3. the container's creation time;
4. a date in the file or folder name (Zoom names local recordings
   `GMT20240314-170012_Recording_1920x1080.mp4` in folders `2024-03-14 17.00.12 Topic`);
5. a date in the container's title tag;
6. a date read on the title slide (OCR of the first slide);
7. last, the file's modification time (the describe stage warns).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pipeline.errors import UsageError
from pipeline.media.probe import MediaInfo
from pipeline.settings import DescribeSettings
from pipeline.workspace import ZOOM_MEETING_JSON, Workspace

MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_PATTERNS = [
    # GMT20240314-170012, 20240314 (Zoom's local recordings)
    re.compile(r"(?<!\d)(?P<year>20\d\d)(?P<mon>[01]\d)(?P<day>[0-3]\d)(?!\d)"),
    # 2024-03-14, 2024.03.14, 2024/03/14, 2024_03_14
    re.compile(r"(?<!\d)(?P<year>20\d\d)[-./_ ](?P<mon>[01]?\d)[-./_ ](?P<day>[0-3]?\d)(?!\d)"),
    # March 14, 2024 / Mar 14th 2024
    re.compile(_MONTH + r"\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<year>20\d\d)", re.I),
    # 14 March 2024 / 14th of March, 2024
    re.compile(r"(?<!\d)(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+(?P<year>20\d\d)", re.I),
]  # fmt: skip


def dates_in_text(text: str) -> list[date]:
    """The calendar dates written in `text`, in the order they appear (impossible ones,
    like 2024-13-45, left out)."""
    found: list[tuple[int, date]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            parts = m.groupdict()
            month = int(parts["mon"]) if parts.get("mon") else MONTHS[parts["month"].lower()]
            try:
                found.append((m.start(), date(int(parts["year"]), month, int(parts["day"]))))
            except ValueError:
                continue
    return [d for _, d in sorted(found)]


def parse_date(text: str) -> datetime:
    """Parse `YYYY-MM-DD` (or a full ISO timestamp). Raises UsageError otherwise."""
    try:
        if len(text.strip()) == 10:
            return datetime.combine(date.fromisoformat(text.strip()), datetime.min.time())
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"cannot read date {text!r}", hint="use YYYY-MM-DD") from exc


@dataclass(frozen=True)
class EventDate:
    """The date and the source that named it (`--date`, `zoom`, `creation time`, `file
    name`, `title tag`, `title slide`, `modification time`)."""

    when: datetime
    source: str


def _at_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


def _from_names(path: Path) -> datetime | None:
    for name in (path.name, path.parent.name):
        found = dates_in_text(name)
        if found:
            return _at_midnight(found[0])
    return None


def event_date(
    cfg: DescribeSettings,
    media: MediaInfo | None,
    workspace: Workspace | None = None,
    *,
    title_slide_text: Callable[[], str] | None = None,
) -> EventDate | None:
    """The event's date from the first source that names it (see the module), None when
    none does but the file's modification time. `title_slide_text` is asked last (OCR)."""
    if cfg.date:
        return EventDate(parse_date(cfg.date), "--date")
    if workspace is not None and workspace.exists(ZOOM_MEETING_JSON):
        start = workspace.read_json(ZOOM_MEETING_JSON).get("start_time")
        if start:
            return EventDate(parse_date(str(start)), "zoom")
    if media is not None and media.creation_time:
        return EventDate(parse_date(media.creation_time), "creation time")
    if media is not None:
        named = _from_names(Path(media.path))
        if named is not None:
            return EventDate(named, "file name")
        tagged = dates_in_text(media.title or "")
        if tagged:
            return EventDate(_at_midnight(tagged[0]), "title tag")
    if title_slide_text is not None:
        shown = dates_in_text(title_slide_text())
        if shown:
            return EventDate(_at_midnight(shown[0]), "title slide")
    return None


def modification_date(media: MediaInfo | None) -> EventDate | None:
    """The recording file's modification time: the last resort when nothing names the date."""
    if media is None:
        return None
    try:
        return EventDate(datetime.fromtimestamp(Path(media.path).stat().st_mtime), "modification time")
    except OSError:
        return None
