"""What every move is given: the content, the injected randomness and the injected clock."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from bot.content.models import Content


@dataclass(frozen=True, slots=True)
class Move:
    content: Content
    rng: random.Random
    now: datetime

    def new_id(self) -> str:
        return f"{self.rng.getrandbits(64):016x}"


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
