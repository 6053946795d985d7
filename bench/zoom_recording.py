"""Long benchmark recordings laid out as Zoom records a meeting, generated once and cached in
bench-out/: 1280x720 25 fps speaker view (Zoom's own recording size), a keyframe every 10 s,
x264 veryfast CRF 28 as the fixtures. The shared screen sits in its rectangle on the left, a
strip of three webcam tiles on the right (noise, flicker, a person who sways and talks, name
labels, the green border hopping to whoever speaks), a cursor moves over the share, and the
talk fixture's speech runs throughout. The share cycles through 40 s parts: a deck slide, a
terminal where a fake AWS key is typed, a long page that is scrolled, a title slide, and a
web app whose progress bars fill while a spinner turns and a caret blinks.

The scenes and the meeting are the Zoom fixtures' own (fixtures/synth_zoom.py); only the
drawing is arranged for speed: each camera's frames are drawn once per index of a cycle a
little longer than the keyframe interval (12-13 s, different per person, so two keyframes
never show the same tiles) and reused, and the frame buffer is reused."""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from bench.recordings import (
    BENCH_OUT,
    FAKE_KEY,
    TOPICS,
    CachedTerminal,
    continuous_speech,
    key_terminal,
)
from fixtures.synth import Recording, Scene, Slide, encode, write_wav
from fixtures.synth_apps import AppScreen, Job, TitleSlide
from fixtures.synth_screens import WebPageScene
from fixtures.synth_zoom import (
    SPEAKER_GREEN,
    ZOOM_BACKGROUND,
    Camera,
    Layout,
    Meeting,
    _label,
    cursor_position,
    draw_cursor,
)
from fixtures.zoom_fixtures import PEOPLE

#: bump when the content changes, so cached recordings are made again
ZOOM_CONTENT_VERSION = 1
WIDTH, HEIGHT, FPS = 1280, 720, 25
PART_SECONDS = 40.0
PEOPLE_SHOWN = ("Alex Rivera", "Sam Lee", "Priya Nair")
#: frames in each camera's cycle (about 12-13 s at 25 fps: never a multiple of the 10 s GOP)
CAMERA_CYCLE = (301, 313, 317)
KINDS = ("slide", "terminal", "page", "title", "app")


def _terminal(start: float, end: float) -> CachedTerminal:
    return key_terminal(start, end, size=20, origin=(36, 120), pitch=33)


def zoom_part(i: int, start: float, end: float) -> Scene:
    """The scene shared in part `i` (kinds cycle through KINDS)."""
    topic = TOPICS[i % len(TOPICS)]
    kind = KINDS[i % len(KINDS)]
    if kind == "terminal":
        return _terminal(start, end)
    if kind == "page":
        return WebPageScene(
            f"{topic}: notes", "https://community.example.org/notes",
            [f"Section {k + 1}" for k in range(6)],
            start=start, end=end, hold=5.0, scroll_for=12.0, speed=60.0,
        )  # fmt: skip
    if kind == "title":
        return TitleSlide(topic, [f"Part {i + 1}", "Community Call"], start=start, end=end)
    if kind == "app":
        jobs = [
            Job(name, 1.0 + 6.0 * k, 24.0) for k, name in enumerate(("extract", "load", "test"))
        ]
        return AppScreen(f"{topic} Console", jobs, typed="run --all", start=start, end=end)
    return Slide(
        f"{topic} ({i + 1})",
        ["First point of this part", "A second point", "Wrap-up"],
        start=start,
        end=end,
    )


def zoom_meeting(duration: float) -> Meeting:
    """The whole meeting: speaker view throughout, a new shared part every 40 s; the
    presenter talks, and in every part someone else asks a question (the border hops)."""
    scenes: list[Scene] = []
    turns: list[tuple[float, float, int]] = []
    t, i = 0.0, 0
    while t < duration:
        end = min(duration, t + PART_SECONDS)
        scenes.append(zoom_part(i, t, end))
        turns += [(t, min(end, t + 24.0), 0), (t + 25.0, min(end, t + 32.0), 1 + i % 2)]
        turns.append((t + 33.0, end, 0))
        t, i = end, i + 1
    turns = [(a, b, who) for a, b, who in turns if a < b]
    layouts = [Layout("speaker_strip_right", 0.0, duration)]
    people = [PEOPLE[n] for n in PEOPLE_SHOWN]
    return Meeting(WIDTH, HEIGHT, FPS, duration, layouts, scenes, people, turns)


