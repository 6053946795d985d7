"""Key phrases from a transcript: what a stretch of talk is about, in two or three words, and
where the talk turns to a new topic. Plain word statistics (no model): content words that are
frequent in this stretch and rare elsewhere."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

_STOPWORD_TEXT = """
    a about above actually after again against all already also always am an and any are as
    at back be because been before being below between bit both but by came can come comes
    cool could day days did do does doing down during each even every everybody everyone few
    finally first folks for from further get gets give gives go going gonna good got great
    guys had has have having he hello her here hers hi him his how i if in into is it its
    itself just keep kind know let lets like little look looking looks lot made make makes
    many maybe me more most much my need needs never new next nice night no nor not now of
    off often ok okay on once one only or other our ours out over own pretty put quite
    really right said same say second see she should show showed shows so some something
    sometimes start started still such sure take takes talk talking tell than thank thanks
    that the their them then there these they thing things think this those through time
    times to today told too took two uh um under until up us use used using very want was
    way we week weeks welcome well were what when where which while who whom why will with
    would yeah year years yes you your yours
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

WORD = re.compile(r"[A-Za-z][A-Za-z0-9'+\-]*")


@dataclass(frozen=True)
class Utterance:
    """A stretch of transcript: start, end (seconds) and text."""

    start: float
    end: float
    text: str


def content_words(text: str) -> list[str]:
    """Lower-cased words of `text` that carry meaning (stopwords and short words dropped)."""
    words = [w.lower().strip("'-") for w in WORD.findall(text)]
    return [w for w in words if len(w) > 2 and w not in STOPWORDS]


def key_phrase(text: str, background: list[str] | None = None, max_words: int = 3) -> str | None:
    """The phrase that best sums up `text`, title-cased, or None when it holds no content
    words. `background` (the other chapters' texts) makes words common everywhere count less."""
    words = content_words(text)
    if not words:
        return None
    others = [set(content_words(t)) for t in (background or [])]
    n_docs = len(others) + 1

    def weight(word: str) -> float:
        df = 1 + sum(word in doc for doc in others)
        return math.log(1 + n_docs / df)

    counts = Counter(words)
    phrases: Counter[tuple[str, ...]] = Counter()
    for clause in re.split(r"[.,;:!?()\n]+", text):
        run: list[str] = []
        for token in [*(w.lower().strip("'-") for w in WORD.findall(clause)), ""]:
            if token and len(token) > 2 and token not in STOPWORDS:
                run.append(token)
                continue
            for size in range(2, max_words + 1):
                for i in range(len(run) - size + 1):
                    phrase = tuple(run[i : i + size])
                    if len(set(phrase)) == size:
                        phrases[phrase] += 1
            run = []

    def word_score(word: str) -> float:
        return counts[word] * weight(word)

    def phrase_score(phrase: tuple[str, ...]) -> float:
        return phrases[phrase] * sum(word_score(w) for w in phrase) / len(phrase)

    best_single = max(counts, key=lambda w: (word_score(w), -words.index(w)))
    chosen: tuple[str, ...] = (best_single,)
    if phrases:
        best = max(phrases, key=lambda p: (phrase_score(p), -len(p)))
        if phrases[best] >= 2 or best_single in best:
            chosen = best
    return " ".join(w if w.isupper() else w.capitalize() for w in chosen)


def topic_boundaries(
    utterances: list[Utterance], duration: float, count: int, min_gap: float
) -> list[float]:
    """Up to `count - 1` times where the talk turns to a new topic: utterance starts after
    which the words change most (lexical cohesion between the stretch before and after),
    at least `min_gap` seconds apart and from both ends."""
    if count < 2 or len(utterances) < 2:
        return []
    window = max(min_gap, duration / (count * 1.5))
    scored = []
    for i in range(1, len(utterances)):
        t = utterances[i].start
        if t < min_gap or duration - t < min_gap:
            continue
        before = Counter(
            w for u in utterances[:i] if u.end > t - window for w in content_words(u.text)
        )
        after = Counter(
            w for u in utterances[i:] if u.start < t + window for w in content_words(u.text)
        )
        dot = sum(before[w] * after[w] for w in before)
        norm = math.sqrt(sum(v * v for v in before.values()) * sum(v * v for v in after.values()))
        similarity = dot / norm if norm else 1.0
        pause = max(0.0, t - utterances[i - 1].end)
        scored.append((1 - similarity + min(pause, 3.0) * 0.1, t))
    chosen: list[float] = []
    for _, t in sorted(scored, reverse=True):
        if all(abs(t - c) >= min_gap for c in chosen):
            chosen.append(t)
        if len(chosen) == count - 1:
            break
    return sorted(chosen)
