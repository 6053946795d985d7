import io

import srt
import webvtt

from pipeline.speech.captions import MAX_LINE, MAX_LINES, Word, build_cues, to_srt, to_vtt


def _words(text: str, start: float = 0.0, step: float = 0.35) -> list[Word]:
    out = []
    for i, w in enumerate(text.split()):
        out.append(Word(start + i * step, start + i * step + 0.3, " " + w))
    return out


def test_cues_are_readable_and_never_overlap():
    words = _words("one two three four five six seven eight nine ten " * 12)
    words += _words("After a long pause. Short.", start=60)
    cues = build_cues(words)
    assert len(cues) > 5
    for cue in cues:
        assert len(cue.lines) <= MAX_LINES
        assert all(len(line) <= MAX_LINE for line in cue.lines)
        assert cue.end > cue.start
    for a, b in zip(cues, cues[1:], strict=False):
        assert a.end <= b.start
    assert cues[-1].text.startswith("After")  # a pause starts a new cue


def test_srt_and_vtt_parse_back():
    cues = build_cues(
        _words("Welcome everyone to the community office hours. Today we look at the roadmap.")
    )
    parsed = list(srt.parse(to_srt(cues)))
    assert [p.content for p in parsed] == [c.text for c in cues]
    vtt = webvtt.from_buffer(io.StringIO(to_vtt(cues)))
    assert [c.text for c in vtt.captions] == [c.text for c in cues]
    assert vtt.captions[0].start == "00:00:00.000"


def test_hyphenated_words_join_without_space():
    cues = build_cues([Word(0, 0.3, " plug"), Word(0.3, 0.6, "-in"), Word(0.6, 0.9, " tips")])
    assert cues[0].text == "plug-in tips"
