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
#: keys that moved: one setting decides the privacy of new uploads
MOVED_KEYS = {"describe.privacy": "youtube.privacy"}


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
    #: stretches of speech (up to 30 s each, found by the VAD) decoded together; 1 decodes
    #: them one after another. Batching runs the model on fuller matrices: about 1.3x faster
    #: on one CPU core, more on a GPU. Needs vad_filter
    batch_size: int = 4
    #: audio is decoded and transcribed in windows of about this many seconds, cut at quiet
    #: moments, so memory stays flat however long the recording is
    window_seconds: float = 300.0


def _default_token_file() -> str:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return str(Path(base) / "pipeline" / "youtube-token.json")


@dataclass
class YoutubeSettings:
    #: root URL of the API, uploads included (an emulator or proxy: `http://127.0.0.1:8080/`)
    api_root: str = "https://youtube.googleapis.com/"
    #: where OAuth token refreshes go
    token_uri: str = "https://oauth2.googleapis.com/token"
    #: the stored authorized-user token (JSON: token, refresh_token, client_id, client_secret,
    #: scopes); written by `pipeline auth youtube` with mode 0600
    token_file: str = field(default_factory=_default_token_file)
    #: privacy of every new upload (run --publish, publish, batch) unless --privacy says
    #: otherwise: private, unlisted or public
    privacy: str = "private"
    #: YouTube category of new uploads (27 = Education, 28 = Science & Technology)
    category_id: str = "28"
    #: playlist every published video is added to; empty = none
    playlist_id: str = ""
    #: language of the uploaded captions track
    caption_language: str = "en"
    #: upload chunk size in bytes (rounded up to a multiple of 256 KiB)
    chunk_size: int = 8 * 1024 * 1024
    #: seconds before an unanswered request counts as failed
    timeout: float = 60.0
    #: attempts per request on network errors and 5xx before giving up
    retries: int = 6
    #: first backoff wait in seconds (doubles each attempt, capped at 60 s)
    backoff: float = 1.0
    #: API units per Pacific day that the distributed batch's workers share (YouTube's
    #: default project quota); a publish that would pass it waits for the reset
    daily_quota: int = 10000


@dataclass
class ZoomSettings:
    """Zoom Server-to-Server OAuth app and the nightly batch over its cloud recordings."""

    account_id: str = field(default="", metadata=_env("ZOOM_ACCOUNT_ID"))
    client_id: str = field(default="", metadata=_env("ZOOM_CLIENT_ID"))
    client_secret: str = field(default="", metadata=_env("ZOOM_CLIENT_SECRET"))
    api_url: str = "https://api.zoom.us/v2"
    oauth_url: str = "https://zoom.us/oauth/token"
    #: secret token of the app's event subscription (verifies `pipeline webhook` calls)
    webhook_secret: str = field(default="", metadata=_env("ZOOM_WEBHOOK_SECRET_TOKEN"))
    #: whose recordings the batch lists (`me` = the account owner; an email or user ID)
    user: str = "me"
    #: regular expression a meeting topic must match (searched, case-insensitive); "" = all
    topic_pattern: str = ""
    #: recordings shorter than this many minutes are ignored
    min_duration: int = 0
    #: SQLite state database of the batch (one row per meeting); default <out>/state.db
    state_db: str = field(default="", metadata=_env("PIPELINE_STATE_DB"))
    #: a failing recording is retried on later runs until it has failed this many times
    max_attempts: int = 3
    #: how far back the first batch (no watermark yet) looks, in days
    lookback_days: int = 30
    #: tries per Zoom request or download before it counts as failed for this run
    retries: int = 5
    #: first wait between tries in seconds, doubling each time (Retry-After wins)
    retry_backoff: float = 1.0


