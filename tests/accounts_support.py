"""What the account tests share: one password, one clock, and Argon2id at a test-sized cost."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher

PASSWORD = "correct horse battery"
NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id at a test-sized cost (same hash format and checks; the app uses the full cost)."""
    monkeypatch.setattr("atlas.registry.accounts._HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
