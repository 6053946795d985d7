"""What a person would call a screen, from its text: window names trimmed of noise, and
lines of code or output that are never a name."""

from __future__ import annotations

import pytest

from pipeline.slides.screen_names import is_prompt, looks_like_code, plausible_title, window_name


@pytest.mark.parametrize(
    ("bar", "name"),
    (
        ("extractor.py - tap-weather", "extractor.py"),
        ("extractor.py-tap-weather", "extractor.py"),  # OCR lost the spaces
        ("● streams.py — tap-weather — Visual Studio Code", "streams.py"),
        ("Sync Dashboard - localhost:8080", "Sync Dashboard"),
        ("Writing a Custom Extractor - Google Chrome", "Writing a Custom Extractor"),
        ("alex@laptop: ~/tap-weather", "Terminal"),
        ("alex@laptop: ~/tap-weather — zsh — 80×24", "Terminal"),
        ("Terminal", "Terminal"),
        ("https://docs.example.org/extractors/custom", None),
        ("••", None),
    ),
)
def test_window_name(bar, name):
    assert window_name(bar) == name


@pytest.mark.parametrize(
    "line",
    (
        "class Daily(Stream):",
        'name = "daily"',
        "from pipeline_sdk import Stream, Tap",
        "$ pipeline run tap-csv target-duckdb",
        "for day in self.days():",
        "tap-csv-to-target-duckdb  2026-11-19T17:12:03",
        "Extracting customers.csv:",
    ),
)
def test_code_and_output_are_never_titles(line):
    assert looks_like_code(line) and not plausible_title(line)


@pytest.mark.parametrize(
    "title", ("What's New in 0.9", "Faster State Backends (Sam Lee)", "Release Planning")
)
def test_titles_stay_titles(title):
    assert plausible_title(title)


def test_prompts():
    assert is_prompt("$ pipeline --version") and is_prompt("alex@laptop:~$ ls")
    assert not is_prompt("Loaded 1200 rows into customers")
