"""Live sessions owned in memory, written by group commit: what a press costs, what a failed
commit leaves, and every change outside a move reaching a session that is held."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.core.errors import NoSession
from bot.core.models import Condition
from bot.core.phases import Phase
from bot.services import Bedtime, Safety, SimClock
from bot.services.live import live_of
from bot.store.batch import Statement
from bot.store.sql import PostgresSql, SqliteSql
from tests.services.test_bedtime import AnyStore, begin, count


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every query either engine runs through the repositories, as it runs."""
    seen: list[str] = []
    for engine in (SqliteSql, PostgresSql):
        for name in ("fetch", "first"):
            real = getattr(engine, name)

            def counted(self: Any, sql: str, *rest: Any, _real: Any = real) -> Any:
                seen.append(sql)
                return _real(self, sql, *rest)

            monkeypatch.setattr(engine, name, counted)
    return seen


async def test_a_press_that_does_not_resolve_the_round_reads_nothing_and_writes_two_rows(
    service: Bedtime, database: AnyStore, reads: list[str]
) -> None:
    campaign = await begin(service, 3)
    await service.act(campaign, 1001, "anchor", key="warm-up")  # the session is held now
    group = database.group
    statements, moves = group.statements, group.moves
    reads.clear()
    result = await service.act(campaign, 1002, "anchor", key="press")
    assert result.session is not None
    assert result.session.round == 1
    assert reads == []
    assert group.moves - moves == 1
    assert group.statements - statements == 2  # the session's row and the move's key
    assert await count(database, "moves") >= 2


async def test_moves_ready_together_are_committed_together_and_only_then_answered(
    service: Bedtime, database: AnyStore
) -> None:
    campaigns = [await begin(service, 4, channel=10 + n) for n in range(5)]
    for campaign in campaigns:  # hold every session
        await service.act(campaign, campaign.channel_id * 100 + 1, "anchor")
    batches = database.group.batches

    async def press(campaign_index: int, user: int) -> int:
        campaign = campaigns[campaign_index]
        key = f"k{campaign_index}-{user}"
        await service.act(campaign, campaign.channel_id * 100 + user, "anchor", key=key)
        # Answered only once on disk: a fresh read finds the move's key.
        row = await database.read.sql.first("SELECT count(*) FROM moves WHERE key = ?", (key,))
        assert row is not None
        return int(row[0])

    found = await asyncio.gather(*(press(c, u) for c in range(5) for u in (2, 3)))
    assert found == [1] * 10
    assert database.group.batches - batches < 10  # ten moves, fewer commits


