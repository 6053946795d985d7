from tests.emulators.youtube_fixtures import workdir, youtube, youtube_env, youtube_settings  # noqa: F401
