"""Describe stage: title.txt, description.txt and metadata.json, ready to paste into YouTube.

The title comes from a template and the recording date; the description from a Jinja2
template (built-in, or describe.description_template) given the chapters, the demo-day
features, the Slack link and the links shared in the Zoom chat. YouTube's limits are
enforced afterwards: a description that is too long loses whole lines from its end, never a
part of a chapter line (pipeline.youtube.rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from pipeline.errors import ConfigError, InputError
from pipeline.redaction.followups import final_artifact
from pipeline.settings import DescribeSettings, Settings
from pipeline.slides.chapter_list import Chapter
from pipeline.stages.base import Stage, StageContext, StageResult
from pipeline.timecode import format_clock
from pipeline.workspace import (
    CHAPTERS_JSON,
    DESCRIPTION_TXT,
    MEDIA_JSON,
    METADATA_JSON,
    REDACTED_DIR,
    SLIDES_JSON,
    TITLE_TXT,
    ZOOM_MEETING_JSON,
    fingerprint_file,
)
from pipeline.youtube.event_date import modification_date
from pipeline.youtube.rules import CHAPTER_LINE, description_problems, fit_description
from pipeline.youtube.title import recording_event_date, render_title
from pipeline.zoom.chat import read_chat, shared_links

DEFAULT_TEMPLATE = """\
{{ title }}
{% if features %}

Demos, in order:
{% elif chapters %}

In this session:
{% endif %}
{% for ch in chapters %}
{{ ch.clock }} {{ ch.title }}
{% endfor %}

Keep the conversation going in {{ slack_channel }} on Slack: {{ slack_link }}
{% if links %}

Links shared in the chat:
{% for link in links %}
- {{ link }}
{% endfor %}
{% endif %}
"""


def _path(value: str) -> Path | None:
    return Path(value).expanduser() if value else None


def load_template(cfg: DescribeSettings) -> jinja2.Template:
    """The description template. Raises ConfigError when it is missing or does not parse."""
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, autoescape=False
    )
    source = DEFAULT_TEMPLATE
    path = _path(cfg.description_template)
    if path is not None:
        try:
            source = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read description template {path}: {exc}") from exc
    try:
        return env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"description template: {exc.message} (line {exc.lineno})") from exc


def split_chapter_block(text: str) -> tuple[str, list[str], str]:
    """(text before, chapter lines, text after) around the first run of timestamp lines."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if CHAPTER_LINE.match(ln)), None)
    if start is None:
        return text, [], ""
    end = start
    while end < len(lines) and CHAPTER_LINE.match(lines[end]):
        end += 1
    return "\n".join(lines[:start]), lines[start:end], "\n".join(lines[end:])


class DescribeStage(Stage):
    name = "describe"
    version = 2
    #: slides.json: the title slide may be what names the event's date
    needs = (
        MEDIA_JSON, CHAPTERS_JSON, f"{REDACTED_DIR}/chapters.json", ZOOM_MEETING_JSON, SLIDES_JSON,
    )  # fmt: skip

    def params(self, settings: Settings) -> dict[str, Any]:
        cfg = settings.describe
        params: dict[str, Any] = {
            k: getattr(cfg, k)
            for k in ("title_template", "slack_link", "slack_channel", "date", "tags")
        }
        params |= {"category_id": cfg.category_id}
        for key in ("description_template", "chat"):
            path = _path(getattr(cfg, key))
            params[key] = str(path) if path else None
            params[f"{key}_fingerprint"] = (
                fingerprint_file(path) if path and path.is_file() else None
            )
        return params

    def progress_total(self, ctx: StageContext) -> float | None:
        return None

    def run(self, ctx: StageContext) -> StageResult:
        cfg = ctx.settings.describe
        title = render_title(cfg, ctx.media, ctx.workspace)
        # after a cut, the chapters of the redacted video (times shifted)
        chapters_name = final_artifact(ctx.workspace, CHAPTERS_JSON)
        chapters_data = (
            ctx.workspace.read_json(chapters_name) if ctx.workspace.exists(chapters_name) else {}
        )
        chapters = [Chapter.from_dict(c) for c in chapters_data.get("chapters", [])]
        chat = _path(cfg.chat)
        links: list[str] = []
        if chat is not None:
            if not chat.is_file():
                raise InputError(f"chat file not found: {chat}", hint="check --chat")
            links = shared_links(read_chat(chat))
        found = recording_event_date(cfg, ctx.media, ctx.workspace)
        if found is None:
            found = modification_date(ctx.media)
            ctx.warn(
                "the recording does not say when it was made: the title uses the file's "
                "modification date (pass --date YYYY-MM-DD to set it)"
            )
        context = {
            "title": title,
            "date": found.when if found else None,
            "chapters": [
                {"clock": format_clock(c.start), "start": c.start, "title": c.title}
                for c in chapters
            ],
            "features": chapters_data.get("features", []),
            "slack_link": cfg.slack_link,
            "slack_channel": cfg.slack_channel,
            "links": links,
            "duration": ctx.media.duration if ctx.media else None,
        }
        try:
            rendered = load_template(cfg).render(**context)
        except jinja2.TemplateError as exc:
            raise ConfigError(f"description template: {exc}") from exc
        head, chapter_lines, tail = split_chapter_block(rendered.strip() + "\n")
        description = fit_description(head, chapter_lines, tail)
        for problem in description_problems(description, context["duration"]):
            ctx.warn(f"description: {problem}")

        ctx.workspace.write_text(TITLE_TXT, title + "\n")
        ctx.workspace.write_text(DESCRIPTION_TXT, description + "\n")
        ctx.workspace.write_json(
            METADATA_JSON,
            {
                "title": title,
                "description": description,
                "tags": list(cfg.tags),
                "category_id": cfg.category_id,
                "chapters": [c.to_dict() for c in chapters],
            },
        )
        return StageResult(
            outputs=[TITLE_TXT, DESCRIPTION_TXT, METADATA_JSON],
            summary={"title": title, "bytes": len(description.encode("utf-8"))},
        )