async def test_a_failed_commit_fails_its_moves_and_the_held_state_is_read_again(
    service: Bedtime, database: AnyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign = await begin(service, 3)
    await service.act(campaign, 1001, "anchor")
    real = database.group.write

    async def failing(statements: list[Statement]) -> None:
        raise OSError("the disk said no")

    monkeypatch.setattr(database.group, "write", failing)
    outcomes = await asyncio.gather(
        service.act(campaign, 1002, "anchor", key="a"),
        service.act(campaign, 1003, "anchor", key="b"),
        return_exceptions=True,
    )
    assert all(isinstance(o, OSError) for o in outcomes)
    monkeypatch.setattr(database.group, "write", real)
    # Held again exactly as acknowledged: one choice, and the same presses count once now.
    table = await service.table(campaign)
    assert table.session is not None
    assert len(table.session.choices) == 1
    result = await service.act(campaign, 1002, "anchor", key="a")
    assert not result.replayed
    assert result.session is not None
    assert len(result.session.choices) == 2


async def test_a_repeat_waits_for_the_original_and_changes_nothing(service: Bedtime) -> None:
    campaign = await begin(service, 3)
    first, again = await asyncio.gather(
        service.act(campaign, 1001, "anchor", key="same"),
        service.act(campaign, 1001, "anchor", key="same"),
    )
    assert not first.replayed
    assert again.replayed
    table = await service.table(campaign)
    assert table.session is not None
    assert len(table.session.choices) == 1


async def test_a_held_campaign_knows_its_recent_keys_after_a_restart(
    service: Bedtime, database: AnyStore, content: Any, clock: SimClock
) -> None:
    campaign = await begin(service, 3)
    await service.act(campaign, 1001, "anchor", key="before-restart")
    live_of(database).evict(campaign.id)  # as a new process: nothing held
    result = await service.act(campaign, 1001, "anchor", key="before-restart")
    assert result.replayed


async def test_answers_are_drawn_from_copies_that_later_moves_do_not_change(
    service: Bedtime,
) -> None:
    campaign = await begin(service, 2)
    first = await service.act(campaign, 1001, "anchor")
    await service.act(campaign, 1002, "anchor")  # resolves the round
    assert first.session is not None
    assert first.session.round == 1
    assert len(first.session.choices) == 1


async def test_rest_reaches_a_held_session_in_another_campaign(
    service: Bedtime, database: AnyStore, clock: SimClock
) -> None:
    """A player dreams in two campaigns; both are held. Rest (Rested in both) must not be
    written over by the held state of either."""
    here = await begin(service, 2, channel=10)
    there = await service.setup(1, 20)
    await service.open(there)
    await service.join(there, 1001, archetype=service.content.archetypes[1].key, name="Elsewhere")
    await service.join(there, 2001, archetype=service.content.archetypes[2].key, name="Other")
    await service.start(there)
    await service.act(here, 1002, "anchor")  # both sessions are held from here on
    await service.act(there, 2001, "anchor")
    for _ in range(3):
        clock.advance(hours=21)
        await service.rest(1001)
    for campaign in (here, there):
        # A rename writes the character from the held circle, and answers from it.
        result = await service.rename(campaign, 1001, f"Renamed {campaign.channel_id}")
        table = await service.table(campaign)
        for circle in (result.circle, table.circle):
            mine = [c for c in circle.characters.values() if c.name.startswith("Renamed")]
            assert mine, campaign.channel_id
            assert Condition.RESTED in mine[0].conditions, campaign.channel_id


async def test_forget_me_in_a_server_reaches_a_held_campaign(
    service: Bedtime, database: AnyStore
) -> None:
    campaign = await begin(service, 2)
    await service.end(campaign)  # no session under way: forget-me is allowed
    safety = Safety(service.context)
    assert await safety.forget(1001, guild_id=campaign.guild_id)
    result = await service.open(campaign)  # on the held circle, if it were stale
    assert [c.name for c in result.circle.characters.values()] == ["D10-2"]
    assert await count(database, "characters") == 1


async def test_teardown_and_the_purge_reach_a_held_campaign(
    service: Bedtime, database: AnyStore, clock: SimClock
) -> None:
    torn = await begin(service, 2, channel=10)
    await service.act(torn, 1001, "anchor")
    await service.teardown(torn)
    with pytest.raises(NoSession):
        await service.act(torn, 1002, "anchor")

    purged = await begin(service, 2, channel=30)
    await service.act(purged, 3001, "anchor")
    safety = Safety(service.context)
    await safety.left_guild(purged.guild_id)
    clock.advance(days=service.content.rules.privacy.grace_days + 1)
    assert await safety.purge_departed() == [purged.guild_id]
    with pytest.raises(NoSession):
        await service.act(purged, 3002, "anchor")
    assert await count(database, "campaigns") == 0


async def test_a_house_rule_changed_beside_a_held_session_is_kept(
    service: Bedtime, database: AnyStore
) -> None:
    campaign = await begin(service, 2)
    await service.end(campaign)
    await service.configure(campaign, "rounds", "4")
    opened = await service.open(campaign)  # writes the campaign back (its session count)
    assert opened.session is not None
    assert opened.session.phase is Phase.LOBBY
    stored = await service.campaign_by_id(campaign.id)
    assert stored is not None
    assert stored.settings.changed().get("rounds") == 4


async def test_two_services_on_one_store_share_its_live_sessions(
    service: Bedtime, database: AnyStore, content: Any, clock: SimClock
) -> None:
    other = Bedtime(database, content, clock)
    assert other.context.live is service.context.live
