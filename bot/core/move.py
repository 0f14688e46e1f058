"""What every move is given: the content, the injected randomness, clock and id source."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.content.models import Content

Ids = Callable[[], str]
"""A source of new opaque ids: unguessable in the bot, seeded in tests and terminal play."""


def seeded_ids(rng: random.Random) -> Ids:
    """Ids drawn from a seeded generator, so that a seed reproduces a whole transcript."""
    return lambda: f"{rng.getrandbits(64):016x}"


@dataclass(frozen=True, slots=True)
class Move:
    content: Content
    rng: random.Random
    now: datetime
    ids: Ids | None = None  # without one, ids come from the move's own randomness

    def new_id(self) -> str:
        return self.ids() if self.ids is not None else f"{self.rng.getrandbits(64):016x}"


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
