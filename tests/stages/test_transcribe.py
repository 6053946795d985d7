"""The real tiny.en model on the talk fixture, run once through the real CLI."""

import io
import json
import re

import jiwer
import pytest
import srt
import webvtt

from pipeline.speech.captions import MAX_LINE, MAX_LINES
from tests.conftest import run_pipeline


def _normalise(text: str) -> str:
    text = text.lower().replace("-", "")
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text).split())


def _transcribe_alone(out, talk_mp4, **env) -> dict:
    """`pipeline transcribe` of the talk with settings from the environment: its transcript."""
    result = run_pipeline("transcribe", str(talk_mp4), "--out", str(out), "-q", env=env)
    assert result.code == 0, result.stderr
    return json.loads((out / "talk" / "transcript.json").read_text())


def _assert_known_speech(transcript: dict, talk_truth: dict) -> None:
    wer = jiwer.wer(_normalise(talk_truth["text"]), _normalise(transcript["text"]))
    assert wer <= 0.15, f"WER {wer:.3f}: {transcript['text']}"


@pytest.fixture(scope="module")
def transcribed(tmp_path_factory, talk_mp4):
    out = tmp_path_factory.mktemp("out")
    result = run_pipeline("run", str(talk_mp4), "--out", str(out), "--json")
    assert result.code == 0, result.stderr
    return out / "talk", json.loads(result.stdout)


def test_transcript_matches_the_known_speech(transcribed, talk_truth):
    workdir, _ = transcribed
    transcript = json.loads((workdir / "transcript.json").read_text())
    _assert_known_speech(transcript, talk_truth)
    assert transcript["model"]["name"] == "tiny.en"
    assert transcript["options"]["compute_type"] == "int8"
    assert transcript["options"]["vad_filter"] is True


def test_word_times_fall_inside_the_spoken_clips(transcribed, talk_truth):
    workdir, _ = transcribed
    transcript = json.loads((workdir / "transcript.json").read_text())
    words = [w for s in transcript["segments"] for w in s["words"]]
    assert len(words) > 80
    clips = [(c["start"] - 0.5, c["end"] + 0.5) for c in talk_truth["speech"]]
    inside = sum(any(a <= w["start"] and w["end"] <= b for a, b in clips) for w in words)
    assert inside / len(words) >= 0.95
    # each clip's first word starts near the clip's start
    for clip in talk_truth["speech"]:
        first = min(
            (w for w in words if w["start"] >= clip["start"] - 0.5), key=lambda w: w["start"]
        )
        assert first["start"] == pytest.approx(clip["start"], abs=0.8)


def test_captions_are_valid_srt_and_vtt(transcribed):
    workdir, _ = transcribed
    subs = list(srt.parse((workdir / "captions.srt").read_text()))
    vtt = webvtt.from_buffer(io.StringIO((workdir / "captions.vtt").read_text()))
    assert len(subs) == len(vtt.captions) >= 8
    for a, b in zip(subs, subs[1:], strict=False):
        assert a.end <= b.start, "overlapping cues"
    for sub in subs:
        lines = sub.content.split("\n")
        assert len(lines) <= MAX_LINES and all(len(line) <= MAX_LINE for line in lines)
    assert [c.text for c in vtt.captions] == [s.content for s in subs]


def test_summary_and_manifest(transcribed, talk_mp4):
    workdir, summary = transcribed
    assert summary["duration"] == pytest.approx(52.16, abs=0.1)
    statuses = {s["name"]: s["status"] for s in summary["stages"]}
    assert statuses["probe"] == "ran" and statuses["transcribe"] == "ran"
    manifest = json.loads((workdir / "manifest.json").read_text())
    record = manifest["stages"]["transcribe"]
    assert record["status"] == "done"
    assert set(record["outputs"]) == {"transcript.json", "captions.srt", "captions.vtt"}
    assert record["params"]["model"] == "tiny.en"
    assert "media.json" in record["inputs"]
    assert manifest["recording"]["path"] == str(talk_mp4)


def test_rerun_skips_and_force_redoes(transcribed, talk_mp4):
    workdir, _ = transcribed
    again = run_pipeline("run", str(talk_mp4), "--out", str(workdir.parent), "--json")
    assert again.code == 0, again.stderr
    # nothing is redone (redact does not apply: the talk shows no secret)
    assert {s["status"] for s in json.loads(again.stdout)["stages"]} == {"skipped", "not applicable"}
    # a changed parameter invalidates only the stage it belongs to
    forced = run_pipeline(
        "transcribe", str(talk_mp4), "--out", str(workdir.parent), "--json", "--force", "transcribe"
    )
    assert forced.code == 0, forced.stderr
    assert {s["name"]: s["status"] for s in json.loads(forced.stdout)["stages"]} == {
        "probe": "skipped",
        "transcribe": "ran",
    }


