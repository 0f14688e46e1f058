"""What every service stands on: the store, behind a small protocol, and the context of one bot
(its content, clock and id source).

A change is a unit of work: `async with store.work() as unit:` loads what it needs through the
unit's repositories, applies the pure core, saves, and commits on leaving the block (or rolls
back if anything raises). Nothing above this knows which store is underneath.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.content.models import Content
from bot.core.dawn import chronicle_of
from bot.core.events import Event
from bot.core.models import Circle, Session
from bot.core.move import Ids, Move
from bot.store import Unit

Clock = Callable[[], datetime]


class Store(Protocol):
    @property
    def read(self) -> Unit:
        """Repositories for reads outside any change."""

    def work(self) -> AbstractAsyncContextManager[Unit]:
        """One unit of work: all of it is committed, or none of it."""

    @property
    def backlog(self) -> float:
        """Seconds a unit of work asked for now would wait for those queued before it."""

    async def scrub(self) -> bool:
        """Make deletions real in the store's files. True when nothing is left to scrub."""

    async def scrub_pending(self) -> bool:
        """Try again to scrub, if a scrub is still owed."""

    async def watch(self) -> bool:
        """False once the store has vanished under the bot."""


@dataclass(slots=True)
class Context:
    """One bot's store, content, clock, randomness and id source, shared by its services."""

    store: Store
    content: Content
    clock: Clock
    rng: random.Random
    ids: Ids

    def move(self, rng: random.Random | None = None) -> Move:
        return Move(self.content, rng or self.rng, self.clock(), self.ids)


async def save(
    unit: Unit,
    circle: Circle,
    session: Session | None,
    events: list[Event],
    key: str | None,
    now: datetime,
) -> None:
    """Write what a move changed, its chronicle entry if it reached dawn, and its key."""
    await unit.circles.save(circle)
    if session is not None:
        await unit.sessions.save(session)
    entry = chronicle_of(events)
    if entry is not None:
        await unit.chronicle.add(circle.campaign.id, entry)
    await unit.record(key, circle.campaign.id, now)
