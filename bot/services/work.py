"""What every service stands on: the store, behind a small protocol, and the context of one bot
(its content, clock and id source).

A move is applied to a live session held in memory (live.py): its writes are recorded on
`store.recording()` and committed with the moves beside it by `store.submit`. Any other change
is a unit of work: `async with store.work() as unit:` loads what it needs through the unit's
repositories, applies the pure core, saves, and commits on leaving the block (or rolls back if
anything raises). Nothing above this knows which store is underneath.
"""

from __future__ import annotations

import asyncio
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
from bot.services.live import Held, Live, live_of
from bot.store import Unit
from bot.store.shards import Shards, Stale

Clock = Callable[[], datetime]


class Store(Protocol):
    @property
    def read(self) -> Unit:
        """Repositories for reads outside any change."""

    def work(self) -> AbstractAsyncContextManager[Unit]:
        """One unit of work: all of it is committed, or none of it."""

    def recording(self) -> Unit:
        """Repositories that record one move's writes, reading nothing, for `submit`."""

    def submit(self, unit: Unit, failed: Callable[[], None]) -> asyncio.Future[None]:
        """Commit what `unit` recorded with the moves ready beside it. The future resolves
        once committed; `failed` runs at once if this move (or one before it) fails."""

    async def flush(self) -> None:
        """Wait until every move submitted so far is committed (or has failed)."""

    @property
    def backlog(self) -> float:
        """Seconds a unit of work asked for now would wait for those queued before it."""

    async def scrub(self) -> bool:
        """Make deletions real in the store's files. True when nothing is left to scrub."""

    async def scrub_pending(self) -> bool:
        """Try again to scrub, if a scrub is still owed."""

    async def watch(self) -> bool:
        """False once the store has vanished under the bot."""

    # Beyond one process: which guilds this process owns, a name for its claims, and what
    # other processes change under it.
    shards: Shards
    process: str

    async def on_stale(self, told: Callable[[Stale], None]) -> None:
        """Call `told` with each change another process makes to campaigns or players."""


@dataclass(slots=True)
class Context:
    """One bot's store, content, clock, randomness and id source, shared by its services."""

    store: Store
    content: Content
    clock: Clock
    rng: random.Random
    ids: Ids

    @property
    def live(self) -> Live:
        """The store's live sessions: every change to a campaign's state goes by them."""
        return live_of(self.store)

    def move(self, rng: random.Random | None = None) -> Move:
        return Move(self.content, rng or self.rng, self.clock(), self.ids)


async def save(
    unit: Unit,
    circle: Circle,
    session: Session | None,
    events: list[Event],
    key: str | None,
    now: datetime,
    held: Held | None = None,
) -> None:
    """Write what a move changed, its chronicle entry if it reached dawn, and its key. For a
    `held` session, only what differs from what it last wrote (and it is told what that is)."""
    before = held.rows if held else None
    rows = await unit.circles.save(circle, before)
    if held is not None and before is not None and rows != before:
        # Written from memory: only if no other process changed the circle since it was read.
        await unit.campaigns.unchanged_since(circle.campaign.id, held.generation)
    text = session.model_dump_json() if session else None
    stored = (
        await unit.sessions.save(session, held.stored if held else None, text) if session else set()
    )
    if held is not None:
        held.wrote(rows, session, text, stored)
    entry = chronicle_of(events)
    if entry is not None:
        await unit.chronicle.add(circle.campaign.id, entry)
        if held is not None:
            held.last = entry
    await unit.record(key, circle.campaign.id, now)
