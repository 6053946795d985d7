"""The table `make quality` prints, and the overall figures (changes micro-averaged: all
fixtures' pairs, misses and extras summed)."""

from __future__ import annotations

from bench.quality_metrics import TOLERANCE, f1

TARGET_PR = 0.95
TARGET_FEATURE_S = 1.0


def _at_least(value: float | None, target: float) -> bool:
    """None (nothing to find and nothing found) passes."""
    return value is None or value >= target


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def overall(results: dict[str, dict]) -> dict:
    scored = [r for r in results.values() if "changes" in r]
    matched = sum(r["changes"]["matched"] for r in scored)
    truth = sum(r["changes"]["truth"] for r in scored)
    found = sum(r["changes"]["found"] for r in scored)
    chapters = [r["chapters"] for r in scored if "chapters" in r]
    errors = [f["error"] for r in scored for f in r.get("features", [])]
    thumbs = [r["thumbnail"] for r in scored if r.get("thumbnail")]
    precision, recall = _ratio(matched, found), _ratio(matched, truth)
    return {
        "fixtures": len(results),
        "failed_runs": len(results) - len(scored),
        "changes_truth": truth,
        "changes_found": found,
        "changes_matched": matched,
        "precision": precision,
        "recall": recall,
        "f1": f1(precision, recall),
        "chapter_starts_matched": sum(c["starts_matched"] for c in chapters),
        "chapters_expected": sum(c["expected"] for c in chapters),
        "titles_right": sum(c["titles_right"] for c in chapters),
        "titles_scored": sum(c["titles_scored"] for c in chapters),
        "features": len(errors),
        "features_missing": sum(e is None for e in errors),
        "feature_max_abs_error": max((abs(e) for e in errors if e is not None), default=None),
        "thumbnails_deck": sum(bool(t["deck"]) for t in thumbs),
        "thumbnails_slide_right": sum(bool(t["slide_right"]) for t in thumbs),
        "thumbnails": len(thumbs),
    }


def _f(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def _frac(a: int, b: int) -> str:
    return f"{a}/{b}" if b else "-"


def _features(items: list[dict] | None) -> str:
    if not items:
        return "-"
    errs = [f["error"] for f in items]
    known = [abs(e) for e in errs if e is not None]
    missing = sum(e is None for e in errs)
    text = f"{max(known):.1f}" if known else ""
    return (text + (f" ({missing} missing)" if missing else "")).strip()


def _thumb(t: dict | None) -> tuple[str, str]:
    if not t or t.get("deck") is None:
        return "-", "-"
    slide = "-" if t["slide_right"] is None else ("yes" if t["slide_right"] else "no")
    return ("yes" if t["deck"] else "no"), slide


def _row(name: str, r: dict) -> list[str]:
    if "changes" not in r:
        return [name, "run failed", *["-"] * 9]
    c = r["changes"]
    ch = r.get("chapters")
    deck, slide = _thumb(r.get("thumbnail"))
    return [
        name,
        f"{c['matched']}/{c['truth']}/{c['found']}",
        _f(c["precision"]),
        _f(c["recall"]),
        _f(f1(c["precision"], c["recall"])),
        _frac(ch["starts_matched"], ch["expected"]) if ch else "-",
        _frac(ch["titles_right"], ch["titles_scored"]) if ch else "-",
        _features(r.get("features")),
        deck,
        slide,
        r["layout"],
    ]


def print_report(results: dict[str, dict], total: dict) -> None:
    head = [
        "fixture",
        "chg ok/true/found",
        "P",
        "R",
        "F1",
        "ch starts",
        "titles",
        "feature err s",
        "thumb deck",
        "thumb slide",
        "layout",
    ]
    rows = [_row(name, r) for name, r in results.items()]
    rows.append(
        [
            "OVERALL",
            f"{total['changes_matched']}/{total['changes_truth']}/{total['changes_found']}",
            _f(total["precision"]),
            _f(total["recall"]),
            _f(total["f1"]),
            _frac(total["chapter_starts_matched"], total["chapters_expected"]),
            _frac(total["titles_right"], total["titles_scored"]),
            _features(
                [
                    {"error": e}
                    for r in results.values()
                    for e in (f["error"] for f in r.get("features", []))
                ]
            ),
            _frac(total["thumbnails_deck"], total["thumbnails"]),
            _frac(total["thumbnails_slide_right"], total["thumbnails"]),
            "",
        ]
    )
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    for row in [head, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    print(
        f"changes paired within ±{TOLERANCE:g} s; ch starts: expected chapters with a chapter "
        f"starting within ±{TOLERANCE:g} s; titles: equal after case/whitespace/quote "
        "normalisation, paired by longest overlap; feature err: max |chapter start - title "
        "slide| (s); thumb deck: NCC ≥ 0.90 with a deck slide's share crop and above the "
        "whole window's; thumb slide: the expected slide (title slide, else longest)."
    )
    print_misses(results)
    met = (
        (total["precision"] or 0) >= TARGET_PR
        and (total["recall"] or 0) >= TARGET_PR
        and all(
            _at_least(r["changes"]["precision"], TARGET_PR)
            and _at_least(r["changes"]["recall"], TARGET_PR)
            for r in results.values()
            if "changes" in r
        )
        and total["failed_runs"] == 0
        and total["features_missing"] == 0
        and (total["feature_max_abs_error"] or 0) <= TARGET_FEATURE_S
        and total["thumbnails_deck"] == total["thumbnails"]
    )
    print(
        f"target (P and R ≥ {TARGET_PR} on every fixture, features within "
        f"{TARGET_FEATURE_S:g} s, every thumbnail the deck): {'met' if met else 'NOT met'}"
    )


def print_misses(results: dict[str, dict]) -> None:
    """Under the table, per fixture: what was missed or wrong."""
    for name, r in results.items():
        lines = []
        c = r.get("changes")
        if c and c["missed"]:
            lines.append(f"missed changes at {', '.join(f'{t:g}' for t in c['missed'])}")
        if c and c["extra"]:
            lines.append(f"false changes at {', '.join(f'{t:g}' for t in c['extra'])}")
        for check in r.get("chapters", {}).get("checks", []):
            if not check["right"]:
                lines.append(
                    f"title at {check['start']:g}: {check['expected']!r} got {check['got']!r}"
                )
        for f in r.get("features", []):
            if f["error"] is None or abs(f["error"]) > TARGET_FEATURE_S:
                lines.append(f"feature {f['title']!r} at {f['start']:g}: error {f['error']}")
        t = r.get("thumbnail")
        if t and t.get("deck") is not None and not (t["deck"] and t["slide_right"] is not False):
            lines.append(
                f"thumbnail: best deck scene {t['best_scene']} (ncc {t['ncc']}, window "
                f"{t.get('ncc_window')}){' - ' + t['note'] if t.get('note') else ''}"
            )
        if lines:
            print(f"{name}:\n  " + "\n  ".join(lines))
