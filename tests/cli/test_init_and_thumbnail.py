"""`pipeline init` writes a commented config that then drives `pipeline thumbnail`."""

from __future__ import annotations

import json
import re
import tomllib

from pipeline.settings import load_settings


def test_init_writes_a_commented_default_config(cli, tmp_path):
    result = cli("init", cwd=tmp_path)
    assert result.code == 0, result.stderr
    text = (tmp_path / "pipeline.toml").read_text()
    for key in (
        "title_template",
        "description_template",
        "slack_link",
        "min_seconds",
        "draw_title",
    ):
        assert f"# {key} = " in text
    assert "PIPELINE_DESCRIBE_SLACK_LINK" in text
    # uncommenting every default gives a valid file equal to the defaults
    active = "\n".join(
        line[2:].split("    # env")[0] if re.match(r"^# \w+ = ", line) else line
        for line in text.splitlines()
    )
    (tmp_path / "all.toml").write_text(active)
    assert tomllib.loads(active)["describe"]["title_template"].startswith("Meltano Office Hours")
    assert load_settings(tmp_path / "all.toml", env={}) == load_settings(None, env={})
    again = cli("init", cwd=tmp_path)
    assert again.code == 2 and "already exists" in again.stderr
    assert cli("init", "--force", cwd=tmp_path).code == 0


def test_thumbnail_command_uses_the_config_file(cli, tmp_path, talk_mp4):
    (tmp_path / "pipeline.toml").write_text(
        '[describe]\ntitle_template = "Community Call {date:%d.%m.%Y}"\n'
        "[thumbnail]\ndraw_title = true\n"
    )
    result = cli("thumbnail", str(talk_mp4), "--out", "out", "--json", cwd=tmp_path)
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert [s["name"] for s in summary["stages"]] == ["probe", "slides", "chapters", "thumbnail"]
    meta = json.loads((tmp_path / "out" / "talk" / "thumbnail.json").read_text())
    assert meta["title"] == "Community Call 19.11.2026" and meta["slide"] == 0
    # the env var beats the config file
    result = cli(
        "thumbnail", str(talk_mp4), "--out", "out", "--quiet", "--date", "2027-01-02",
        cwd=tmp_path, env={"PIPELINE_DESCRIBE_TITLE_TEMPLATE": "Call {date:%Y}"},
    )  # fmt: skip
    assert result.code == 0, result.stderr
    meta = json.loads((tmp_path / "out" / "talk" / "thumbnail.json").read_text())
    assert meta["title"] == "Call 2027"