class TileCache:
    """Each participant's labelled webcam tile per (frame index within its cycle, speaking),
    drawn once."""

    def __init__(self, meeting: Meeting) -> None:
        self.meeting = meeting
        self.cameras = [Camera(p) for p in meeting.participants]
        self._tiles: dict[tuple[int, int, bool], np.ndarray] = {}

    def tile(self, who: int, index: int, w: int, h: int, speaking: bool) -> np.ndarray:
        key = (who, index % CAMERA_CYCLE[who % len(CAMERA_CYCLE)], speaking)
        if key not in self._tiles:
            picture = self.cameras[who].frame(key[1], self.meeting.fps, w, h, speaking)
            name = self.meeting.participants[who].name
            _label(picture, name, active=False, height=self.meeting.height)
            self._tiles[key] = picture
        return self._tiles[key]


class ZoomPainter:
    """Draws frame `i` of a speaker-view meeting into one reused buffer."""

    def __init__(self, meeting: Meeting) -> None:
        self.meeting = meeting
        self.share = meeting.layouts[0].share
        assert self.share is not None
        self.tiles = TileCache(meeting)
        self.frame = np.empty((meeting.height, meeting.width, 3), dtype=np.uint8)
        self.frame[:] = ZOOM_BACKGROUND
        self._scene_starts = [s.start for s in meeting.shared]
        self._turn_starts = [a for a, _, _ in meeting.turns]

    def draw(self, i: int) -> np.ndarray:
        """Frame `i`, HxWx3 uint8 RGB: the buffer itself, valid until the next call."""
        m, share, frame = self.meeting, self.share, self.frame
        assert share is not None
        t = i / m.fps
        scene = m.shared[max(0, bisect_right(self._scene_starts, t) - 1)]
        frame[share.y : share.y + share.h, share.x : share.x + share.w] = scene.render(
            t, share.w, share.h
        )
        # turns never overlap: the last one begun holds the border, and speaks until its end
        _, end, active = m.turns[max(0, bisect_right(self._turn_starts, t) - 1)]
        border = max(2, m.height // 240)
        for who, r in enumerate(m.layouts[0].tiles):
            view = frame[r.y : r.y + r.h, r.x : r.x + r.w]
            view[:] = self.tiles.tile(who, i, r.w, r.h, who == active and t < end)
            if who == active:
                view[:border] = view[-border:] = SPEAKER_GREEN
                view[:, :border] = view[:, -border:] = SPEAKER_GREEN
        draw_cursor(frame, *cursor_position(t, share), max(1, m.height // 540))
        return frame


def zoom_frames(meeting: Meeting) -> Iterator[np.ndarray]:
    """Every frame of the meeting (see ZoomPainter.draw: one buffer, redrawn each time)."""
    painter = ZoomPainter(meeting)
    for i in range(round(meeting.duration * meeting.fps)):
        yield painter.draw(i)


def zoom_truth(meeting: Meeting) -> dict:
    """Ground truth: the share rectangle, part starts (slide changes) with their kinds, and
    when and where (video pixels) the fake key is readable."""
    share = meeting.layouts[0].share
    assert share is not None
    keys = []
    for scene in meeting.shared:
        if isinstance(scene, CachedTerminal):
            k = scene.secret(1, FAKE_KEY, "aws-access-key")
            keys.append({"start": k.start, "end": k.end,
                         "box": [k.box[0] + share.x, k.box[1] + share.y, *k.box[2:]]})  # fmt: skip
    return {
        "layout": "zoom",
        "duration": meeting.duration,
        "share": [share.x, share.y, share.w, share.h],
        "kinds": [KINDS[i % len(KINDS)] for i in range(len(meeting.shared))],
        "slide_changes": [s.start for s in meeting.shared[1:]],
        "screen_secrets": keys,
    }


def zoom_bench_recording(minutes: float) -> Path:
    """Path of the cached Zoom-layout recording of `minutes`, generating it if needed;
    `<name>.json` beside it holds the truth (see zoom_truth)."""
    BENCH_OUT.mkdir(exist_ok=True)
    name = f"bench-zoom-{minutes:g}min-{HEIGHT}p-v{ZOOM_CONTENT_VERSION}.mp4"
    path = BENCH_OUT / name
    meta = path.with_suffix(".json")
    if path.is_file() and meta.is_file():
        return path
    generate(path, minutes * 60.0)
    meta.write_text(json.dumps(zoom_truth(zoom_meeting(minutes * 60.0))) + "\n")
    return path


def generate(path: Path, duration: float) -> None:
    """Draw and encode the meeting of `duration` seconds to `path` (atomically)."""
    meeting = zoom_meeting(duration)
    rec = Recording(WIDTH, HEIGHT, FPS, duration, meeting.shared, webcam=False, cursor=False)
    wav = path.with_suffix(".wav")
    write_wav(wav, continuous_speech(duration))
    tmp = path.with_name(".tmp-" + path.name)
    try:
        encode(rec, tmp, audio_wav=wav, frames_of=lambda _: zoom_frames(meeting))
        tmp.replace(path)
    finally:
        wav.unlink(missing_ok=True)
