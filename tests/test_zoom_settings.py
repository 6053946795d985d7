"""Zoom settings come from pipeline.toml [zoom] and from the environment, the environment
winning; the state database defaults to the output folder."""

from __future__ import annotations

from pathlib import Path

from pipeline.batch.ledger import state_db_path
from pipeline.settings import load_settings

TOML = """
[general]
out = "nightly-out"

[zoom]
account_id = "acc-from-file"
client_id = "id-from-file"
client_secret = "secret-from-file"
api_url = "http://zoom.example/v2"
oauth_url = "http://zoom.example/oauth/token"
state_db = "/var/lib/pipeline/from-file.db"
topic_pattern = "Office Hours|Demo Day"
min_duration = 10
"""


def test_file_values_and_environment_overrides(tmp_path):
    config = tmp_path / "pipeline.toml"
    config.write_text(TOML)
    from_file = load_settings(config, env={})
    assert from_file.zoom.account_id == "acc-from-file"
    assert from_file.zoom.min_duration == 10
    assert state_db_path(from_file) == Path("/var/lib/pipeline/from-file.db")
    env = {
        "ZOOM_ACCOUNT_ID": "acc-env",
        "ZOOM_CLIENT_ID": "id-env",
        "ZOOM_CLIENT_SECRET": "secret-env",
        "PIPELINE_ZOOM_API_URL": "http://127.0.0.1:1/v2",
        "PIPELINE_ZOOM_OAUTH_URL": "http://127.0.0.1:1/oauth/token",
        "PIPELINE_STATE_DB": str(tmp_path / "state.db"),
    }
    s = load_settings(config, env=env)
    assert (s.zoom.account_id, s.zoom.client_id, s.zoom.client_secret) == (
        "acc-env",
        "id-env",
        "secret-env",
    )
    assert (s.zoom.api_url, s.zoom.oauth_url) == (
        env["PIPELINE_ZOOM_API_URL"],
        env["PIPELINE_ZOOM_OAUTH_URL"],
    )
    assert state_db_path(s) == tmp_path / "state.db"
    assert s.sources["zoom.account_id"] == "env" and s.sources["zoom.topic_pattern"] == "config"


def test_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings(None, env={})
    assert s.zoom.api_url == "https://api.zoom.us/v2"
    assert s.zoom.oauth_url == "https://zoom.us/oauth/token"
    assert state_db_path(s) == Path("pipeline-out") / "state.db"
