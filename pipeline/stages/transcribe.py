"""Transcribe stage: faster-whisper on the audio track -> transcript.json, captions.srt,
captions.vtt. VAD filter on, word timestamps, int8 on CPU, float16 on CUDA. Stretches of speech
are decoded in batches (faster-whisper's BatchedInferencePipeline); its segments span up to
30 s, so they are cut into sentences by their words' punctuation and pauses."""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass
from typing import Any

from pipeline.errors import ModelUnavailableError
from pipeline.media.audio import iter_speech_windows
from pipeline.memory import HeapTrimmer
from pipeline.settings import Settings, TranscribeSettings
from pipeline.speech.captions import Word, build_cues, to_srt, to_vtt
from pipeline.speech.model_registry import ResolvedModel, resolve_model
from pipeline.stages.base import Stage, StageContext, StageResult
from pipeline.workspace import CAPTIONS_SRT, CAPTIONS_VTT, MEDIA_JSON, TRANSCRIPT_JSON

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class TranscriptionOptions:
    """The options a transcript was made with (recorded in transcript.json)."""

    model: str
    device: str
    compute_type: str
    language: str
    beam_size: int
    vad_filter: bool
    threads: int
    window_seconds: float
    batch_size: int


def cuda_available() -> bool:
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count() > 0
    except Exception:  # pragma: no cover - depends on the machine
        return False


def resolve_options(cfg: TranscribeSettings, threads: int | None = None) -> TranscriptionOptions:
    """Turn settings into concrete options (auto device, compute type, thread count: the
    setting, else the runner's share of the cores)."""
    device = cfg.device
    if device == "auto":
        device = "cuda" if cuda_available() else "cpu"
    compute = cfg.compute_type
    if compute == "auto":
        compute = "float16" if device == "cuda" else "int8"
    threads = cfg.threads or threads or (os.cpu_count() or 1)
    return TranscriptionOptions(
        model=cfg.model,
        device=device,
        compute_type=compute,
        language=cfg.language,
        beam_size=cfg.beam_size,
        vad_filter=cfg.vad_filter,
        threads=threads,
        window_seconds=cfg.window_seconds,
        # batches are stretches the VAD found: without it, one after another
        batch_size=max(1, cfg.batch_size) if cfg.vad_filter else 1,
    )


def recorded_options(options: TranscriptionOptions) -> dict[str, Any]:
    """The options that shape a transcript (the thread count changes speed, not the words:
    left out, so a transcript made on more cores is the same file)."""
    return {k: v for k, v in asdict(options).items() if k != "threads"}


def load_whisper(resolved: ResolvedModel, options: TranscriptionOptions):
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(
            str(resolved.location),
            device=options.device,
            compute_type=options.compute_type,
            cpu_threads=options.threads,
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelUnavailableError(
            f"cannot load speech model {resolved.name} on {options.device}: {exc}",
            hint="try --device cpu, or another --model",
        ) from exc


#: a sentence ends with one of these (closing quotes and brackets after it are kept)
SENTENCE_END = (".", "?", "!")
#: a pause this long between two words ends a segment too
PAUSE_SECONDS = 1.0


def split_sentences(words: list[Any]) -> list[list[Any]]:
    """Cut a segment's words (faster-whisper Word: start, end, word) into sentences: after a
    word ending a sentence, and at a pause of PAUSE_SECONDS or more."""
    pieces: list[list[Any]] = [[]]
    for i, w in enumerate(words):
        if pieces[-1] and w.start - words[i - 1].end >= PAUSE_SECONDS:
            pieces.append([])
        pieces[-1].append(w)
        if w.word.rstrip().rstrip("\"')]").endswith(SENTENCE_END):
            pieces.append([])
    return [p for p in pieces if p]


def _segment_records(first_id: int, seg, offset: float) -> list[dict[str, Any]]:
    """One faster-whisper segment as transcript.json stores it, cut into sentences, times
    shifted by `offset`."""
    pieces = split_sentences(seg.words) if seg.words else []
    if len(pieces) <= 1:
        return [_record(first_id, seg.start, seg.end, seg.text, seg.words or [], offset)]
    return [
        _record(first_id + i, p[0].start, p[-1].end, "".join(w.word for w in p), p, offset)
        for i, p in enumerate(pieces)
    ]


def _record(index: int, start: float, end: float, text: str, words, offset: float) -> dict:
    return {
        "id": index,
        "start": round(start + offset, 3),
        "end": round(end + offset, 3),
        "text": text.strip(),
        "words": [
            {
                "start": round(w.start + offset, 3),
                "end": round(w.end + offset, 3),
                "word": w.word,
                "probability": round(w.probability, 4),
            }
            for w in words
        ],
    }


class TranscribeStage(Stage):
    name = "transcribe"
    version = 3
    needs = (MEDIA_JSON,)
    #: only the probe is needed: transcription overlaps the video stages
    after = ("probe",)

    def params(self, settings: Settings) -> dict[str, Any]:
        options = resolve_options(settings.transcribe)
        return recorded_options(options)

    def skip_reason(self, ctx: StageContext) -> str | None:
        if ctx.media is not None and not ctx.media.has_audio:
            return "the recording has no audio track"
        return None

    def run(self, ctx: StageContext) -> StageResult:
        options = resolve_options(ctx.settings.transcribe, ctx.threads)
        resolved = resolve_model(options.model)
        model = load_whisper(resolved, options)
        batched = None
        if options.batch_size > 1:
            from faster_whisper import BatchedInferencePipeline

            batched = BatchedInferencePipeline(model)
        total = ctx.media.duration if ctx.media else None
        segments: list[dict[str, Any]] = []
        words: list[Word] = []
        duration = 0.0
        detected = None
        trimmer = HeapTrimmer()
        for window in iter_speech_windows(ctx.recording, options.window_seconds):
            trimmer.tick()
            common = {
                "language": options.language or None,
                "beam_size": options.beam_size,
                "vad_filter": options.vad_filter,
                "word_timestamps": True,
                "condition_on_previous_text": False,
            }
            if batched is not None:
                segments_iter, info = batched.transcribe(
                    window.samples, batch_size=options.batch_size, **common
                )
            else:
                segments_iter, info = model.transcribe(window.samples, **common)
            detected = info.language
            for seg in segments_iter:
                for segment in _segment_records(len(segments), seg, window.start):
                    segments.append(segment)
                    words.extend(Word(w["start"], w["end"], w["word"]) for w in segment["words"])
                ctx.progress(min(segments[-1]["end"], total or segments[-1]["end"]), total)
            duration = window.end
            ctx.progress(duration, total)

        transcript = {
            "language": options.language or detected or "unknown",
            "duration": round(duration, 3),
            "model": {"name": resolved.name, "source": resolved.source},
            "options": recorded_options(options),
            "text": " ".join(s["text"] for s in segments),
            "segments": segments,
        }
        cues = build_cues(words)
        ctx.workspace.write_text(CAPTIONS_SRT, to_srt(cues))
        ctx.workspace.write_text(CAPTIONS_VTT, to_vtt(cues))
        ctx.workspace.write_json(TRANSCRIPT_JSON, transcript)
        return StageResult(
            outputs=[TRANSCRIPT_JSON, CAPTIONS_SRT, CAPTIONS_VTT],
            summary={"segments": len(segments), "words": len(words), "cues": len(cues)},
        )
