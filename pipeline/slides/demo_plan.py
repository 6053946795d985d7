"""Demo days: the host's plan (features.yaml, written before the event: the features to demo,
in order, with their presenters) paired with the moments each demo starts, found through the
slide titles (OCR) and the transcript.

    event: Demo Day                 # optional
    features:
      - title: Interactive Plugin Setup
        presenter: Alex Rivera      # optional
      - Schema Change Alerts        # a bare string is a title
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.errors import InputError
from pipeline.speech.keyphrases import Utterance, content_words


@dataclass(frozen=True)
class Feature:
    title: str
    presenter: str | None = None

    @property
    def label(self) -> str:
        """The chapter title: the feature, and who shows it."""
        return f"{self.title} ({self.presenter})" if self.presenter else self.title


@dataclass(frozen=True)
class FeatureStart:
    feature: Feature
    start: float
    #: "slide" (a slide title matched) or "transcript" (matched in speech)
    matched_by: str


ACCEPTED_SHAPES = (
    "a list of names (`- Schema Change Alerts`), or items with `title`/`name`/`feature` and "
    "optional `presenter`/`speaker`, at the top level or under `features:` or `demos:`"
)
_TITLE_KEYS = ("title", "name", "feature")
_PRESENTER_KEYS = ("presenter", "speaker")


def _feature(item: object) -> Feature | None:
    if isinstance(item, str):
        return Feature(item.strip()) if item.strip() else None
    if not isinstance(item, dict):
        return None
    title = next((str(item[k]).strip() for k in _TITLE_KEYS if item.get(k)), "")
    presenter = next((str(item[k]).strip() for k in _PRESENTER_KEYS if item.get(k)), None)
    return Feature(title, presenter or None) if title else None


def load_features(path: Path) -> list[Feature]:
    """Read a features file (see ACCEPTED_SHAPES). Raises InputError, in one line that
    shows the accepted shapes, when it is missing, not YAML or shaped otherwise."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"features file not found: {path}") from exc
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path} is not valid YAML ({first}); expected {ACCEPTED_SHAPES}") from exc
    items = data
    if isinstance(data, dict):
        items = next((data[k] for k in ("features", "demos") if k in data), None)
    if not isinstance(items, list) or not items:
        raise InputError(f"{path} lists no features; expected {ACCEPTED_SHAPES}")
    features = []
    for item in items:
        feature = _feature(item)
        if feature is None:
            raise InputError(
                f"{path}: cannot read the feature {item!r}; expected {ACCEPTED_SHAPES}"
            )
        features.append(feature)
    return features


def similarity(a: str, b: str) -> float:
    """Case-insensitive similarity 0..1 of two short texts."""
    return difflib.SequenceMatcher(None, a.lower().strip(), b.lower().strip()).ratio()


def _norm(word: str) -> str:
    return "".join(c for c in word.lower() if c.isalnum())


def _word_heard(wanted: str, heard: set[str]) -> bool:
    """Whether `wanted` is among `heard`, allowing speech-recognition slips: `plug-in` for
    `plugin`, `changelers` for `change alerts`, one wrong letter."""
    for word in heard:
        if word == wanted or (len(wanted) >= 4 and wanted in word):
            return True
        if difflib.SequenceMatcher(None, wanted, word).ratio() >= 0.8:
            return True
    return False


def _mentions(text: str, feature: Feature) -> bool:
    heard = {_norm(w) for w in content_words(text)}
    wanted = {_norm(w) for w in content_words(feature.title)}
    hits = sum(_word_heard(w, heard) for w in wanted)
    if wanted and hits >= max(1, round(0.6 * len(wanted))):
        return True
    return bool(feature.presenter) and feature.presenter.lower() in text.lower()


def _slide_matches(
    features: list[Feature], slides: list[tuple[float, str | None]], min_similarity: float
) -> dict[int, FeatureStart]:
    """Feature index -> its title slide: in demo order, the first slide after the previous
    match whose title (a slide's heading, or the name shown alone) is the feature's."""
    found: dict[int, FeatureStart] = {}
    after = -1.0
    for k, feature in enumerate(features):
        for t, title in slides:
            if t > after and title and similarity(title, feature.title) >= min_similarity:
                found[k] = FeatureStart(feature, t, "slide")
                after = t
                break
    return found


def _introduction(
    features: list[Feature],
    k: int,
    utterances: list[Utterance],
    slide_times: list[float],
    window: tuple[float, float],
) -> FeatureStart | None:
    """Where the transcript introduces feature `k` inside `window` (after the previous
    demo's start, before the next one's): the first utterance that names it or its
    presenter and no other feature (a host's agenda names them all), moved back to the
    slide change just before it when one is within 15 s and inside the window."""
    after, before = window
    feature = features[k]
    for u in utterances:
        if not after < u.start < before or not _mentions(u.text, feature):
            continue
        if any(_mentions(u.text, other) for j, other in enumerate(features) if j != k):
            continue
        earlier = [s for s in slide_times if after < s <= u.start and u.start - s <= 15]
        return FeatureStart(feature, earlier[-1] if earlier else u.start, "transcript")
    return None


def match_features(
    features: list[Feature],
    slides: list[tuple[float, str | None]],
    utterances: list[Utterance],
    *,
    slide_similarity: float = 0.7,
) -> tuple[list[FeatureStart], list[Feature]]:
    """Pair each feature (in demo order) with the time its demo starts: its title slide
    (OCR), else where the transcript introduces it between the neighbouring demos' starts,
    never before the previous feature's. Returns (matched, unmatched)."""
    found = _slide_matches(features, slides, slide_similarity)
    slide_times = [t for t, _ in slides]
    for k in range(len(features)):
        if k in found:
            continue
        after = max((found[j].start for j in found if j < k), default=-1.0)
        before = min((found[j].start for j in found if j > k), default=float("inf"))
        match = _introduction(features, k, utterances, slide_times, (after, before))
        if match is not None:
            found[k] = match
    matched = [found[k] for k in sorted(found)]
    missing = [f for k, f in enumerate(features) if k not in found]
    return matched, missing
