"""The review page: one self-contained HTML file (images inlined, no scripts, no network)."""

from __future__ import annotations

import base64
import json

from jinja2 import Environment, PackageLoader, select_autoescape

from pipeline.review.report import DESCRIPTION_BUDGET, TITLE_BUDGET, Review
from pipeline.timecode import format_clock
from pipeline.workspace import REVIEW_HTML, REVIEW_JSON, Workspace


def render_html(review: Review) -> str:
    """The page as HTML text (autoescaped)."""
    env = Environment(
        loader=PackageLoader("pipeline.review.report", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    duration = review.duration or 1.0

    def pct(seconds: float) -> str:
        return f"{max(0.0, min(100.0, 100.0 * seconds / duration)):.3f}"

    return env.get_template("review.html.j2").render(
        review=review,
        name=review.workdir,
        budgets={"title": TITLE_BUDGET, "description": DESCRIPTION_BUDGET},
        duration_clock=format_clock(review.duration),
        pct=pct,
        clock=format_clock,
        b64=lambda data: base64.b64encode(data).decode("ascii"),
    )


def write_review(ws: Workspace, review: Review) -> tuple[str, str]:
    """Write review.html and review.json atomically. Returns their artifact names."""
    ws.write_text(REVIEW_HTML, render_html(review))
    ws.write_text(REVIEW_JSON, json.dumps(review.to_json(), indent=2, ensure_ascii=False) + "\n")
    return REVIEW_HTML, REVIEW_JSON
