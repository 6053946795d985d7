"""Settings resolved in one place: CLI value > environment variable > `pipeline.toml` >
default. Stages receive a resolved `Settings`; they never read the environment themselves.

Every key `KEY` of section `SECTION` can be set as `PIPELINE_SECTION_KEY` in the environment
(a field may name another variable, e.g. `ZOOM_ACCOUNT_ID`) and as `[SECTION] KEY = ...` in
the config file."""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError

CONFIG_NAME = "pipeline.toml"


def _env(name: str) -> dict[str, str]:
    return {"env": name}


@dataclass
class GeneralSettings:
    #: where work folders go: `<out>/<recording stem>/`
    out: str = "pipeline-out"


@dataclass
class TranscribeSettings:
    #: faster-whisper model: `tiny.en` (bundled), another model name, or a local folder
    model: str = "tiny.en"
    #: `auto` (cuda when present), `cpu` or `cuda`
    device: str = "auto"
    #: CTranslate2 compute type; `auto` = int8 on CPU, float16 on GPU
    compute_type: str = "auto"
    language: str = "en"
    beam_size: int = 1
    vad_filter: bool = True
    #: CPU threads for inference; 0 = all cores
    threads: int = 0


@dataclass
class RedactSettings:
    #: x264 preset and quality of the re-encoded spans (and of a full re-encode)
    preset: str = "veryfast"
    crf: int = 18
    #: read the middle redacted frame of each range back with OCR (0 = no OCR check; the
    #: first, middle and last frames are always checked for remaining edges)
    ocr_samples: int = 1


@dataclass
class Settings:
    general: GeneralSettings = field(default_factory=GeneralSettings)
    transcribe: TranscribeSettings = field(default_factory=TranscribeSettings)
    redact: RedactSettings = field(default_factory=RedactSettings)
    #: where each value came from ("default", "config", "env", "cli"), keyed `section.key`
    sources: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def section(self, name: str) -> Any:
        return getattr(self, name)


def _sections() -> dict[str, type]:
    hints = typing.get_type_hints(Settings)
    return {f.name: hints[f.name] for f in dataclasses.fields(Settings) if f.name != "sources"}


def _coerce(value: Any, kind: Any, where: str) -> Any:
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(value)
        if kind is int:
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)
        if kind is float:
            return float(value)
        if typing.get_origin(kind) is list:
            if isinstance(value, str):
                return [v.strip() for v in value.split(",") if v.strip()]
            return list(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{where}: {value!r} is not a valid {getattr(kind, '__name__', kind)}"
        ) from exc


def find_config(explicit: Path | None, cwd: Path | None = None) -> Path | None:
    """The config file to read: `--config`, else `pipeline.toml` in the working folder."""
    if explicit is not None:
        if not Path(explicit).is_file():
            raise ConfigError(
                f"config file not found: {explicit}", hint="run `pipeline init` to write one"
            )
        return Path(explicit)
    candidate = Path(cwd or Path.cwd()) / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load_settings(
    config: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cli: Mapping[str, Any] | None = None,
) -> Settings:
    """Resolve settings. `cli` maps `section.key` to values given on the command line (None
    means not given). Raises ConfigError for unknown keys or values of the wrong type."""
    env = os.environ if env is None else env
    file_values: dict[str, Any] = {}
    path = find_config(config)
    if path is not None:
        try:
            file_values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc

    settings = Settings()
    sections = _sections()
    unknown = set(file_values) - set(sections)
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}")
    for section_name, section_type in sections.items():
        section = getattr(settings, section_name)
        hints = typing.get_type_hints(section_type)
        from_file = file_values.get(section_name, {})
        if not isinstance(from_file, dict):
            raise ConfigError(f"{path}: [{section_name}] must be a table")
        unknown_keys = set(from_file) - {f.name for f in dataclasses.fields(section_type)}
        if unknown_keys:
            raise ConfigError(
                f"{path}: unknown key(s) in [{section_name}]: {', '.join(sorted(unknown_keys))}"
            )
        for f in dataclasses.fields(section_type):
            key = f"{section_name}.{f.name}"
            kind = hints[f.name]
            if typing.get_origin(kind) is typing.Union or type(kind).__name__ == "UnionType":
                kind = next(a for a in typing.get_args(kind) if a is not type(None))
            source = "default"
            if f.name in from_file:
                setattr(section, f.name, _coerce(from_file[f.name], kind, f"{path} {key}"))
                source = "config"
            env_name = f.metadata.get("env") or f"PIPELINE_{section_name}_{f.name}".upper()
            if env.get(env_name) not in (None, ""):
                setattr(section, f.name, _coerce(env[env_name], kind, env_name))
                source = "env"
            if cli and cli.get(key) is not None:
                setattr(section, f.name, _coerce(cli[key], kind, f"--{f.name.replace('_', '-')}"))
                source = "cli"
            settings.sources[key] = source
    return settings


def settings_as_dict(settings: Settings) -> dict[str, Any]:
    return {name: dataclasses.asdict(getattr(settings, name)) for name in _sections()}
