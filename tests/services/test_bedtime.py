"""The services: one transaction per move, idempotent, concurrent-safe, and never half-written."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.content import Content
from bot.core.errors import BadName, NoSession, RestTooSoon
from bot.core.events import RoundResolved
from bot.core.models import Campaign, Condition
from bot.core.phases import Phase
from bot.services import Bedtime, SimClock
from bot.store import Database, Sessions
from bot.store.postgres import PostgresDatabase

AnyStore = Database | PostgresDatabase


async def count(database: AnyStore, table: str) -> int:
    row = await database.read.sql.first(f"SELECT count(*) FROM {table}")
    assert row is not None
    return int(row[0])


async def begin(service: Bedtime, players: int = 4, channel: int = 10) -> Campaign:
    """A campaign with a session under way: `players` users (1..n) dreaming in round 1."""
    campaign = await service.setup(1, channel)
    await service.open(campaign)
    for user in range(1, players + 1):
        archetype = service.content.archetypes[user % 8].key
        await service.join(
            campaign, user + channel * 100, archetype=archetype, name=f"D{channel}-{user}"
        )
    await service.start(campaign)
    return campaign


async def test_a_whole_session_is_saved_move_by_move(service: Bedtime, clock: SimClock) -> None:
    campaign = await begin(service, 2)
    first, second = 1001, 1002
    for _ in range(20):
        table = await service.table(campaign)
        session = table.session
        if session is None:
            break
        clock.advance(seconds=30)
        if session.phase is Phase.DREAMING:
            await service.act(campaign, first, "anchor")
            await service.act(campaign, second, "anchor")
        elif session.phase is Phase.CONFESSING:
            await service.answer(campaign, first, "the thing I never said", share=True)
            await service.pass_prompt(campaign, second)
        elif session.phase is Phase.RESONANCE:
            await service.ready(campaign, first)
            await service.ready(campaign, second)
    assert (await service.table(campaign)).session is None
    entry = await service.chronicle(campaign)
    assert entry is not None
    assert entry.number == 1
    assert len(entry.outcomes) == 2
    assert entry.glitches


async def test_two_dreamers_acting_at_the_same_instant_both_count_once(service: Bedtime) -> None:
    campaign = await begin(service, 3)
    await asyncio.gather(
        service.act(campaign, 1001, "explore", key="click-a"),
        service.act(campaign, 1002, "anchor", key="click-b"),
    )
    session = (await service.table(campaign)).session
    assert session is not None
    assert len(session.choices) == 2
    assert session.moves == 3 + 1 + 2  # three joins, the start, and both acts


async def test_moves_in_two_sessions_at_once_do_not_interfere(
    database: AnyStore, content: Content, clock: SimClock
) -> None:
    async def run(service: Bedtime, channel: int) -> None:
        campaign = await begin(service, 3, channel)
        for user in (1, 2, 3):
            await service.act(campaign, user + channel * 100, "dive")

    service = Bedtime(database, content, clock, random.Random(1))
    await asyncio.gather(run(service, 10), run(service, 20))
    for channel in (10, 20):
        table = await service.table(await _campaign(service, channel))
        session = table.session
        assert session is not None
        assert session.moves == 3 + 1 + 3  # its own joins, start and acts, and nothing else
        assert len(table.circle.characters) == 3
        assert set(session.dreamers) == set(table.circle.characters)
        assert session.round == 2 or session.phase is Phase.CONFESSING


async def _campaign(service: Bedtime, channel: int) -> Campaign:
    campaign = await service.campaign(1, channel)
    assert campaign is not None
    return campaign


async def test_a_repeated_key_changes_nothing(service: Bedtime, database: AnyStore) -> None:
    campaign = await begin(service, 3)
    first = await service.act(campaign, 1001, "dive", key="interaction-1")
    again = await service.act(campaign, 1001, "dive", key="interaction-1")
    assert not first.replayed
    assert again.replayed
    assert again.events == []
    table = await service.table(campaign)
    assert table.session is not None
    assert len(table.session.choices) == 1
    assert await count(database, "moves") == 1


async def test_a_failed_move_leaves_no_partial_write(service: Bedtime, database: AnyStore) -> None:
    campaign = await service.setup(1, 10)
    await service.open(campaign)
    with pytest.raises(BadName):
        await service.join(campaign, 555, archetype="skeptic", name="   ")
    assert await count(database, "players") == 0  # the player row made for the move rolled back
    assert await count(database, "characters") == 0


async def test_a_crash_while_saving_rolls_the_whole_move_back(
    service: Bedtime, database: AnyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign = await begin(service, 2)
    before = (await service.table(campaign)).circle.model_dump_json()

    async def broken_save(self: object, *_: object) -> None:
        raise OSError("disk went away")

    monkeypatch.setattr("bot.store.repositories.Sessions.save", broken_save)
    with pytest.raises(OSError, match="disk went away"):
        await service.act(campaign, 1001, "anchor")
    monkeypatch.undo()
    assert (await service.table(campaign)).circle.model_dump_json() == before
    # The live session let go of what it had changed: the same press counts once now.
    result = await service.act(campaign, 1001, "anchor")
    assert result.session is not None
    assert len(result.session.choices) == 1


async def test_deadlines_are_saved_with_the_move_and_found_when_due(
    service: Bedtime, database: AnyStore, clock: SimClock
) -> None:
    campaign = await begin(service, 3)
    table = await service.table(campaign)
    assert table.session is not None
    deadline = table.session.deadline
    assert deadline is not None
    sessions = Sessions(database.read.sql)
    assert await sessions.due(clock()) == []
    clock.now = deadline
    assert await sessions.due(clock()) == [(campaign.id, table.session.id)]
    result = await service.expire(campaign)
    assert any(isinstance(e, RoundResolved) for e in result.events)


async def test_expire_before_the_deadline_changes_nothing(service: Bedtime) -> None:
    campaign = await begin(service, 2)
    result = await service.expire(campaign)
    assert result.events == []


async def test_moves_need_a_session(service: Bedtime) -> None:
    campaign = await service.setup(1, 10)
    with pytest.raises(NoSession):
        await service.act(campaign, 1, "anchor")


async def test_shared_confession_text_is_deleted_at_archive_by_default(
    service: Bedtime, database: AnyStore, clock: SimClock
) -> None:
    campaign = await begin(service, 2)
    await service.force_glitch(campaign)
    await service.answer(campaign, 1001, "a secret shared at night", share=True)
    await service.pass_prompt(campaign, 1002)
    assert await count(database, "confessions") == 1
    await service.end(campaign)
    assert await count(database, "confessions") == 0


async def test_rest_has_a_cooldown_and_three_rests_make_a_dreamer_rested(
    service: Bedtime, clock: SimClock
) -> None:
    campaign = await begin(service, 2)
    await service.end(campaign)
    clock.advance(hours=1)
    first = await service.rest(1001)
    assert first.progress[campaign.id].since_last_session == 1
    with pytest.raises(RestTooSoon):
        await service.rest(1001)
    clock.advance(hours=21)
    await service.rest(1001)
    clock.advance(hours=21)
    third = await service.rest(1001)
    assert third.progress[campaign.id].rested
    assert len(third.newly_rested) == 1
    table = await service.table(campaign)
    player = await service.player(1001)
    assert player is not None
    character = table.circle.character_of(player.id)
    assert character is not None
    assert Condition.RESTED in character.conditions


async def test_rename_keeps_names_unique_and_retire_frees_the_name(service: Bedtime) -> None:
    campaign = await begin(service, 2)
    with pytest.raises(BadName):
        await service.rename(campaign, 1001, "d10-2")
    await service.end(campaign)
    await service.rename(campaign, 1001, "Morrow")
    await service.retire(campaign, 1002)
    await service.open(campaign)
    await service.join(campaign, 1003, archetype="artist", name="D10-2")
    table = await service.table(campaign)
    names = sorted(c.name for c in table.circle.active_characters())
    assert names == ["D10-2", "Morrow"]


@pytest.mark.sqlite_only  # it watches the statements SQLite runs
async def test_a_channel_s_campaign_is_looked_up_once_then_kept_as_committed(
    service: Bedtime, database: AnyStore
) -> None:
    campaign = await service.setup(1, 10)
    statements: list[str] = []
    await database.reader.set_trace_callback(statements.append)
    try:
        assert await service.campaign(1, 10) == campaign
        assert not [s for s in statements if "FROM campaigns" in s]  # the setup put it there
        await service.configure(campaign, "rounds", "4")
        changed = await service.campaign(1, 10)
        assert changed is not None
        assert changed.settings.rounds == 4  # the change, as soon as it is committed
        assert not [s for s in statements if "FROM campaigns" in s]
    finally:
        await database.reader.set_trace_callback(None)


async def test_what_a_rolled_back_change_wrote_never_reaches_the_cache(
    service: Bedtime, database: AnyStore
) -> None:
    campaign = await service.setup(1, 10)

    async def fails_after_writing() -> None:
        async with database.work() as unit:
            fresh = await unit.fresh(campaign)
            fresh.baseline = 1
            await unit.campaigns.save(fresh)
            raise RuntimeError("the move failed after it wrote")

    with pytest.raises(RuntimeError):
        await fails_after_writing()
    kept = await service.campaign(1, 10)
    assert kept is not None
    assert kept.baseline == campaign.baseline
    await service.teardown(campaign)
    assert await service.campaign(1, 10) is None
