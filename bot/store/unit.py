"""A unit of work: the repositories over one transaction's connection (or over the reader, for
reads outside any move), with the few steps every change shares."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.errors import NoSession
from bot.core.models import Campaign, Circle, Player, Session
from bot.store.repositories import (
    CampaignCache,
    Campaigns,
    Characters,
    Chronicle,
    Circles,
    Departures,
    LobbyMessages,
    Moves,
    Outbox,
    Players,
    Prompts,
    Reminders,
    RevealMessages,
    Sessions,
    Written,
)
from bot.store.seal import PLAIN, Sealer
from bot.store.shards import STALE_CHANNEL, stale_notices
from bot.store.sql import Sql


class Unit:
    def __init__(
        self, connection: Sql, cache: CampaignCache | None = None, sealer: Sealer = PLAIN
    ) -> None:
        self.sql = connection  # for what no repository says (checks, tools)
        self.written = Written()  # what it wrote to campaigns, for the cache once committed
        self.campaigns = Campaigns(connection, self.written, cache)
        self.players = Players(connection, sealer)
        self.circles = Circles(connection, self.written)
        self.characters = Characters(connection)
        self.sessions = Sessions(connection, sealer)
        self.chronicle = Chronicle(connection, sealer)
        self.moves = Moves(connection)
        self.outbox = Outbox(connection, sealer)
        self.reminders = Reminders(connection)
        self.prompts = Prompts(connection)
        self.reveals = RevealMessages(connection)
        self.departures = Departures(connection)
        self.lobbies = LobbyMessages(connection)

    async def fresh(self, campaign: Campaign) -> Campaign:
        """The campaign as stored now (it may have been torn down since it was looked up),
        its row locked until the change commits."""
        fresh = await self.campaigns.by_channel(campaign.guild_id, campaign.channel_id, lock=True)
        if fresh is None:
            raise NoSession("This channel no longer has a Bedtime campaign.")
        return fresh

    async def load(self, campaign: Campaign) -> tuple[Circle, Session | None]:
        """The campaign's circle and its current session."""
        circle = await self.circles.load(campaign)
        return circle, await self.sessions.current(campaign.id)

    async def player(
        self, user_id: int, display_name: str, new_id: Callable[[], str], *, lock: bool = False
    ) -> Player:
        """The user's player record, made on their first move; `lock` as in `by_user`."""
        player = await self.players.by_user(user_id, lock=lock)
        if player is None:
            player = Player(id=new_id(), user_id=user_id, display_name=display_name[:64])
            await self.players.add(player)
        return player

    async def announce(self, campaign_ids: set[str], user_ids: set[int]) -> None:
        """A change from outside these campaigns' live sessions: their generation moves on,
        and every process is told (once this commits) to let go of what it holds of them and
        of these users."""
        if not campaign_ids and not user_ids:
            return
        await self.campaigns.touched(campaign_ids)
        for payload in stale_notices(campaign_ids, user_ids):
            await self.sql.notify(STALE_CHANNEL, payload)

    async def record(self, key: str | None, campaign_id: str | None, now: datetime) -> None:
        """Note an interaction's change in its own transaction: a repeat then changes nothing.
        A change not bound to one campaign (or that deletes it) is noted apart from moves."""
        if key is not None:
            await self.moves.record(key, campaign_id, now)
