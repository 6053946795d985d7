"""What `make quality` expects of a fixture, read from its ground-truth JSON. The Zoom fixtures
state everything (scenes with share rectangles, slide_changes, chapters, features,
thumbnail); for the older ones what is missing is derived, and said so here:

- changes: `slide_changes`, else every scene's start after the first;
- share rectangle: the scene's `share`, else the whole frame;
- chapters: `chapters`; else, with `features`, the opening scene then one chapter per
  feature from its title slide; else the scenes, each shorter than 10 s merged into the one
  before (YouTube's minimum), when every scene has a title and at least 3 chapters remain;
  otherwise none are scored;
- thumbnail: `thumbnail.scene`; else the first scene if it is a deck slide, else the longest
  deck slide. Deck slides are the scenes whose kind ends in "Slide" (talk.json's `slides`
  are all slides)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

THUMB_SIZE = (1280, 720)
MIN_CHAPTER = 10.0


@dataclass
class Expectations:
    recording: Path
    width: int
    height: int
    duration: float
    layout: str
    scenes: list[dict]
    changes: list[float]
    chapters: list[dict] | None
    features: list[dict] | None
    features_file: Path | None
    #: scene indexes of the deck slides a thumbnail may show
    thumbnail_scenes: list[int]
    thumbnail_expected: int | None
    thumbnail_time: float | None


def _derived_chapters(scenes: list[dict], features: list[dict] | None) -> list[dict] | None:
    if features:
        return [
            {"start": 0.0, "title": scenes[0].get("title")},
            *(
                {"start": f["start"], "title": f["title"], "presenter": f.get("presenter")}
                for f in features
            ),
        ]
    if not scenes or any(not s.get("title") for s in scenes):
        return None
    chapters: list[dict] = []
    for s in scenes:
        if chapters and s["end"] - s["start"] < MIN_CHAPTER:
            continue
        chapters.append({"start": s["start"], "title": s["title"]})
    return chapters if len(chapters) >= 3 else None


def expectations(truth_path: Path) -> Expectations:
    truth = json.loads(truth_path.read_text())
    scenes = truth.get("scenes") or [{**s, "kind": "Slide"} for s in truth.get("slides", [])]
    frame = {"x": 0, "y": 0, "w": truth["width"], "h": truth["height"]}
    scenes = [{**s, "share": s.get("share", frame)} for s in scenes]
    changes = truth.get("slide_changes", [s["start"] for s in scenes[1:]])
    features = truth.get("features")
    chapters = truth.get("chapters") or _derived_chapters(scenes, features)
    deck = [i for i, s in enumerate(scenes) if str(s.get("kind", "")).endswith("Slide")]
    thumb = truth.get("thumbnail")
    if thumb:
        expected, at = thumb["scene"], thumb.get("time")
    elif deck:
        expected = (
            0 if 0 in deck else max(deck, key=lambda i: scenes[i]["end"] - scenes[i]["start"])
        )
        at = None
    else:
        expected, at = None, None
    features_file = truth_path.with_name(f"{truth_path.stem}.features.yaml")
    views = [lay["view"] for lay in truth.get("layouts", [])]
    return Expectations(
        recording=truth_path.with_suffix(".mp4"),
        width=truth["width"],
        height=truth["height"],
        duration=float(truth["duration"]),
        layout=" > ".join(dict.fromkeys(views)) if views else "full frame",
        scenes=scenes,
        changes=[float(t) for t in changes],
        chapters=chapters,
        features=features,
        features_file=features_file if features_file.is_file() else None,
        thumbnail_scenes=deck,
        thumbnail_expected=expected,
        thumbnail_time=at,
    )


def frames_at(recording: Path, times: list[float]) -> dict[float, np.ndarray]:
    """The frame shown at each time (the last one starting at or before it), RGB."""
    wanted = sorted(set(times))
    found: dict[float, np.ndarray] = {}
    with av.open(str(recording)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        previous = None
        for frame in container.decode(stream):
            t = float(frame.pts * stream.time_base)
            while wanted and t > wanted[0] + 1e-6:
                found[wanted.pop(0)] = previous.to_ndarray(format="rgb24")
            if not wanted:
                break
            previous = frame
        for t in wanted:
            found[t] = previous.to_ndarray(format="rgb24")
    return found


def reference_pictures(
    exp: Expectations,
) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray], dict[int, bool]]:
    """Per deck slide: its share crop at 1280x720, the whole frame at 1280x720 at the same
    moment (the middle of the scene, or the truth's thumbnail time), and whether the share
    is the whole frame."""
    times = {}
    for i in exp.thumbnail_scenes:
        s = exp.scenes[i]
        times[i] = (
            exp.thumbnail_time
            if i == exp.thumbnail_expected and exp.thumbnail_time is not None
            else (s["start"] + s["end"]) / 2
        )
    frames = frames_at(exp.recording, list(times.values()))
    deck, windows, whole = {}, {}, {}
    for i, t in times.items():
        r = exp.scenes[i]["share"]
        picture = frames[t]
        crop = picture[r["y"] : r["y"] + r["h"], r["x"] : r["x"] + r["w"]]
        deck[i] = cv2.resize(crop, THUMB_SIZE, interpolation=cv2.INTER_AREA)
        windows[i] = cv2.resize(picture, THUMB_SIZE, interpolation=cv2.INTER_AREA)
        whole[i] = (r["w"], r["h"]) == (exp.width, exp.height)
    return deck, windows, whole


def read_rgb(path: Path) -> np.ndarray:
    picture = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if picture is None:
        raise ValueError(f"cannot read {path}")
    return cv2.cvtColor(picture, cv2.COLOR_BGR2RGB)
