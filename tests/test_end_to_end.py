"""`pipeline run` on the leak fixture with the default `on_secret = blur`, then `pipeline review`:
the published video no longer shows any planted secret (OCR cannot read it), the clean parts
stay sharp, spoken secrets leave the captions, and the review page leaks nothing."""

import base64
import difflib
import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from pipeline.leaks.findings import effective_findings, exposing
from pipeline.media.frames import grab_frame
from pipeline.workspace import Workspace
from pipeline.youtube.inputs import unresolved_findings
from tests.browser import load_page
from tests.conftest import FIXTURES, run_pipeline

LEAK = FIXTURES / "leak.mp4"
TRUTH = json.loads((FIXTURES / "leak.json").read_text())
SECRETS = (
    [s["value"] for s in TRUTH["screen"]]
    + [s["value"] for s in TRUTH["speech"]]
    + [c["value"] for c in TRUTH["chat"]]
)


@pytest.fixture(scope="module")
def ocr():
    from rapidocr import RapidOCR

    engine = RapidOCR(params={"Global.log_level": "error"})

    def read(image: np.ndarray) -> list[str]:
        result = engine(image[:, :, ::-1].copy())
        return [str(t) for t in (result.txts or ())]

    return read


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def readable(secret: str, lines: list[str], run: int = 9) -> bool:
    """True when OCR text holds a run of `run` or more characters of `secret` (OCR's
    O/0 and l/1/I confusions forgiven)."""
    table = str.maketrans({"0": "O", "1": "I", "l": "I", "|": "I"})
    wanted = _compact(secret).translate(table).upper()
    for line in lines:
        got = _compact(line).translate(table).upper()
        match = difflib.SequenceMatcher(None, wanted, got).find_longest_match(
            0, len(wanted), 0, len(got)
        )
        if match.size >= min(run, len(wanted)):
            return True
    return False


@pytest.fixture(scope="module")
def leak_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("e2e")
    # the chat export lies beside the recording as <stem>.chat.txt, where the scan finds it
    result = run_pipeline("run", str(LEAK), "--out", str(out), "--json")
    assert result.code == 0, result.stderr
    return out / "leak", json.loads(result.stdout)


def test_run_says_what_it_found_and_did(leak_run):
    workdir, summary = leak_run
    secrets = summary["secrets"]
    assert secrets["on_secret"] == "blur"
    where = {f["source"] for f in secrets["findings"]}
    assert where == {"screen", "speech", "chat"}
    for f in secrets["findings"]:
        expected = "reported" if f["source"] == "chat" else "redacted"
        assert f["action"] == expected, f
        assert "*" in f["preview"]
    dumped = json.dumps(summary)
    for secret in SECRETS:
        assert secret not in dumped


def test_run_prints_each_finding_after_the_stage_table(leak_run):
    workdir, _ = leak_run
    # the work is cached: this run only reports
    result = run_pipeline("run", str(LEAK), "--out", str(workdir.parent))
    assert result.code == 0, result.stderr
    table, _, after = result.stdout.partition("secrets:")
    assert "scan" in table and after
    rows = [line for line in after.splitlines()[1:] if line.strip()]
    assert len(rows) == len(TRUTH["screen"]) + len(TRUTH["speech"]) + len(TRUTH["chat"])
    assert all("hidden in redacted.mp4" in r or "chat" in r for r in rows), rows
    for secret in SECRETS:
        assert secret not in result.stdout + result.stderr


