import pytest

from pipeline.errors import ConfigError
from pipeline.settings import load_settings


def test_precedence_cli_over_env_over_file_over_default(tmp_path):
    config = tmp_path / "pipeline.toml"
    config.write_text(
        '[transcribe]\nmodel = "base.en"\nbeam_size = 3\n[general]\nout = "from-file"\n'
    )
    s = load_settings(config, env={})
    assert (s.transcribe.model, s.transcribe.beam_size, s.general.out) == (
        "base.en",
        3,
        "from-file",
    )
    assert s.transcribe.device == "auto" and s.sources["transcribe.device"] == "default"

    s = load_settings(
        config,
        env={"PIPELINE_TRANSCRIBE_MODEL": "small.en", "PIPELINE_TRANSCRIBE_VAD_FILTER": "no"},
    )
    assert s.transcribe.model == "small.en" and s.transcribe.vad_filter is False
    assert s.sources["transcribe.model"] == "env"

    s = load_settings(
        config, env={"PIPELINE_TRANSCRIBE_MODEL": "small.en"}, cli={"transcribe.model": "/models/x"}
    )
    assert s.transcribe.model == "/models/x" and s.sources["transcribe.model"] == "cli"


def test_config_found_in_working_folder(tmp_path, monkeypatch):
    (tmp_path / "pipeline.toml").write_text('[transcribe]\nlanguage = "de"\n')
    monkeypatch.chdir(tmp_path)
    assert load_settings(env={}).transcribe.language == "de"


@pytest.mark.parametrize(
    "text, words",
    [
        ("[transcribe]\nmodle = 'x'\n", "unknown key"),
        ("[nosuch]\na = 1\n", "unknown section"),
        ("[transcribe]\nbeam_size = 'many'\n", "not a valid int"),
        ("[transcribe\n", "not valid TOML"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path, text, words):
    config = tmp_path / "pipeline.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=words):
        load_settings(config, env={})


def test_missing_explicit_config(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", env={})
