"""The event's date, from the first source that names it: --date, Zoom's meeting start, the
container's creation time, the file or folder name as Zoom writes them, the container's
title tag, the title slide (real OCR), and the file's modification time last."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.media.ffmpeg import run_ffmpeg
from pipeline.media.probe import probe
from pipeline.settings import DescribeSettings
from pipeline.workspace import SLIDES_DIR, ZOOM_MEETING_JSON, Workspace
from pipeline.youtube.event_date import dates_in_text, event_date, modification_date
from pipeline.youtube.title import recording_event_date, render_title


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GMT20240314-170012_Recording_1920x1080.mp4", date(2024, 3, 14)),
        ("2024-03-14 17.00.12 Community Office Hours", date(2024, 3, 14)),
        ("Demo Day - March 14, 2024", date(2024, 3, 14)),
        ("Office hours, 14th of Sept 2025", date(2025, 9, 14)),
        ("recorded 2023/11/02", date(2023, 11, 2)),
        ("Dec. 1st 2026: meetup", date(2026, 12, 1)),
    ],
)
def test_dates_written_as_people_and_zoom_write_them(text, expected):
    assert dates_in_text(text)[0] == expected


@pytest.mark.parametrize("text", ["version 2024-13-45", "1920x1080", "room 20241", "no date"])
def test_no_date_where_there_is_none(text):
    assert dates_in_text(text) == []


def _bare_copy(talk_mp4: Path, target: Path, title: str | None = None) -> Path:
    """The talk fixture without any metadata (no creation time), optionally a title tag."""
    target.parent.mkdir(parents=True, exist_ok=True)
    args = ["-y", "-i", str(talk_mp4), "-t", "2", "-map_metadata", "-1", "-c", "copy"]
    if title:
        args += ["-metadata", f"title={title}"]
    run_ffmpeg([*args, str(target)], what="copy")
    return target


def test_each_source_in_turn(tmp_path, talk_mp4):
    cfg = DescribeSettings()
    bare = probe(_bare_copy(talk_mp4, tmp_path / "plain" / "meeting.mp4"))
    assert bare.creation_time is None and event_date(cfg, bare) is None
    # the folder Zoom saves a local recording in
    zoom_folder = tmp_path / "2024-03-14 17.00.12 Community Office Hours"
    found = event_date(cfg, probe(_bare_copy(talk_mp4, zoom_folder / "zoom_0.mp4")))
    assert (found.when.date(), found.source) == (date(2024, 3, 14), "file name")
    named = probe(_bare_copy(talk_mp4, tmp_path / "GMT20250102-170012_Recording_1280x720.mp4"))
    assert event_date(cfg, named).when.date() == date(2025, 1, 2)
    tagged = probe(_bare_copy(talk_mp4, tmp_path / "t" / "talk.mp4", "Meetup, May 2 2025"))
    assert tagged.title == "Meetup, May 2 2025"
    found = event_date(cfg, tagged)
    assert (found.when.date(), found.source) == (date(2025, 5, 2), "title tag")
    # earlier sources win over later ones
    ws = Workspace(tmp_path / "work")
    ws.prepare()
    ws.write_json(ZOOM_MEETING_JSON, {"start_time": "2024-07-01T17:00:00Z"})
    found = event_date(cfg, tagged, ws)
    assert (found.when.date(), found.source) == (date(2024, 7, 1), "zoom")
    cfg.date = "2023-01-05"
    assert event_date(cfg, tagged, ws).source == "--date"


def test_the_title_slide_names_the_date_when_nothing_else_does(tmp_path, talk_mp4):
    media = probe(_bare_copy(talk_mp4, tmp_path / "plain" / "meeting.mp4"))
    ws = Workspace(tmp_path / "work")
    ws.prepare()
    cfg = DescribeSettings(title_template="Office Hours - {date:%Y-%m-%d}")
    stamp = datetime(2020, 1, 1).timestamp()
    os.utime(media.path, (stamp, stamp))
    assert recording_event_date(cfg, media, ws) is None  # no slide yet
    assert modification_date(media).when.date() == date(2020, 1, 1)
    assert render_title(cfg, media, ws) == "Office Hours - 2020-01-01"
    slide = Image.new("RGB", (1280, 720), "white")
    draw = ImageDraw.Draw(slide)
    draw.text((80, 80), "Community Office Hours", font=ImageFont.load_default(size=64), fill="black")
    draw.text((80, 220), "Thursday, March 14, 2024", font=ImageFont.load_default(size=44), fill="black")
    (ws.root / SLIDES_DIR).mkdir()
    Image.fromarray(np.asarray(slide)).save(ws.path(f"{SLIDES_DIR}/0001.jpg"), quality=90)
    found = recording_event_date(cfg, media, ws)
    assert (found.when.date(), found.source) == (date(2024, 3, 14), "title slide")
    assert render_title(cfg, media, ws) == "Office Hours - 2024-03-14"
