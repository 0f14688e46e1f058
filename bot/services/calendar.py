"""The calendar: the monthly rule, skips, reminders, and sessions that open on their own.
Each timer fires once, whatever restarts come between, because each claims its row in the
unit of work that acts on it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.core import calendar, house_rules, lobby
from bot.core.errors import NoSession
from bot.core.events import Reminder, ScheduleSet, Skipped, confide, dump
from bot.core.models import Campaign
from bot.core.phases import Phase
from bot.services.results import MoveResult
from bot.services.work import Context, save

Expire = Callable[[Campaign, str], Awaitable[MoveResult]]


class Calendar:
    def __init__(self, context: Context, expire: Expire) -> None:
        self.context = context
        self.expire = expire  # the move path's deadline move: (campaign, key) -> result

    async def schedule(
        self,
        campaign: Campaign,
        week: str,
        weekday: str,
        time: str,
        timezone: str | None = None,
        key: str | None = None,
    ) -> MoveResult:
        """Set the monthly rule; its zone becomes the campaign's."""
        now = self.context.clock()
        async with self.context.live.around([campaign.id]), self.context.store.work() as unit:
            fresh = await unit.fresh(campaign)
            zone = timezone or fresh.settings.timezone or "UTC"
            rule = calendar.make(week, weekday, time, zone)
            fresh.schedule = rule
            fresh.settings = fresh.settings.with_value("timezone", rule.timezone)
            fresh.next_at = calendar.next_session(rule, now)
            await unit.campaigns.save(fresh)
            await unit.record(key, fresh.id, now)
            circle = await unit.circles.load(fresh)
        event = ScheduleSet(
            **rule.model_dump(exclude={"skipped"}), next_at=fresh.next_at.isoformat()
        )
        return MoveResult([event], circle, None)

    async def skip(self, campaign: Campaign, key: str | None = None) -> MoveResult:
        """Leave out the next scheduled session."""
        async with self.context.live.around([campaign.id]), self.context.store.work() as unit:
            fresh = await unit.fresh(campaign)
            if fresh.schedule is None or fresh.next_at is None:
                raise NoSession("There is no schedule to skip. Set one with /bedtime schedule.")
            skipped = fresh.next_at
            fresh.next_at = calendar.skip(fresh.schedule, skipped)
            await unit.campaigns.save(fresh)
            await unit.record(key, fresh.id, self.context.clock())
            circle = await unit.circles.load(fresh)
        event = Skipped(skipped=skipped.isoformat(), next_at=fresh.next_at.isoformat())
        return MoveResult([event], circle, None)

    async def set_event(self, campaign: Campaign, event_id: int | None) -> None:
        """Remember the platform's scheduled event for the next session."""
        async with self.context.live.around([campaign.id]), self.context.store.work() as unit:
            fresh = await unit.fresh(campaign)
            fresh.event_id = event_id
            await unit.campaigns.save(fresh)

    async def due(self) -> list[Campaign]:
        """Campaigns of the guilds this process owns with a deadline, a scheduled opening or a
        reminder that has come due."""
        now = self.context.clock()
        store = self.context.store
        read = store.read
        horizon = now + house_rules.longest_reminder(self.context.content)
        ids = {campaign for campaign, _ in await read.sessions.due(now, store.shards)}
        ids |= set(await read.campaigns.scheduled_before(horizon, store.shards))
        found = [await read.campaigns.by_id(i) for i in sorted(ids)]
        return [c for c in found if c is not None]

    async def tick(self, campaign: Campaign) -> int:
        """Fire whatever is due for one campaign, each exactly once. Returns how many fired."""
        fired = await self._scheduled(campaign)
        session = await self.context.store.read.sessions.current(campaign.id)
        deadline = session.deadline if session else None
        if session is not None and deadline is not None and deadline <= self.context.clock():
            result = await self.expire(campaign, f"t:{session.id}:{session.moves}")
            fired += bool(result.events)
        return fired

    async def _scheduled(self, campaign: Campaign) -> int:
        """The reminders that are due, then the scheduled opening if it has come."""
        now = self.context.clock()
        fired = await self._remind(campaign, now)
        fresh = await self.context.store.read.campaigns.by_id(campaign.id)
        if fresh is None or fresh.next_at is None or fresh.next_at > now:
            return fired  # the usual tick: nothing to open, and no live session disturbed
        return fired + await self._open_scheduled(campaign, now)

    async def _remind(self, campaign: Campaign, now: datetime) -> int:
        """Reminders are owed posts with a claim each: no campaign state changes."""
        fired = 0
        async with self.context.store.work() as unit:
            fresh = await unit.campaigns.by_id(campaign.id)
            if fresh is None or fresh.schedule is None or fresh.next_at is None:
                return 0
            current = await unit.sessions.current(fresh.id)
            if current is not None and current.phase is not Phase.POSTPONED:
                return 0  # a session is already open or under way
            due_at = fresh.next_at
            before = house_rules.reminders(self.context.content, fresh.settings)
            for minutes in calendar.reminders_due(before, due_at, now):
                if await unit.reminders.claim(fresh.id, due_at, minutes):
                    role = fresh.settings.reminder_role
                    reminder = Reminder(at=due_at.isoformat(), before=minutes, role=role)
                    await unit.outbox.add(fresh.id, fresh.guild_id, None, dump([reminder]), now)
                    fired += 1
        return fired

    async def _open_scheduled(self, campaign: Campaign, now: datetime) -> int:
        """Open the session whose date has come, around the campaign's live session."""
        async with self.context.live.around([campaign.id]), self.context.store.work() as unit:
            fresh = await unit.campaigns.by_id(campaign.id)
            if fresh is None or fresh.schedule is None or fresh.next_at is None:
                return 0
            due_at = fresh.next_at
            if due_at > now:
                return 0
            current = await unit.sessions.current(fresh.id)
            fresh.next_at = calendar.next_session(fresh.schedule, due_at)
            if current is not None and current.phase is not Phase.POSTPONED:
                await unit.campaigns.save(fresh)  # a session is under way: this date is taken
                return 0
            circle = await unit.circles.load(fresh)
            last = await unit.chronicle.latest(fresh.id)
            session, events = lobby.open_session(self.context.move(), circle, current, last)
            await save(unit, circle, session, events, f"open:{fresh.id}:{due_at.isoformat()}", now)
            await unit.outbox.add(
                fresh.id, fresh.guild_id, session.id, dump(events), now, secret=confide(events)
            )
            return 1
