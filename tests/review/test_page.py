"""The review page, rendered from a work folder and loaded in a real headless Chromium."""

import io
import json

from PIL import Image

from pipeline.review.page import write_review
from pipeline.review.report import gather
from pipeline.workspace import Workspace
from tests.browser import load_page
from tests.conftest import run_pipeline

LAYOUT = """() => {
  const over = [...document.querySelectorAll('.card, section.panel')]
      .filter(e => e.scrollWidth > e.clientWidth + 1).length;
  const thumb = document.querySelector('#thumbnail');
  return {
    pageWidth: document.documentElement.scrollWidth,
    viewWidth: window.innerWidth,
    overflowing: over,
    thumbLoaded: !!thumb && thumb.complete && thumb.naturalWidth === 1280,
    chapterCards: document.querySelectorAll('.chapter-card').length,
    markers: document.querySelectorAll('.timeline .chapter').length,
  };
}"""


def _long_workfolder(root, n_chapters=40, duration=7200.0):
    """A 2-hour recording's work folder with 40 chapters (artifacts as the stages write them)."""
    ws = Workspace(root / "long")
    ws.prepare()
    ws.update_manifest(recording={"path": str(root / "long.mp4"), "fingerprint": "x", "size": 1})
    ws.write_json(
        "media.json", {"duration": duration, "video": {"width": 1920, "height": 1080}, "audio": {}}
    )
    step = duration / n_chapters
    titles = [
        f"Chapter {i + 1}: " + ("a rather long topic title that wraps " if i % 7 == 0 else "topic")
        for i in range(n_chapters)
    ]
    ws.write_json(
        "chapters.json",
        {
            "chapters": [
                {"start": i * step, "end": (i + 1) * step, "title": t, "source": "ocr"}
                for i, t in enumerate(titles)
            ],
            "reason": None,
        },
    )
    ws.write_json(
        "transcript.json",
        {
            "segments": [
                {
                    "start": i * step + 1,
                    "end": i * step + 5,
                    "text": "Words spoken " * 30,
                    "words": [],
                }
                for i in range(n_chapters)
            ]
        },
    )
    ws.write_text("title.txt", "Meltano Office Hours - 2026-11-19\n")
    ws.write_text(
        "description.txt",
        "\n".join(
            f"{int(i * step) // 3600}:{int(i * step) % 3600 // 60:02d}:00 {t}"
            for i, t in enumerate(titles)
        ),
    )
    buf = io.BytesIO()
    Image.new("RGB", (1280, 720), (32, 84, 160)).save(buf, "JPEG")
    ws.path("thumbnail.jpg").write_bytes(buf.getvalue())
    ws.write_json(
        "flags.json",
        {"findings": [{"id": "f1", "start": 100.0, "end": 130.0, "boxes": [[10, 10, 200, 30]], "rule": "AWS access key",
                       "source": "screen", "confidence": 0.99, "preview": "AKIA************MPLE", "status": "unresolved"}]},
    )  # fmt: skip
    ws.record_stage(
        "chapters", {"status": "done", "seconds": 1.5, "finished_at": "2026-11-19T18:00:00+00:00"}
    )
    return ws, titles


def test_two_hour_recording_with_40_chapters_stays_readable(tmp_path):
    ws, titles = _long_workfolder(tmp_path)
    html_name, json_name = write_review(ws, gather(ws))
    page = load_page(ws.path(html_name), tmp_path / "shot.png", script=LAYOUT)
    assert page.console_errors == []
    for title in titles:
        assert title.strip() in page.text
    facts = page.facts
    assert facts["chapterCards"] == 40 and facts["markers"] == 40
    assert facts["pageWidth"] <= facts["viewWidth"], "horizontal overflow"
    assert facts["overflowing"] == 0
    assert facts["thumbLoaded"]
    shot = Image.open(tmp_path / "shot.png")
    assert shot.width == 1280 and shot.height > 2000  # the whole page, not a viewport
    # warnings the host must see
    assert "unresolved secret finding" in page.text
    data = json.loads(ws.path(json_name).read_text())
    assert len(data["chapters"]) == 40 and data["findings"][0]["redaction"] == "unresolved"


def test_narrow_window_does_not_overflow(tmp_path):
    ws, _ = _long_workfolder(tmp_path, n_chapters=5, duration=600)
    write_review(ws, gather(ws))
    page = load_page(ws.path("review.html"), tmp_path / "narrow.png", width=420, script=LAYOUT)
    assert page.facts["pageWidth"] <= page.facts["viewWidth"]
    assert page.console_errors == []


def test_review_command_takes_a_recording_or_a_folder(tmp_path, media_variants):
    short = media_variants["short"]
    out = tmp_path / "out"
    assert run_pipeline("run", str(short), "--out", str(out), "-q").code == 0
    by_recording = run_pipeline("review", str(short), "--out", str(out))
    assert by_recording.code == 0, by_recording.stderr
    assert by_recording.stdout.strip() == str((out / "short" / "review.html").resolve())
    by_folder = run_pipeline("review", str(out / "short"))
    assert by_folder.code == 0
    unprocessed = run_pipeline("review", str(media_variants["no_audio"]), "--out", str(out))
    assert unprocessed.code == 2 and "pipeline run" in unprocessed.stderr
