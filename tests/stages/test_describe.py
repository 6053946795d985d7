"""Describe stage: title from the template and date, description from the Jinja2 template
with chapters, Slack link and chat links, within YouTube's limits."""

from __future__ import annotations

import pytest

from pipeline.youtube.rules import description_problems, parse_chapter_lines, title_problems
from pipeline.zoom.chat import parse_chat, shared_links

CHAT = (
    "10:01:02\t From  Alex Rivera : the deck is at https://example.org/deck.pdf, enjoy\n"
    "10:02:00\t From  Sam Lee : signed https://s3.example.com/f?X-Amz-Signature=abcd1234ef\n"
    "10:02:30\t From  Sam Lee : again https://example.org/deck.pdf\n"
    "10:03:00 From Priya Nair to Everyone:\n"
    "\thttps://hub.example.org/extractors\n"
)


@pytest.fixture(scope="module")
def chat_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("chat") / "chat.txt"
    path.write_text(CHAT)
    return path


def test_title_description_and_metadata(content_run, chat_file):
    workspace = content_run(
        "talk", ("slides", "chapters", "describe"), **{"describe.chat": str(chat_file)}
    )
    title = workspace.path("title.txt").read_text().strip()
    assert title == "Meltano Office Hours - 2026-11-19"  # the fixture's creation_time
    description = workspace.path("description.txt").read_text()
    duration = workspace.read_json("media.json")["duration"]
    assert description_problems(description, duration) == [] and title_problems(title) == []
    marks = parse_chapter_lines(description)
    chapters = workspace.read_json("chapters.json")["chapters"]
    assert [m.title for m in marks] == [c["title"] for c in chapters]
    assert "#office-hours" in description and "https://meltano.com/slack" in description
    assert "https://example.org/deck.pdf" in description
    assert "https://hub.example.org/extractors" in description
    assert "Signature" not in description and description.count("deck.pdf") == 1
    meta = workspace.read_json("metadata.json")
    assert meta["title"] == title and meta["description"] == description.rstrip("\n")
    assert meta["chapters"] == chapters and meta["category_id"]
    assert "privacy" not in meta  # one setting, youtube.privacy, decides a new upload's privacy


def test_date_option_custom_templates_and_limits(content_run, tmp_path_factory):
    template = tmp_path_factory.mktemp("tpl") / "description.j2"
    template.write_text(
        "{{ title }} <live>\n{% for ch in chapters %}{{ ch.clock }} {{ ch.title }}\n{% endfor %}"
        + "filler line that repeats\n" * 400
    )
    workspace = content_run(
        "demoday",
        ("slides", "chapters", "describe"),
        **{
            "describe.date": "2026-12-03",
            "describe.title_template": "Demo Day {date:%B %Y}",
            "describe.description_template": str(template),
            "chapters.features": "fixtures/demoday.features.yaml",
        },
    )
    assert workspace.path("title.txt").read_text().strip() == "Demo Day December 2026"
    description = workspace.path("description.txt").read_text()
    assert description_problems(description, workspace.read_json("media.json")["duration"]) == []
    assert "‹live›" in description and "<" not in description
    assert len(parse_chapter_lines(description)) == 4  # 0:00 + three features, all whole


def test_zoom_chat_parsing():
    messages = parse_chat(CHAT)
    assert [m.sender for m in messages] == ["Alex Rivera", "Sam Lee", "Sam Lee", "Priya Nair"]
    assert messages[0].time == 10 * 3600 + 62
    assert shared_links(messages) == [
        "https://example.org/deck.pdf",
        "https://hub.example.org/extractors",
    ]
