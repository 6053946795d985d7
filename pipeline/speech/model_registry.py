"""Which speech model to load and where it resolves from, read from the manifests in
`models/` (installed as `pipeline.model_manifests`)."""

from __future__ import annotations

import importlib
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pipeline.errors import ModelUnavailableError

DEFAULT_MODEL = "tiny.en"


@dataclass(frozen=True)
class ModelManifest:
    name: str
    kind: str
    source: str
    package: str | None = None
    locator: str | None = None


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready to load: `location` is a local folder."""

    name: str
    location: Path
    source: str


def manifests() -> dict[str, ModelManifest]:
    """All model manifests, keyed by name."""
    found = {}
    for entry in resources.files("pipeline.model_manifests").iterdir():
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            found[data["name"]] = ModelManifest(**data)
    return found


def _from_package(manifest: ModelManifest) -> Path:
    try:
        module = importlib.import_module(manifest.package or "")
    except ImportError as exc:
        raise ModelUnavailableError(
            f"model {manifest.name} should come from the Python package {manifest.package}, "
            "which is not installed",
            hint="run `make install`",
        ) from exc
    path = Path(getattr(module, manifest.locator or "get_model_path")())
    if not (path / "model.bin").is_file():
        raise ModelUnavailableError(f"model {manifest.name}: {path} holds no model.bin")
    return path


def _from_faster_whisper(name: str) -> Path:
    from faster_whisper.utils import download_model

    try:
        return Path(download_model(name, local_files_only=True))
    except Exception:
        pass  # not cached: try the network below
    try:
        return Path(download_model(name))
    except Exception as exc:
        raise ModelUnavailableError(
            f"speech model {name!r} is not on this machine and could not be downloaded "
            f"({type(exc).__name__})",
            hint=f"connect to the network once to cache it, pass a local model folder, "
            f"or use the bundled --model {DEFAULT_MODEL}",
        ) from exc


def resolve_model(name_or_path: str) -> ResolvedModel:
    """Resolve `--model`: a local CTranslate2 model folder, a manifest name, or any name
    faster-whisper knows (including Hugging Face repo ids).

    Raises ModelUnavailableError when it cannot be had offline.
    """
    candidate = Path(name_or_path).expanduser()
    if candidate.is_dir():
        if not (candidate / "model.bin").is_file():
            raise ModelUnavailableError(
                f"{candidate} is not a CTranslate2 Whisper model (no model.bin inside)",
                hint="convert it with ct2-transformers-converter, or pass a model name",
            )
        return ResolvedModel(name=candidate.name, location=candidate.resolve(), source="path")
    known = manifests()
    manifest = known.get(name_or_path)
    if manifest is not None and manifest.source == "python-package":
        return ResolvedModel(name=manifest.name, location=_from_package(manifest), source="package")
    if name_or_path.startswith((".", "/", "~")):
        raise ModelUnavailableError(f"model folder not found: {name_or_path}")
    return ResolvedModel(
        name=name_or_path, location=_from_faster_whisper(name_or_path), source="faster-whisper"
    )