def test_redact_with_the_flags_hides_what_on_secret_blur_hid(leak_run, tmp_path):
    """`pipeline redact --ranges flags.json` and `on_secret = blur` are one policy: the same
    padded boxes over the same spans, the same spoken spans silenced."""
    workdir, _ = leak_run
    by_run = json.loads((workdir / "redactions.json").read_text())
    result = run_pipeline(
        "redact", str(LEAK), "--ranges", str(workdir / "flags.json"), "--out", str(tmp_path),
        "--json",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    by_hand = json.loads(result.stdout)
    assert by_hand["ranges"] == by_run["ranges"]
    assert by_hand["mute_spans"] == by_run["mute_spans"]
    assert by_run["ranges"] and by_run["mute_spans"]


def test_run_redacts_by_default(leak_run):
    workdir, summary = leak_run
    statuses = {s["name"]: s["status"] for s in summary["stages"]}
    assert statuses["scan"] == "ran" and statuses["redact"] == "ran"
    assert (workdir / "redacted.mp4").is_file()
    findings = effective_findings(Workspace(workdir))
    assert exposing(findings) == [], "every on-screen and spoken secret is hidden"
    assert unresolved_findings(workdir) == []  # publishing is not refused
    assert {f.source for f in findings if f.status == "redacted"} == {"screen", "speech"}


@pytest.mark.parametrize("secret", TRUTH["screen"], ids=lambda s: s["rule"])
def test_no_planted_secret_is_readable_in_the_output(leak_run, ocr, secret):
    workdir, _ = leak_run
    middle = (secret["start"] + secret["end"]) / 2
    # the source shows it (so this test can fail) ...
    assert readable(secret["value"], ocr(grab_frame(LEAK, middle).image))
    # ... the redacted video does not, from its first frame to its last
    for t in (secret["start"] + 0.05, middle, secret["end"] - 0.05):
        frame = grab_frame(workdir / "redacted.mp4", t).image
        assert not readable(secret["value"], ocr(frame)), f"{secret['rule']} readable at {t:.2f} s"


def test_the_rest_of_the_screen_stays_sharp(leak_run, ocr):
    workdir, _ = leak_run
    lines = ocr(grab_frame(workdir / "redacted.mp4", 33.0).image)
    text = " ".join(lines)
    for wanted in TRUTH["clean_text"]:
        best = max(difflib.SequenceMatcher(None, wanted.strip(), line).ratio() for line in lines)
        assert best >= 0.8, f"{wanted!r} not read in {text!r}"
    # and outside the blurred boxes the terminal is untouched: its prompt line still reads
    term = ocr(grab_frame(workdir / "redacted.mp4", 16.0).image)
    assert any("export" in line for line in term)


def test_spoken_secret_leaves_the_published_captions(leak_run):
    workdir, _ = leak_run
    spoken = TRUTH["speech"][0]["value"]
    assert "dishwasher" in (workdir / "captions.srt").read_text().lower()  # heard by the model
    published = (workdir / "redacted" / "captions.srt").read_text().lower()
    assert "dishwasher" not in published and "purple monkey" not in published, spoken


def test_review_page_shows_the_decisions_and_leaks_nothing(leak_run, ocr, tmp_path):
    workdir, _ = leak_run
    result = run_pipeline("review", str(workdir))
    assert result.code == 0, result.stderr
    html_path = workdir / "review.html"
    html = html_path.read_text()
    for secret in SECRETS:
        assert not readable(secret, [html]), "a secret is in the HTML"
    images = [
        base64.b64decode(m) for m in re.findall(r"data:image/jpeg;base64,([A-Za-z0-9+/=]+)", html)
    ]
    assert len(images) >= 4  # chapter frames, a redacted finding frame, the thumbnail
    for data in images:
        image = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        scale = max(1, 1280 // image.shape[1])
        big = np.asarray(
            Image.fromarray(image).resize((image.shape[1] * scale, image.shape[0] * scale))
        )
        lines = ocr(big)
        for secret in SECRETS:
            assert not readable(secret, lines), "a secret is readable in an embedded image"

    page = load_page(
        html_path,
        tmp_path / "review.png",
        script="() => ({thumb: document.querySelector('#thumbnail')?.naturalWidth || 0,"
        " findings: document.querySelectorAll('.finding-card').length})",
    )
    assert page.console_errors == []
    chapters = json.loads((workdir / "chapters.json").read_text())["chapters"]
    for chapter in chapters:
        assert chapter["title"] in page.text
    assert page.facts["thumb"] == 1280
    assert page.facts["findings"] == len(
        json.loads((workdir / "flags.json").read_text())["findings"]
    )
    assert "blurred in redacted.mp4" in page.text
    review = json.loads((workdir / "review.json").read_text())
    assert review["thumbnail"] == "thumbnail.jpg"


def test_dismissing_a_finding_shows_in_the_next_review(leak_run):
    workdir, _ = leak_run
    findings = json.loads((workdir / "flags.json").read_text())["findings"]
    chat = next(f for f in findings if f["source"] == "chat")
    assert (
        run_pipeline("scan", str(LEAK), "--out", str(workdir.parent), "--dismiss", chat["id"]).code
        == 0
    )
    assert run_pipeline("review", str(workdir)).code == 0
    review = json.loads((workdir / "review.json").read_text())
    card = next(f for f in review["findings"] if f["id"] == chat["id"])
    assert card["redaction"].startswith("dismissed")