@dataclass
class BatchSettings:
    """How `pipeline batch` runs: in this process (`local`) or on Celery workers (`celery`)."""

    #: `local` runs every recording here; `celery` enqueues one chain of tasks per recording
    #: for `pipeline worker` processes (same as `pipeline batch --distributed`)
    executor: str = "local"
    #: Redis URL of the Celery broker (also the cluster's shared quota and rate limits)
    broker_url: str = field(default="", metadata=_env("PIPELINE_BROKER_URL"))
    #: seconds after which a task no worker acknowledged is handed to another worker (when
    #: its worker died); must outlast the longest task
    visibility_timeout: int = 3600
    #: where transcription runs: `auto` (`gpu` when a worker listens there, else `cpu`),
    #: `gpu` or `cpu`
    transcribe_queue: str = "auto"
    #: cron expression (UTC) of the nightly listing that Celery beat runs
    schedule: str = "0 2 * * *"


@dataclass
class ScanSettings:
    #: what `pipeline run` does about unresolved secrets: `blur` the flagged boxes, `cut` the
    #: flagged spans, or `hold` (stop before publishing and say what was found)
    on_secret: str = "blur"
    #: screen samples per second checked for changes (a secret shown 2 s is seen 4 times)
    fps: float = 2.0
    #: Zoom chat file to scan (default: `<recording stem>.chat.txt` beside the recording)
    chat: str = ""
    #: CPU threads for OCR; 0 = up to 4
    ocr_threads: int = 0


@dataclass
class SlidesSettings:
    #: frames per second sampled when looking for slide changes
    sample_fps: float = 2.0
    #: seconds a new picture must hold still to count as a new slide
    stable_seconds: float = 2.0
    #: fraction of the screen whose content must be replaced (lower = more sensitive)
    sensitivity: float = 0.02


@dataclass
class ChaptersSettings:
    #: read slide titles with OCR (else titles come from the transcript)
    ocr: bool = True
    #: YouTube's rules: at least this many chapters...
    min_chapters: int = 3
    #: ...each at least this many seconds long
    min_seconds: float = 10.0
    #: demo days: YAML list of features (and presenters) in demo order
    features: str = ""


@dataclass
class ThumbnailSettings:
    #: draw the video title on the thumbnail
    draw_title: bool = False
    #: JPEG quality of thumbnail.jpg (lowered automatically to stay under 2 MB)
    quality: int = 90


@dataclass
class DescribeSettings:
    #: Python format string; {date} is the recording date (a datetime)
    title_template: str = "Meltano Office Hours - {date:%Y-%m-%d}"
    #: Jinja2 template file for the description; empty = the built-in template
    description_template: str = ""
    #: link to the Slack channel where the conversation continues
    slack_link: str = "https://meltano.com/slack"
    slack_channel: str = "#office-hours"
    #: recording date (YYYY-MM-DD); empty = the recording's creation time
    date: str = ""
    #: Zoom chat export (TXT) whose links go into the description
    chat: str = ""
    tags: list[str] = field(default_factory=lambda: ["meltano", "office hours", "data"])
    #: YouTube category (28 = Science & Technology)
    category_id: str = "28"


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
    slides: SlidesSettings = field(default_factory=SlidesSettings)
    chapters: ChaptersSettings = field(default_factory=ChaptersSettings)
    thumbnail: ThumbnailSettings = field(default_factory=ThumbnailSettings)
    describe: DescribeSettings = field(default_factory=DescribeSettings)
    zoom: ZoomSettings = field(default_factory=ZoomSettings)
    batch: BatchSettings = field(default_factory=BatchSettings)
    youtube: YoutubeSettings = field(default_factory=YoutubeSettings)
    scan: ScanSettings = field(default_factory=ScanSettings)
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
        for key in sorted(unknown_keys):
            if f"{section_name}.{key}" in MOVED_KEYS:
                new = MOVED_KEYS[f"{section_name}.{key}"]
                raise ConfigError(
                    f"{path}: [{section_name}] {key} is now {new}",
                    hint=f"move it to [{new.split('.')[0]}] as {new.split('.')[1]}",
                )
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
