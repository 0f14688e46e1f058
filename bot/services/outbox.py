"""What moves owe the circles: posts written in the move's own transaction, then told by the
interaction that made the move, or else by the scheduler. A crash between the two loses
nothing: at start-up, posts held by a process that died are the scheduler's to send.

With several processes, each sends the posts of the guilds it owns, claimed for a lease."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import timedelta
from typing import NamedTuple

from bot.core.events import Audience, Event, confide, dump, load
from bot.core.models import Circle, Session
from bot.services.results import MoveResult
from bot.services.work import Context
from bot.store import Unit

# A post held by an interaction is held no longer than the interaction's token lives.
HELD_FOR = timedelta(minutes=15)
# A claimed post is the claimer's this long: long enough to post a channel's batch under its
# rate limit; after that, another tick (of this process, or the next owner) may take it.
CLAIMED_FOR = timedelta(minutes=2)


class Owed(NamedTuple):
    """One post owed to a circle, with the state to render it against."""

    row_id: int
    result: MoveResult


class Deliveries:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.held: set[str] = set()  # keys of moves whose posts an interaction is sending

    async def owe(
        self,
        unit: Unit,
        circle: Circle,
        session: Session | None,
        events: list[Event],
        held_by: str | None = None,
    ) -> None:
        """Write what the move owes the circle in the move's own unit of work: for the
        scheduler to post, or, `held_by` the move's key, while its interaction tells the circle
        itself, so that a crash before it does cannot lose it."""
        shown = [e for e in events if e.audience is not Audience.DREAMER]
        if not shown or (held_by is not None and not any(e.told for e in shown)):
            return
        session_id = session.id if session else None
        now = self.context.clock()
        process = self.context.store.process
        held = (held_by, process, now + HELD_FOR) if held_by is not None else None
        campaign = circle.campaign
        await unit.outbox.add(
            campaign.id,
            campaign.guild_id,
            session_id,
            dump(shown),
            now,
            held,
            secret=confide(shown),
        )
        if held_by is not None:
            self.held.add(held_by)  # if the transaction rolls back, the key finds no row

    async def claim(self) -> list[Owed]:
        """Posts owed to circles in the guilds this process owns, oldest first, claimed for
        a while: post each, then say it was `posted`, or `unclaim` it."""
        store = self.context.store
        now = self.context.clock()
        if not await store.read.outbox.claimable(now, store.shards):
            return []  # the usual tick: no write transaction
        async with store.work() as unit:
            claimed = await unit.outbox.claim(store.process, now, now + CLAIMED_FOR, store.shards)
        read = store.read
        owed = []
        for row_id, campaign_id, session_id, events in claimed:
            campaign = await read.campaigns.by_id(campaign_id)
            if campaign is None:
                continue
            circle = await read.circles.load(campaign)
            session = await read.sessions.by_id(session_id) if session_id else None
            owed.append(Owed(row_id, MoveResult(load(events), circle, session)))
        return owed

    async def posted(self, row_id: int) -> None:
        async with self.context.store.work() as unit:
            await unit.outbox.done(row_id, self.context.store.process)

    async def unclaim(self, row_ids: Iterable[int]) -> None:
        """Posts this process could not send now: the next tick tries them again."""
        async with self.context.store.work() as unit:
            await unit.outbox.unclaim(row_ids, self.context.store.process)

    async def settle(self, key: str, *, told: bool) -> None:
        """The interaction that made a move is done: if it told the circle what the move owed,
        nothing is owed any more; if it failed partway, the scheduler posts it."""
        if key not in self.held:
            return
        self.held.discard(key)
        store = self.context.store
        unit = store.recording()  # written with the moves beside it: no transaction of its own
        await (unit.outbox.answered(key) if told else unit.outbox.release(key))
        await asyncio.shield(store.submit(unit, lambda: None))

    async def recover(self) -> int:
        """At start-up, once this process owns its shards: posts of its guilds that a process
        which died held or claimed are the scheduler's to send now. Returns how many."""
        async with self.context.store.work() as unit:
            return await unit.outbox.recover(self.context.store.shards)
