"""The ledger's two homes: every test that takes `ledger_at` runs against a SQLite file and
against a real PostgreSQL server (tests/servers.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_at(request, tmp_path) -> str:
    """Where a fresh, empty ledger lives: a SQLite file path or a postgresql:// URL."""
    if request.param == "sqlite":
        return str(tmp_path / "state.db")
    return request.getfixturevalue("postgres_url")
