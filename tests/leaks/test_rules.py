"""The credential detectors on lines as OCR reads them: every planted shape found, OCR noise
tolerated, ordinary code and prose left alone."""

from __future__ import annotations

import pytest

from pipeline.leaks.rules import detect, normalise, similar

AWS_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SLACK = "xoxb-1234567890-9876543210-fakeslacktokenforthedemo"
GITHUB = "ghp_FAKEfakeFAKE0123456789abcdefghijklmn"


def rules(text: str, **kw) -> list[tuple[str, str]]:
    return [(m.rule, m.value) for m in detect(text, **kw)]


@pytest.mark.parametrize(
    ("line", "rule", "value"),
    [
        (f"$ export AWS_ACCESS_KEY_ID={AWS_ID}", "aws-access-key", AWS_ID),
        (f"export AWS_SECRET_ACCESS_KEY={AWS_SECRET}", "aws-secret-key", AWS_SECRET),
        (f"SLACK_BOT_TOKEN={SLACK}", "slack-token", SLACK),
        (f"GITHUB_TOKEN={GITHUB}", "github-token", GITHUB),
        ("token: glpat-FAKEfake0123456789ab", "gitlab-token", "glpat-FAKEfake0123456789ab"),
        ("-----BEGIN RSA PRIVATE KEY-----", "private-key", None),
        ("DB_PASSWORD=hunter2hunter", "secret-assignment", "hunter2hunter"),
        ("url = postgres://app:s3cr3tPa55@db.internal/app", "basic-auth-url", "s3cr3tPa55"),
        ("key=AIzaSyFAKEfake0123456789abcdefghijklmno", "google-api-key", None),
    ],
)
def test_each_credential_shape_is_found(line, rule, value):
    found = detect(line)
    assert [m.rule for m in found] == [rule]
    if value is not None:
        assert found[0].value == value
        assert line[found[0].start : found[0].end] == value


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        # O/0 and I/1/l confusions in the prefix and body, as OCR makes them
        ("export AWS_ACCESS_KEY_ID=AK1AIOSFODNN7EXAMPLE", "aws-access-key"),
        ("export AWS_ACCESS_KEY_ID=AKlAI0SF0DNN7EXAMPLE", "aws-access-key"),
        # one character dropped or doubled
        ("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPL", "aws-access-key"),
        ("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLEE", "aws-access-key"),
        ("GITHUB_T0KEN=ghp_FAKEfakeFAKEO123456789abcdefghijklm", "github-token"),
        ("GITHUB_T0KEN=ghp-FAKEfakeFAKE0123456789abcdefghijklmn", "github-token"),
        ("SLACK_B0T_T0KEN=xoxb-1234567890-9876543210-fakeslaktokenforthedemo", "slack-token"),
        ("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE", "aws-secret-key"),
        ("API_T0KEN=Zx8fK2pQ9mW4rT7v", "secret-assignment"),
    ],
)
def test_a_key_read_with_ocr_errors_is_still_found(line, rule):
    assert [m.rule for m in detect(line)] == [rule]


@pytest.mark.parametrize(
    "line",
    [
        "def fetch_user(session, user_id):",
        '    url = f"{API_BASE}/users/{user_id}"',
        '    token = os.environ["API_TOKEN"]',
        "    headers = {'Authorization': f'Bearer {token}'}",
        "    return session.get(url, headers=headers, timeout=10).json()",
        "Keep credentials out of code: read them from the environment.",
        "password = get_password()",
        "session_token = create_session(user)",
        "DATABASE_URL=postgres://localhost:5432/demo",
        "PASSWORD=changeme",
        "API_KEY=<your key here>",
        "SECRET_KEY=${SECRET_KEY}",
        "2026-11-19 17:02:11 demo-artifacts",
        "The password is purple monkey dishwasher.",
    ],
)
def test_ordinary_code_and_prose_are_not_flagged(line):
    assert detect(line) == []


def test_spoken_passwords_only_when_asked():
    line = "The password is purple monkey dishwasher."
    assert rules(line, spoken=True) == [("spoken-password", "purple monkey dishwasher")]
    assert rules("so the password is", spoken=True) == []


def test_overlapping_rules_keep_the_most_specific():
    found = detect(f"AWS_ACCESS_KEY_ID={AWS_ID} GITHUB_TOKEN={GITHUB}")
    assert [m.rule for m in found] == ["aws-access-key", "github-token"]


def test_two_readings_of_one_key_are_the_same_secret():
    assert similar(normalise("AKIAIOSFODNN7EXAMPLE"), normalise("AK1AI0SFODNN7EXAMPL"))
    assert not similar(normalise("AKIAIOSFODNN7EXAMPLE"), normalise("AKIAZZZZZZZZ7EXAMPLE"))
