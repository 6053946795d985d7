"""The record of lockdowns: `lockdowns.json` beside the token file, the privacy each locked
down video had before (for `republish` and `republish --restore`). A video recorded here is
never taken for a recording's upload by the publisher's search of the channel."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.settings import Settings
from pipeline.workspace import write_json_atomic

LEDGER = "lockdowns.json"


def ledger_path(settings: Settings) -> Path:
    return Path(settings.youtube.token_file).expanduser().parent / LEDGER


def read_lockdowns(settings: Settings) -> dict:
    """Video ID -> {previous_privacy, locked_at}."""
    path = ledger_path(settings)
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


def write_lockdowns(settings: Settings, ledger: dict) -> None:
    path = ledger_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, ledger)


def locked_down_videos(settings: Settings) -> set[str]:
    """IDs of the videos whose lockdown is recorded."""
    return set(read_lockdowns(settings))
