"""Secrets in the Zoom chat file and the transcript."""

from __future__ import annotations

import pytest

from pipeline.errors import InputError
from pipeline.leaks.text_scan import scan_chat, scan_transcript
from pipeline.zoom.chat import read_chat
from tests.conftest import FIXTURES


def test_the_fixture_chat_is_parsed_and_its_token_found():
    messages = read_chat(FIXTURES / "leak.chat.txt")
    assert [m.time for m in messages] == [3.0, 12.0, 24.0, 31.0]
    assert messages[2].sender == "Sam Contributor"
    found = scan_chat(messages)
    assert [(s.rule, s.start) for s in found] == [("gitlab-token", 24.0)]


def test_the_older_one_line_chat_format(tmp_path):
    chat = tmp_path / "chat.txt"
    chat.write_text(
        "00:01:02\t From  Alice : hello\n01:00:05\t From  Bob : PASSWORD=Zx8fK2pQ9mW4\n"
    )
    messages = read_chat(chat)
    assert [(m.time, m.sender) for m in messages] == [(62.0, "Alice"), (3605.0, "Bob")]
    assert [s.rule for s in scan_chat(messages)] == ["secret-assignment"]


def test_a_file_that_is_not_a_chat_is_refused(tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("just some notes\n")
    with pytest.raises(InputError):
        read_chat(other)


def test_a_spoken_password_is_timed_by_its_words():
    words = [("The", 1.0), (" password", 1.3), (" is", 1.8), (" purple", 2.0),
             (" monkey", 2.4), (" dishwasher.", 2.8)]  # fmt: skip
    segment = {
        "id": 0, "start": 1.0, "end": 3.4, "text": "The password is purple monkey dishwasher.",
        "words": [{"start": s, "end": s + 0.3, "word": w, "probability": 1.0} for w, s in words],
    }  # fmt: skip
    found = scan_transcript({"segments": [segment]})
    assert [(s.rule, s.value) for s in found] == [("spoken-password", "purple monkey dishwasher")]
    assert found[0].start == 2.0
    assert found[0].end == pytest.approx(3.1)
