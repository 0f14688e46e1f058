"""An unexpected failure's apology says whether what the player did was saved before it failed."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from bot.discord import failures


def interaction_whose_save(check: Any) -> Any:
    """An interaction of a bot whose service answers `saved(key)` with `check(key)`."""
    return SimpleNamespace(id=7, client=SimpleNamespace(service=SimpleNamespace(saved=check)))


async def test_a_saved_move_is_said_to_count() -> None:
    asked: list[str] = []

    async def saved(key: str) -> bool:
        asked.append(key)
        return True

    assert await failures._apology(interaction_whose_save(saved)) == failures.SAVED
    assert asked == ["i:7"]


async def test_a_move_not_saved_is_said_to_have_changed_nothing() -> None:
    async def saved(key: str) -> bool:
        return False

    assert await failures._apology(interaction_whose_save(saved)) == failures.APOLOGY


@pytest.mark.parametrize("trouble", ["raises", "hangs"])
async def test_a_check_that_fails_or_hangs_claims_neither(
    trouble: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(failures, "SAVED_CHECK", 0.05)

    async def saved(key: str) -> bool:
        if trouble == "raises":
            raise OSError("disk I/O error")
        await asyncio.sleep(10)
        return True

    assert await failures._apology(interaction_whose_save(saved)) == failures.UNSURE