def test_short_windows_give_the_same_words_in_order(tmp_path, talk_mp4, talk_truth):
    """Transcribing in 15 s windows (how a long recording stays flat in memory) keeps the text
    and keeps times ascending across window boundaries."""
    transcript = _transcribe_alone(tmp_path, talk_mp4, PIPELINE_TRANSCRIBE_WINDOW_SECONDS="15")
    assert transcript["options"]["window_seconds"] == 15
    _assert_known_speech(transcript, talk_truth)
    starts = [w["start"] for s in transcript["segments"] for w in s["words"]]
    assert starts == sorted(starts)
    assert starts[-1] > 45  # times are offset by each window's start


def test_segments_are_sentences(transcribed):
    """Batched decoding gives segments of up to 30 s; they are stored as sentences (what
    chapters and the review page quote), each timed by its own words."""
    workdir, _ = transcribed
    transcript = json.loads((workdir / "transcript.json").read_text())
    assert transcript["options"]["batch_size"] == 4
    segments = transcript["segments"]
    assert len(segments) >= 8
    for seg in segments:
        assert seg["words"], seg
        assert seg["start"] == seg["words"][0]["start"] and seg["end"] == seg["words"][-1]["end"]
        assert seg["text"] == "".join(w["word"] for w in seg["words"]).strip()
        # a sentence end only at the end of a segment
        assert not any(re.search(r"[.?!]$", w["word"].strip()) for w in seg["words"][:-1]), seg
        assert seg["end"] - seg["start"] < 30


def test_one_after_another_decoding_gives_the_same_text(tmp_path, talk_mp4, talk_truth):
    """batch_size 1 (faster-whisper's sequential decoding) is still a working choice."""
    transcript = _transcribe_alone(tmp_path, talk_mp4, PIPELINE_TRANSCRIBE_BATCH_SIZE="1")
    assert transcript["options"]["batch_size"] == 1
    _assert_known_speech(transcript, talk_truth)


def test_asking_for_a_gpu_that_is_not_there_is_one_clear_line(tmp_path, talk_mp4):
    """--device cuda on a machine without one: exit non-zero, one line saying what to do."""
    import ctranslate2

    if ctranslate2.get_cuda_device_count() > 0:
        pytest.skip("this machine has a CUDA device")
    result = run_pipeline("transcribe", str(talk_mp4), "--out", str(tmp_path), "--device", "cuda")
    assert result.code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "on cuda" in lines[0] and "--device cpu" in lines[0]
    assert not (tmp_path / "talk" / "transcript.json").exists()


def test_a_later_command_reuses_the_slides_pass_that_also_scanned(transcribed, talk_mp4):
    """`pipeline run` read the screen for the scan on the slides pass; `pipeline chapters`
    afterwards (no scan) finds slides.json still good and does not make the pass again. The
    transcript redone on all cores (test_rerun_skips_and_force_redoes) is the same file, so
    the chapters stand too."""
    workdir, _ = transcribed
    again = run_pipeline("chapters", str(talk_mp4), "--out", str(workdir.parent), "--json")
    assert again.code == 0, again.stderr
    statuses = {s["name"]: s["status"] for s in json.loads(again.stdout)["stages"]}
    assert statuses["slides"] == "skipped" and statuses["chapters"] == "skipped", statuses


def test_split_sentences_cuts_after_sentence_ends_and_at_pauses():
    from faster_whisper.transcribe import Word as WhisperWord

    from pipeline.stages.transcribe import split_sentences

    def w(start, end, text):
        return WhisperWord(start, end, text, 0.9)

    words = [
        w(0.0, 0.4, " Hello"), w(0.4, 0.8, " there."), w(0.9, 1.2, " Is"), w(1.2, 1.5, " it"),
        w(1.5, 1.9, ' "on?"'), w(2.0, 2.3, " Yes"), w(4.0, 4.4, " good"),
    ]  # fmt: skip
    pieces = split_sentences(words)
    assert ["".join(x.word for x in p) for p in pieces] == [
        " Hello there.",
        ' Is it "on?"',
        " Yes",
        " good",
    ]
    assert split_sentences([]) == []
