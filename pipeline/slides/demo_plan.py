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


def load_features(path: Path) -> list[Feature]:
    """Read a features file. Raises InputError when it is missing or malformed."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"features file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"{path} is not valid YAML: {exc}") from exc
    items = data.get("features") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise InputError(
            f"{path} lists no features", hint="write `features:` followed by `- title: ...` items"
        )
    features = []
    for item in items:
        if isinstance(item, str) and item.strip():
            features.append(Feature(item.strip()))
        elif isinstance(item, dict) and str(item.get("title", "")).strip():
            presenter = item.get("presenter")
            features.append(
                Feature(str(item["title"]).strip(), str(presenter) if presenter else None)
            )
        else:
            raise InputError(f"{path}: every feature needs a title (got {item!r})")
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


def match_features(
    features: list[Feature],
    slides: list[tuple[float, str | None]],
    utterances: list[Utterance],
    *,
    slide_similarity: float = 0.7,
) -> tuple[list[FeatureStart], list[Feature]]:
    """Pair each feature (in demo order) with the time its demo starts: the first slide
    after the previous feature whose title matches, else the first utterance that names
    the feature or its presenter (moved back to the slide change just before it, when one
    is within 15 s). Returns (matched, unmatched)."""
    matched: list[FeatureStart] = []
    missing: list[Feature] = []
    after = -1.0
    slide_times = [t for t, _ in slides]
    for feature in features:
        found = None
        for t, title in slides:
            if t > after and title and similarity(title, feature.title) >= slide_similarity:
                found = FeatureStart(feature, t, "slide")
                break
        if found is None:
            for u in utterances:
                if u.start > after and _mentions(u.text, feature):
                    earlier = [s for s in slide_times if after < s <= u.start and u.start - s <= 15]
                    found = FeatureStart(feature, earlier[-1] if earlier else u.start, "transcript")
                    break
        if found is None:
            missing.append(feature)
            continue
        matched.append(found)
        after = found.start
    return matched, missing
