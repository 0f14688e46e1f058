"""Timers with a controllable clock: every due timer fires exactly once, restarts included."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from bot.content import Content
from bot.core.events import (
    Event,
    LobbyOpened,
    Postponed,
    Reminder,
    Revealed,
    RoundResolved,
    ScheduleSet,
    SessionStarted,
    Skipped,
)
from bot.core.phases import Phase
from bot.services import Bedtime, SimClock
from bot.store import Database

FRIDAY = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)  # the day before the first Saturday of March


async def restart(service: Bedtime) -> Bedtime:
    """A new process on the same database: same store, a fresh service with nothing in memory."""
    return Bedtime(service.store, service.content, service.clock, random.Random(99))


async def scheduled(service: Bedtime, clock: SimClock) -> tuple[Bedtime, object]:
    clock.now = FRIDAY
    campaign = await service.setup(1, 10)
    result = await service.calendar.schedule(
        campaign, "first", "saturday", "21:00", "Europe/Berlin"
    )
    return service, result


async def tick_all(service: Bedtime) -> int:
    return sum([await service.calendar.tick(c) for c in await service.calendar.due()])


async def owed(service: Bedtime) -> list[type[Event]]:
    claimed = await service.deliveries.claim()
    for row_id, _ in claimed:
        await service.deliveries.posted(row_id)
    return [type(e) for _, result in claimed for e in result.events]


async def test_setting_the_schedule_finds_the_next_session(
    service: Bedtime, clock: SimClock
) -> None:
    _, result = await scheduled(service, clock)
    campaign = await service.campaign(1, 10)
    assert campaign is not None
    assert campaign.next_at == datetime(2026, 3, 7, 20, 0, tzinfo=UTC)  # 21:00 in Berlin
    assert campaign.settings.timezone == "Europe/Berlin"
    assert isinstance(result.events[0], ScheduleSet)


async def test_a_schedule_without_a_zone_takes_the_campaign_s_as_stored_now(
    service: Bedtime, clock: SimClock
) -> None:
    """The zone set after the campaign was looked up counts: the calendar reads it fresh."""
    clock.now = FRIDAY
    campaign = await service.setup(1, 10)
    await service.configure(campaign, "timezone", "Europe/Berlin")
    result = await service.calendar.schedule(campaign, "first", "saturday", "21:00")
    assert isinstance(result.events[0], ScheduleSet)
    assert result.events[0].timezone == "Europe/Berlin"
    assert result.circle.campaign.next_at == datetime(2026, 3, 7, 20, 0, tzinfo=UTC)


async def test_skip_names_the_skipped_date_and_the_next(service: Bedtime, clock: SimClock) -> None:
    await scheduled(service, clock)
    campaign = await service.campaign(1, 10)
    assert campaign is not None
    result = await service.calendar.skip(campaign)
    skipped = result.events[0]
    assert isinstance(skipped, Skipped)
    assert skipped.skipped.startswith("2026-03-07")
    assert skipped.next_at.startswith("2026-04-04")


async def test_reminders_fire_once_each_even_across_restarts(
    service: Bedtime, clock: SimClock
) -> None:
    await scheduled(service, clock)
    clock.now = datetime(2026, 3, 6, 20, 30, tzinfo=UTC)  # 23.5 hours before
    assert await tick_all(service) == 1
    assert await tick_all(service) == 0
    service = await restart(service)
    assert await tick_all(service) == 0
    clock.now = datetime(2026, 3, 7, 19, 30, tzinfo=UTC)  # half an hour before
    assert await tick_all(service) == 1
    assert await tick_all(await restart(service)) == 0
    assert await owed(service) == [Reminder, Reminder]


async def test_a_late_start_sends_no_stale_reminders(service: Bedtime, clock: SimClock) -> None:
    await scheduled(service, clock)
    clock.now = datetime(2026, 3, 7, 20, 5, tzinfo=UTC)  # the bot was down until after 21:00
    await tick_all(service)
    kinds = await owed(service)
    assert Reminder not in kinds
    assert kinds[0] == LobbyOpened


async def test_no_reminder_once_the_session_has_begun(service: Bedtime, clock: SimClock) -> None:
    await scheduled(service, clock)
    campaign = await service.campaign(1, 10)
    assert campaign is not None
    clock.now = datetime(2026, 3, 7, 19, 0, tzinfo=UTC)
    await service.open(campaign)  # the host opened early
    clock.now = datetime(2026, 3, 7, 19, 30, tzinfo=UTC)
    await tick_all(service)
    assert Reminder not in await owed(service)


async def test_the_lobby_opens_by_itself_and_the_schedule_moves_on(
    service: Bedtime, clock: SimClock
) -> None:
    await scheduled(service, clock)
    clock.now = datetime(2026, 3, 7, 20, 0, 30, tzinfo=UTC)
    await tick_all(service)
    await tick_all(await restart(service))
    campaign = await service.campaign(1, 10)
    assert campaign is not None
    table = await service.table(campaign)
    assert table.session is not None
    assert table.session.phase is Phase.LOBBY
    assert campaign.next_at == datetime(2026, 4, 4, 19, 0, tzinfo=UTC)  # CEST now
    assert (await owed(service)).count(LobbyOpened) == 1


async def test_a_thin_lobby_is_postponed_a_week_then_reopens(
    service: Bedtime, clock: SimClock
) -> None:
    await scheduled(service, clock)
    campaign = await service.campaign(1, 10)
    assert campaign is not None
    clock.now = datetime(2026, 3, 7, 20, 0, tzinfo=UTC)
    await tick_all(service)
    await service.join(campaign, 1, archetype="skeptic", name="Solo")
    clock.advance(minutes=16)
    await tick_all(service)
    table = await service.table(campaign)
    assert table.session is not None
    assert table.session.phase is Phase.POSTPONED
    assert table.session.deadline == datetime(2026, 3, 14, 20, 0, tzinfo=UTC)
    clock.now = datetime(2026, 3, 14, 20, 0, 5, tzinfo=UTC)
    await tick_all(service)
    table = await service.table(campaign)
    assert table.session is not None
    assert table.session.phase is Phase.LOBBY
    # the join was a player's move, not a timer's: only timers owe posts
    assert await owed(service) == [LobbyOpened, Postponed, LobbyOpened]


async def test_every_deadline_fires_exactly_once_across_restarts(
    database: Database, content: Content, clock: SimClock
) -> None:
    service = Bedtime(database, content, clock, random.Random(3))
    campaign = await service.setup(1, 10)
    await service.open(campaign)
    for user in (1, 2, 3):
        await service.join(
            campaign, user, archetype="skeptic" if user == 1 else "artist", name=f"U{user}"
        )
    clock.advance(minutes=16)  # the lobby times out with enough dreamers: it starts
    for _ in range(3):
        service = await restart(service)
        await tick_all(service)
    table = await service.table(campaign)
    assert table.session is not None
    assert table.session.phase is Phase.DREAMING
    assert table.session.round == 1
    clock.advance(minutes=6)  # nobody acts: everyone lingers, once
    for _ in range(3):
        service = await restart(service)
        await tick_all(service)
    table = await service.table(campaign)
    assert table.session is not None
    assert table.session.round == 2 or table.session.phase is Phase.CONFESSING
    if table.session.phase is Phase.DREAMING:
        await service.force_glitch(campaign)
    clock.advance(minutes=11)  # the confession deadline: reveal whatever came in, once
    for _ in range(3):
        service = await restart(service)
        await tick_all(service)
    kinds = await owed(service)
    assert kinds.count(SessionStarted) == 1
    assert kinds.count(RoundResolved) == 1
    assert kinds.count(Revealed) == 1
