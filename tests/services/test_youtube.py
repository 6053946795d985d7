"""Endpoints and credentials as settings; YouTube's text rules."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.errors import AuthError
from pipeline.services.youtube import quota_reset_time
from pipeline.services.youtube_auth import load_credentials
from pipeline.settings import load_settings
from pipeline.youtube.publisher import check_credentials
from pipeline.youtube.rules import description_chapter_problems as chapter_problems
from pipeline.youtube.rules import fit_plain_description as clean_description
from pipeline.youtube.rules import fit_title as clean_title


def test_env_wins_over_config(tmp_path):
    config = tmp_path / "pipeline.toml"
    config.write_text(
        '[youtube]\napi_root = "http://proxy.invalid/"\ntoken_uri = "http://proxy.invalid/token"\n'
        'token_file = "/cfg/token.json"\n'
    )
    from_file = load_settings(config, env={})
    assert from_file.youtube.api_root == "http://proxy.invalid/"
    assert from_file.youtube.token_file == "/cfg/token.json"
    env = {
        "PIPELINE_YOUTUBE_API_ROOT": "http://127.0.0.1:9/",
        "PIPELINE_YOUTUBE_TOKEN_FILE": "/env/t.json",
    }
    both = load_settings(config, env=env)
    assert both.youtube.api_root == "http://127.0.0.1:9/"
    assert both.youtube.token_file == "/env/t.json"
    assert both.youtube.token_uri == "http://proxy.invalid/token"
    assert both.sources["youtube.api_root"] == "env"


def test_defaults_point_at_google(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, env={})
    assert settings.youtube.api_root == "https://youtube.googleapis.com/"
    assert settings.youtube.token_uri == "https://oauth2.googleapis.com/token"
    assert settings.youtube.privacy == "private"


def test_refresh_goes_to_the_configured_token_uri(youtube, youtube_settings):
    credentials = load_credentials(youtube_settings.youtube)
    assert credentials.token_uri == youtube.token_uri
    check_credentials(youtube_settings)
    assert youtube.token_requests == 1


def test_missing_token_file_names_the_command(tmp_path):
    settings = load_settings(None, env={"PIPELINE_YOUTUBE_TOKEN_FILE": str(tmp_path / "none.json")})
    with pytest.raises(AuthError) as caught:
        check_credentials(settings)
    assert "pipeline auth youtube --client-secrets" in caught.value.hint


def test_revoked_token_fails_the_check(youtube, youtube_settings):
    youtube.revoke_refresh_token()
    with pytest.raises(AuthError, match="can no longer be refreshed"):
        check_credentials(youtube_settings)
    stored = json.loads(Path(youtube_settings.youtube.token_file).read_text())
    assert stored["refresh_token"] != "revoked"  # nothing overwritten


def test_quota_resets_at_midnight_pacific():
    # 2026-07-01 20:00 UTC is 13:00 PDT; the next Pacific midnight is 07:00 UTC on July 2
    assert quota_reset_time(dt.datetime(2026, 7, 1, 20, tzinfo=dt.UTC)) == dt.datetime(
        2026, 7, 2, 7, tzinfo=dt.UTC
    )
    assert quota_reset_time(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)).hour == 8  # PST


def test_text_rules():
    assert clean_title("a <b> " + "x" * 200).startswith("a ‹b›")
    assert len(clean_title("x" * 200)) == 100
    long = "\n".join(f"line {i} " + "é" * 40 for i in range(200))
    assert len(clean_description(long).encode()) <= 5000
    assert chapter_problems("0:00 A\n0:10 B\n0:20 C") == []
    assert chapter_problems("no chapters here") == []
    assert chapter_problems("0:05 A\n0:20 B\n0:40 C")[0].startswith("the first chapter")
    assert "at least 3" in chapter_problems("0:00 A\n0:20 B")[0]
    assert "10 s" in chapter_problems("0:00 A\n0:05 B\n0:20 C")[0]
    assert "ascend" in chapter_problems("0:00 A\n1:00 B\n0:30 C")[0]
    assert chapter_problems("0:00 A\n1:00:00 B\n1:00:20 C", duration=3605)
