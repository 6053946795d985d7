"""The video's title: a Python format template such as `Meltano Office Hours - {date:%Y-%m-%d}`
filled with the event's date (`pipeline.youtube.event_date` says where that comes from)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pipeline.errors import ConfigError, UsageError
from pipeline.media.probe import MediaInfo
from pipeline.settings import DescribeSettings
from pipeline.workspace import SLIDES_DIR, Workspace
from pipeline.youtube.event_date import EventDate, event_date, modification_date
from pipeline.youtube.rules import fit_title

FIRST_SLIDE = f"{SLIDES_DIR}/0001.jpg"

def title_slide_text(workspace: Workspace | None) -> Callable[[], str] | None:
    """What the title slide (the first slide the slides stage kept) says, read with OCR when
    asked; None when there is no slide."""
    if workspace is None or not workspace.exists(FIRST_SLIDE):
        return None

    def read() -> str:
        import numpy as np
        from PIL import Image

        from pipeline.slides.titles import SlideTitleReader

        image = np.asarray(Image.open(workspace.path(FIRST_SLIDE)).convert("RGB"))
        return SlideTitleReader().all_text(image)

    return read


def recording_event_date(
    cfg: DescribeSettings, media: MediaInfo | None, workspace: Workspace | None = None
) -> EventDate | None:
    """The event's date from the first source that names it, the title slide included."""
    return event_date(cfg, media, workspace, title_slide_text=title_slide_text(workspace))


def render_title(
    cfg: DescribeSettings, media: MediaInfo | None, workspace: Workspace | None = None
) -> str:
    """The video title from the template, within YouTube's limits.

    Raises ConfigError for a template that does not format, UsageError when the template
    needs a date and none is known.
    """
    found = recording_event_date(cfg, media, workspace) or modification_date(media)
    when = found.when if found is not None else None
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
