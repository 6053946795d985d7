"""Chapters stage: slide changes (or, with no screen share, the transcript) -> chapters.json.

Titles: the slide's title read by OCR; when a slide has none (a terminal full of output, a
photo), key phrases from what was said during the chapter; never empty. Demo days: with a
features file, one chapter per feature from the moment its demo starts. The list is merged
to follow YouTube's rules, or left empty with the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from pipeline.settings import Settings
from pipeline.slides.chapter_list import Chapter, enforce_rules, spans
from pipeline.slides.demo_chapters import demo_chapters
from pipeline.slides.demo_plan import load_features, match_features
from pipeline.slides.shown import crop_to_share, shown_slides
from pipeline.slides.titles import SlideTitleReader
from pipeline.speech.keyphrases import Utterance, key_phrase, topic_boundaries
from pipeline.stages.base import Stage, StageContext, StageResult
from pipeline.workspace import (
    CHAPTERS_JSON,
    MEDIA_JSON,
    SLIDES_JSON,
    TRANSCRIPT_JSON,
    fingerprint_file,
)

#: a transcript-only recording gets about one chapter per this many seconds
TRANSCRIPT_CHAPTER_SECONDS = 300.0


def read_utterances(ctx: StageContext) -> list[Utterance]:
    if not ctx.workspace.exists(TRANSCRIPT_JSON):
        return []
    data = ctx.workspace.read_json(TRANSCRIPT_JSON)
    return [
        Utterance(float(s["start"]), float(s["end"]), s["text"])
        for s in data.get("segments", [])
        if s.get("text", "").strip()
    ]


def text_between(utterances: list[Utterance], start: float, end: float) -> str:
    return " ".join(u.text for u in utterances if u.end > start and u.start < end)


def features_path(settings: Settings) -> Path | None:
    return Path(settings.chapters.features).expanduser() if settings.chapters.features else None


class ChaptersStage(Stage):
    name = "chapters"
    version = 2
    needs = (MEDIA_JSON, SLIDES_JSON, TRANSCRIPT_JSON)

    def params(self, settings: Settings) -> dict[str, Any]:
        cfg = settings.chapters
        path = features_path(settings)
        return {
            "ocr": cfg.ocr,
            "min_chapters": cfg.min_chapters,
            "min_seconds": cfg.min_seconds,
            "features": str(path) if path else None,
            "features_fingerprint": fingerprint_file(path) if path and path.is_file() else None,
        }

    def run(self, ctx: StageContext) -> StageResult:
        cfg = ctx.settings.chapters
        duration = ctx.media.duration if ctx.media else 0.0
        utterances = read_utterances(ctx)
        slides = self._slide_titles(ctx)
        extra: dict[str, Any] = {}
        path = features_path(ctx.settings)
        if path is not None:
            features = load_features(path)
            matched, missing = match_features(features, slides, utterances)
            for feature in missing:
                ctx.warn(f"feature {feature.title!r} was not found in the slides or transcript")
            raw = demo_chapters(matched, slides, utterances, duration, cfg.min_seconds)
            extra["features"] = [
                {
                    "title": m.feature.title,
                    "presenter": m.feature.presenter,
                    "start": round(m.start, 3),
                    "matched_by": m.matched_by,
                }
                for m in matched
            ]
            extra["features_missing"] = [f.title for f in missing]
        elif len(slides) > 1:
            raw = self._slide_chapters(slides, utterances, duration)
        else:
            raw = self._transcript_chapters(utterances, duration, cfg.min_seconds)
        if not raw:
            if path is not None:
                why = f"none of the features in {path.name} was found in the slides or speech"
            elif not utterances:
                why = "no slide changes and no transcript to find topics in"
            else:
                why = "no topic changes found"
            chapters, reason = [], why
        else:
            chapters, reason = enforce_rules(
                raw, min_chapters=cfg.min_chapters, min_seconds=cfg.min_seconds
            )
        if reason:
            ctx.warn(f"no chapter list: {reason}")
        ctx.workspace.write_json(
            CHAPTERS_JSON,
            {
                "chapters": [c.to_dict() for c in chapters],
                "reason": reason,
                "slides": [{"time": t, "title": title} for t, title in slides],
                **extra,
            },
        )
        return StageResult(outputs=[CHAPTERS_JSON], summary={"chapters": len(chapters)})

    # -- sources of chapters ----------------------------------------------------------------
    def _slide_titles(self, ctx: StageContext) -> list[tuple[float, str | None]]:
        """(start, OCR title or None) of every slide in slides.json, read on the shared
        screen alone; a stretch with nothing shared (a gallery) has none."""
        if not ctx.workspace.exists(SLIDES_JSON):
            return []
        duration = ctx.media.duration if ctx.media else 0.0
        data = ctx.workspace.read_json(SLIDES_JSON)
        slides = shown_slides(data, duration)
        changes = data.get("changes", [])
        reader = SlideTitleReader() if ctx.settings.chapters.ocr and len(slides) > 1 else None
        out = []
        for slide, change in zip(slides, changes, strict=True):
            title = None
            frame = ctx.workspace.path(slide.frame)
            if reader is not None and slide.screen and frame.is_file():
                with Image.open(frame) as img:
                    screen = crop_to_share(np.asarray(img.convert("RGB")), slide.share)
                title = reader.title(screen)
            out.append((slide.start, title or change.get("title")))
            ctx.progress(slide.start, duration or None)
        return out

    def _slide_chapters(
        self, slides: list[tuple[float, str | None]], utterances: list[Utterance], duration: float
    ) -> list[Chapter]:
        bounds = spans([t for t, _ in slides], duration)
        titles = dict(slides)
        texts = [text_between(utterances, a, b) for a, b in bounds]
        chapters = []
        for i, (a, b) in enumerate(bounds):
            title, source = titles.get(a), "ocr"
            if not title:
                title = key_phrase(texts[i], texts[:i] + texts[i + 1 :])
                source = "transcript"
            chapters.append(Chapter(a, b, title or f"Part {i + 1}", source))
        return chapters

    def _transcript_chapters(
        self, utterances: list[Utterance], duration: float, min_seconds: float
    ) -> list[Chapter]:
        if not utterances:
            return []
        count = max(3, round(duration / TRANSCRIPT_CHAPTER_SECONDS))
        cuts = topic_boundaries(
            utterances, duration, count, max(min_seconds, duration / (3 * count))
        )
        bounds = spans(cuts, duration)
        texts = [text_between(utterances, a, b) for a, b in bounds]
        chapters = []
        for i, (a, b) in enumerate(bounds):
            title = key_phrase(texts[i], texts[:i] + texts[i + 1 :]) or f"Part {i + 1}"
            chapters.append(Chapter(a, b, title, "transcript"))
        return chapters
