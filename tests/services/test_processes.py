"""Two processes on one PostgreSQL, each with its own live sessions: a player's rest, handled
by one, reaches a session the other holds. The other is told and lets go of it (NOTIFY); and
if the telling is late, its next write of the circle fails instead of writing over the rest
(the campaign's generation), and the session is read again.

Each "process" here is a store and services of its own, as `python -m bot` opens them; the
end-to-end test with real processes is tests/e2e/test_cluster.py."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.content import Content
from bot.core.models import Campaign, Circle, Condition
from bot.services import Bedtime, Safety, SimClock
from bot.services.outbox import Owed
from bot.store import StoreError, trouble
from bot.store.errors import Changed
from bot.store.postgres import PostgresDatabase
from bot.store.shards import Shards
from fakecord.gateway import guild_on_shard
from pgtemp import keys_for
from tests.conftest import NIGHT

Pair = tuple[Bedtime, Bedtime]


@pytest.fixture
async def pair(postgres_url: str, content: Content) -> AsyncIterator[Pair]:
    """Process A and process B, on one database and one clock."""
    url, clock = postgres_url, SimClock(NIGHT)
    stores = [await PostgresDatabase.open(url, keys_for(url), exclusive=False) for _ in "ab"]
    services = [Bedtime(s, content, clock, random.Random(n)) for n, s in enumerate(stores)]
    yield services[0], services[1]
    for store in stores:
        await store.close()


async def _dreaming(service: Bedtime, guild: int, channel: int, users: list[int]) -> Campaign:
    campaign = await service.setup(guild, channel)
    await service.open(campaign)
    for seat, user in enumerate(users):
        archetype = service.content.archetypes[seat].key
        await service.join(campaign, user, archetype=archetype, name=f"P{user}-{channel}")
    await service.start(campaign)
    return campaign


async def _rested_in_a(a: Bedtime, b: Bedtime) -> Campaign:
    """Player 1001 dreams in a campaign process A holds and in one process B holds; A logs
    enough rest to make them Rested everywhere. Returns B's campaign."""
    here = await _dreaming(a, 1, 10, [1001, 1002])
    there = await _dreaming(b, 2, 20, [1001, 2002])
    await a.act(here, 1002, "anchor")
    await b.act(there, 2002, "anchor")  # B holds its session from here on
    assert there.id in b.context.live.held
    clock = a.clock
    assert isinstance(clock, SimClock)
    for _ in range(3):
        clock.advance(hours=21)
        await a.rest(1001)
    return there


def _rested(campaign: Campaign, circle: Circle) -> bool:
    mine = [c for c in circle.characters.values() if c.name in ("Renamed", "P1001-20")]
    return bool(mine) and Condition.RESTED in mine[0].conditions


async def test_a_rest_in_one_process_reaches_a_session_another_holds(pair: Pair) -> None:
    a, b = pair
    await b.context.live.listen()
    there = await _rested_in_a(a, b)
    for _ in range(100):  # the notice arrives once A's transaction commits
        if there.id not in b.context.live.held:
            break
        await asyncio.sleep(0.02)
    assert there.id not in b.context.live.held, "B was never told"
    result = await b.rename(there, 1001, "Renamed")  # B writes the character from its circle
    assert _rested(there, result.circle)
    stored = await b.table(there)
    assert _rested(there, stored.circle)


async def test_forget_me_in_one_process_reaches_a_campaign_and_a_player_another_holds(
    pair: Pair,
) -> None:
    a, b = pair
    await b.context.live.listen()
    here = await _dreaming(a, 1, 10, [1001, 1002])
    there = await _dreaming(b, 2, 20, [1001, 2002])
    for service, campaign in ((a, here), (b, there)):
        await service.end(campaign)  # no session under way: forget-me is allowed
    assert there.id in b.context.live.held
    assert 1001 in b.context.live.players
    assert await Safety(a.context).forget(1001)  # everywhere: the player record goes too
    for _ in range(100):
        if there.id not in b.context.live.held and 1001 not in b.context.live.players:
            break
        await asyncio.sleep(0.02)
    result = await b.open(there)  # on B's circle: it must not know the forgotten character
    assert [c.name for c in result.circle.characters.values()] == ["P2002-20"]
    # B made them a player record of its own again, rather than use the deleted one.
    joined = await b.join(there, 1001, archetype=b.content.archetypes[0].key, name="Back")
    assert "Back" in [c.name for c in joined.circle.characters.values()]


