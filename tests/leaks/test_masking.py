"""Masking: previews show at most 8 characters; the logging filter masks registered secrets
and well-known token shapes in messages, arguments and tracebacks."""

from __future__ import annotations

import io
import logging

import pytest

from pipeline.leaks.masking import (
    MAX_SHOWN,
    SecretMaskingFilter,
    install_log_masking,
    mask_secret,
    mask_text,
)
from pipeline.leaks.rules import detect


@pytest.mark.parametrize(
    ("value", "preview"),
    [
        ("AKIAIOSFODNN7EXAMPLE", "AKIA************MPLE"),
        ("hunter2hunter", "hu*********er"),
        ("short", "*****"),
        ("abc", "****"),
    ],
)
def test_previews_keep_at_most_eight_characters(value, preview):
    assert mask_secret(value) == preview
    assert sum(c != "*" for c in mask_secret(value)) <= MAX_SHOWN


def _logger() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("test.masking")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    install_log_masking(logger)
    return logger, stream


def test_log_records_never_show_a_detected_secret():
    secret = "Zx8fK2pQ9mW4rT7vAbCd"
    assert detect(f"API_TOKEN={secret}")  # detection registers the value
    logger, stream = _logger()
    logger.info("read %s from the screen", secret)
    logger.warning(f"token {secret} seen")
    try:
        raise ValueError(f"bad value {secret}")
    except ValueError:
        logger.exception("failed")
    text = stream.getvalue()
    assert secret not in text
    assert secret[:9] not in text and secret[-9:] not in text
    assert "Zx8f************AbCd" in text
    assert "ValueError" in text


def test_well_known_token_shapes_are_masked_even_unregistered():
    token = "ghp_" + "Q" * 20 + "0123456789abcdef"
    assert token not in mask_text(f"pushing with {token}")
    logger, stream = _logger()
    logger.error("auth failed for %s", token)
    assert token not in stream.getvalue()


def test_the_filter_is_installed_once():
    logger, _ = _logger()
    install_log_masking(logger)
    filters = logger.handlers[0].filters
    assert sum(isinstance(f, SecretMaskingFilter) for f in filters) == 1
