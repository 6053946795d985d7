"""The publishing commands as a user runs them: real subprocesses against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import requests

from tests.conftest import run_pipeline
from tests.emulators.youtube_fixtures import CHUNK, finding, make_workdir


def test_killed_upload_resumes_in_a_new_process(youtube, youtube_env, workdir, talk_mp4, tmp_path):
    youtube.hold_chunk(2)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "publish", str(workdir), "--quiet"],
        cwd=tmp_path,
        env={**os.environ, **youtube_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert youtube.held.wait(120), "the upload never reached chunk 2"
        proc.kill()  # SIGKILL while chunk 2 is in flight
        proc.wait(30)
    finally:
        youtube.released.set()
    record = json.loads((workdir / "youtube.json").read_text())
    assert record["upload_session"]["uri"].startswith(youtube.root)
    assert "video_id" not in record and not youtube.videos

    result = run_pipeline("publish", str(workdir), cwd=tmp_path, env=youtube_env)
    assert result.code == 0, result.stderr
    (video_id,) = youtube.videos
    assert f"https://www.youtube.com/watch?v={video_id}" in result.stdout
    assert youtube.video_bytes[video_id] == talk_mp4.read_bytes()
    assert youtube.videos[video_id]["status"]["privacyStatus"] == "private"  # by default
    (session,) = youtube.sessions.values()  # the same upload, not a second one
    size = talk_mp4.stat().st_size
    # every byte arrived exactly once: chunk 1 before the kill, the rest after the resume point
    assert session.ranges == [(0, CHUNK - 1), (CHUNK, 2 * CHUNK - 1), (2 * CHUNK, size - 1)]
    status_queries = [r for r in youtube.received if (r.body or {}).get("status_query")]
    assert len(status_queries) == 1
    assert json.loads((workdir / "youtube.json").read_text())["video_id"] == video_id


def test_quota_error_exit_code_and_message(youtube, youtube_env, workdir, tmp_path):
    youtube.exhaust_quota()
    result = run_pipeline("publish", str(workdir), cwd=tmp_path, env=youtube_env)
    assert result.code == 9
    assert "resets at" in result.stderr and "midnight Pacific" in result.stderr
    assert "Traceback" not in result.stderr


def test_refusal_exit_code(youtube, youtube_env, tmp_path, talk_mp4):
    workdir = make_workdir(tmp_path / "out", talk_mp4, findings=[finding()])
    result = run_pipeline(
        "publish", str(workdir), "--privacy", "public", cwd=tmp_path, env=youtube_env
    )
    assert result.code == 10
    assert "unresolved" in result.stderr and youtube.received == []


def test_dry_run_prints_the_requests(youtube, youtube_env, workdir, tmp_path, talk_mp4):
    # named by its recording: the work folder is found under --out
    result = run_pipeline(
        "publish",
        str(talk_mp4),
        "--out",
        str(workdir.parent),
        "--dry-run",
        cwd=tmp_path,
        env=youtube_env,
    )
    assert result.code == 0, result.stderr
    assert f"POST {youtube.root}upload/youtube/v3/videos?" in result.stdout
    assert "none was sent" in result.stdout
    assert youtube.received == []


def test_auth_check_and_run_publish_fail_fast(youtube, youtube_env, tmp_path, talk_copy):
    ok = run_pipeline("auth", "check", cwd=tmp_path, env=youtube_env)
    assert ok.code == 0 and "credentials ok" in ok.stdout
    youtube.revoke_refresh_token()
    bad = run_pipeline("auth", "check", cwd=tmp_path, env=youtube_env)
    assert bad.code == 8 and "pipeline auth youtube --client-secrets" in bad.stderr
    # `run --publish` checks credentials before any stage runs
    out = tmp_path / "out"
    run = run_pipeline(
        "run", str(talk_copy), "--out", str(out), "--publish", cwd=tmp_path, env=youtube_env
    )
    assert run.code == 8 and not out.exists()


def test_run_publish_uploads_private_by_default(youtube, youtube_env, tmp_path, media_variants):
    out = tmp_path / "out"
    result = run_pipeline(
        "run", str(media_variants["short"]), "--out", str(out), "--publish", "-q",
        cwd=tmp_path, env=youtube_env,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    ((video_id, video),) = youtube.videos.items()
    assert video["status"]["privacyStatus"] == "private"
    assert youtube.video_bytes[video_id] == media_variants["short"].read_bytes()


# YouTube video IDs are 11 base64url characters and may start with a dash (one in 32)
VIDEO_IDS = [None, "-cQ3rXy9AbC", "--pZ8kLmN2q"]


@pytest.mark.parametrize("given_id", VIDEO_IDS, ids=["random", "dash", "two-dashes"])
def test_restore_without_a_recorded_lockdown_refuses(youtube, youtube_env, tmp_path, given_id):
    video_id = youtube.add_video("Office hours", privacy="private", video_id=given_id)
    refused = run_pipeline("republish", video_id, "--restore", cwd=tmp_path, env=youtube_env)
    assert refused.code == 2 and "no lockdown" in refused.stderr
    assert f"pipeline republish {video_id} --restore --privacy public" in refused.stderr
    assert youtube.received == []
    told = run_pipeline(
        "republish", video_id, "--restore", "--privacy", "public", cwd=tmp_path, env=youtube_env
    )
    assert told.code == 0 and "private -> public" in told.stdout


@pytest.mark.parametrize("given_id", VIDEO_IDS, ids=["random", "dash", "two-dashes"])
def test_lockdown_and_restore_commands(youtube, youtube_env, tmp_path, given_id):
    video_id = youtube.add_video("Office hours", privacy="public", video_id=given_id)
    locked = run_pipeline("lockdown", video_id, cwd=tmp_path, env=youtube_env)
    assert locked.code == 0 and "public -> private" in locked.stdout
    assert youtube.videos[video_id]["status"]["privacyStatus"] == "private"
    restored = run_pipeline("republish", video_id, "--restore", cwd=tmp_path, env=youtube_env)
    assert restored.code == 0 and "private -> public" in restored.stdout
    assert youtube.videos[video_id]["status"]["privacyStatus"] == "public"


def test_auth_youtube_installed_app_flow(youtube, tmp_path):
    secrets_file = tmp_path / "client_secret.json"
    secrets_file.write_text(
        json.dumps(
            {
                "installed": {
                    "client_id": youtube.client_id,
                    "client_secret": youtube.client_secret,
                    "auth_uri": youtube.root + "o/oauth2/auth",
                    "token_uri": youtube.token_uri,
                    "redirect_uris": ["http://localhost"],
                }
            }
        )
    )
    token_file = tmp_path / "cfg" / "token.json"
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "OAUTHLIB_INSECURE_TRANSPORT": "1",  # the emulator speaks plain http
        "PIPELINE_YOUTUBE_TOKEN_FILE": str(token_file),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "auth",
            "youtube",
            "--no-browser",
            "--client-secrets",
            str(secrets_file),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = None
        for line in proc.stdout:
            if youtube.root in line:
                url = line[line.index("http") :].strip()
                break
        assert url, "no consent URL printed"
        # the user agrees: the consent page redirects to the command's local server
        assert requests.get(url, timeout=30).status_code == 200
        assert proc.wait(30) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert token_file.stat().st_mode & 0o777 == 0o600
    stored = json.loads(token_file.read_text())
    assert stored["refresh_token"] == youtube.refresh_token
    assert stored["client_id"] == youtube.client_id and stored["token"] in youtube.tokens