async def test_a_late_notice_fails_the_stale_write_and_the_session_is_read_again(
    pair: Pair,
) -> None:
    a, b = pair  # B does not listen: the notice is as late as can be
    there = await _rested_in_a(a, b)
    assert there.id in b.context.live.held  # stale: it knows nothing of the rest
    with pytest.raises(Changed) as refused:
        await b.rename(there, 1001, "Renamed")
    assert trouble(refused.value) == "busy"  # the player is told to try again
    assert there.id not in b.context.live.held
    result = await b.rename(there, 1001, "Renamed")
    assert _rested(there, result.circle)
    assert _rested(there, (await a.table(there)).circle)


async def test_a_shard_has_one_process_and_every_process_counts_the_shards_alike(
    postgres_url: str,
) -> None:
    url = postgres_url
    first = await PostgresDatabase.open(url, keys_for(url), shards=Shards(4, (0, 1)))
    try:
        with pytest.raises(StoreError, match=r"Shard 1 of 4 is already run by bedtime pid"):
            await PostgresDatabase.open(url, keys_for(url), shards=Shards(4, (1, 2)))
        with pytest.raises(StoreError, match=r"counts 3 shard\(s\).*runs with 4"):
            await PostgresDatabase.open(url, keys_for(url), shards=Shards(3, (2,)))
        second = await PostgresDatabase.open(url, keys_for(url), shards=Shards(4, (2, 3)))
        await second.close()
    finally:
        await first.close()
    # Its locks went with it: another process may take those shards now.
    again = await PostgresDatabase.open(url, keys_for(url), shards=Shards(4, (0, 1)))
    await again.close()


async def test_a_process_claims_only_its_own_guilds_posts_and_gives_back_only_its_own_claims(
    postgres_url: str, content: Content
) -> None:
    url, clock = postgres_url, SimClock(NIGHT)
    guilds = [guild_on_shard(0, 2), guild_on_shard(1, 2)]
    stores = []
    for name, shard in (("A", 0), ("B", 1), ("A again", 0)):
        store = await PostgresDatabase.open(
            url, keys_for(url), exclusive=False, shards=Shards(2, (shard,))
        )
        store.process = name  # one test process plays three
        stores.append(store)
    a, b, a_again = (Bedtime(s, content, clock, random.Random(n)) for n, s in enumerate(stores))
    try:
        owed = {}
        for n, guild in enumerate(guilds):
            campaign = await a.setup(guild, 100 + n)
            async with a.store.work() as unit:
                await unit.outbox.add(campaign.id, guild, None, "[]", clock())
                held = ("i:1", "A", clock() + timedelta(minutes=15))
                await unit.outbox.add(campaign.id, guild, None, "[]", clock(), held)
            owed[guild] = campaign.id

        def guilds_of(claimed: list[Owed]) -> list[int]:
            return [o.result.circle.campaign.guild_id for o in claimed]

        mine = await a.deliveries.claim()
        assert guilds_of(mine) == [guilds[0]]  # not shard 1's, and not the held one
        assert guilds_of(await b.deliveries.claim()) == [guilds[1]]
        assert await a.deliveries.claim() == []  # claimed: not twice
        await b.deliveries.unclaim([mine[0].row_id])  # not B's to give back
        assert await a_again.deliveries.claim() == []
        # A dies holding it. Its claim runs out; shard 0's next owner takes it.
        clock.advance(minutes=3)
        assert [o.row_id for o in await a_again.deliveries.claim()] == [mine[0].row_id]
        # Taking shard 0 over, the new owner frees what the dead one held there, and only there.
        assert await a_again.deliveries.recover() == 2  # the held post, and its own claim
        rows = await a.read.sql.fetch("SELECT guild_id, claimed_by FROM outbox ORDER BY id")
        assert [tuple(row) for row in rows] == [
            (guilds[0], None),
            (guilds[0], None),
            (guilds[1], "B"),
            (guilds[1], "A"),  # shard 1's held post: not shard 0's owner's to free
        ]
    finally:
        for store in stores:
            await store.close()
