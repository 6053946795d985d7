"""The commented default `pipeline.toml` that `pipeline init` writes: every section and key of
`Settings`, with the comment written above the field in pipeline/settings.py, its default,
and the environment variable that overrides it. Generated from the dataclasses, so it never
falls behind them."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
import typing
from typing import Any

from pipeline.settings import Settings

_FIELD = re.compile(r"^\s+(\w+)\s*:")


def field_comments(cls: type) -> dict[str, list[str]]:
    """The `#:` comment lines written above each field of dataclass `cls`."""
    comments: dict[str, list[str]] = {}
    pending: list[str] = []
    for line in inspect.getsource(cls).splitlines()[1:]:
        stripped = line.strip()
        if stripped.startswith("#:"):
            pending.append(stripped[2:].strip())
            continue
        match = _FIELD.match(line)
        if match:
            comments[match.group(1)] = pending
        pending = []
    return comments


def toml_value(value: Any) -> str:
    """`value` written as TOML (strings, numbers, booleans, lists of those)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def default_config_text() -> str:
    """The text of a commented default pipeline.toml."""
    out = [
        "# pipeline.toml: settings for `pipeline` (found in the working folder, or --config).",
        "# Every key is shown with its default, commented out: uncomment to change it.",
        "# Precedence: command-line option > environment variable > this file > default.",
        "",
    ]
    defaults = Settings()
    hints = typing.get_type_hints(Settings)
    for section in dataclasses.fields(Settings):
        if section.name == "sources":
            continue
        cls = hints[section.name]
        comments = field_comments(cls)
        out.append(f"[{section.name}]")
        for f in dataclasses.fields(cls):
            for comment in comments.get(f.name, []):
                out.append(f"# {comment}")
            env = f.metadata.get("env") or f"PIPELINE_{section.name}_{f.name}".upper()
            value = getattr(getattr(defaults, section.name), f.name)
            out.append(f"# {f.name} = {toml_value(value)}    # env {env}")
        out.append("")
    return "\n".join(out)
