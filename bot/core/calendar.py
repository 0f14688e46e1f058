"""The monthly calendar: an RFC 5545 rule in an IANA zone, resolved to exact instants.

A wall-clock time that does not exist on a daylight-saving day moves forward by the gap; one that
happens twice is taken the first time. Skipped dates are left out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule, tz

from bot.core.errors import GameError
from bot.core.house_rules import parse_timezone
from bot.core.models import Schedule

WEEKS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
WEEKDAYS = {
    "monday": rrule.MO,
    "tuesday": rrule.TU,
    "wednesday": rrule.WE,
    "thursday": rrule.TH,
    "friday": rrule.FR,
    "saturday": rrule.SA,
    "sunday": rrule.SU,
}


class BadSchedule(GameError):
    """A schedule option that can't be used, with what to type instead."""


def parse_time(text: str) -> tuple[int, int]:
    parts = text.strip().split(":")
    if len(parts) != 2 or not all(p.isdigit() and 1 <= len(p) <= 2 for p in parts):
        raise BadSchedule(f"“{text[:20]}” is not a time. Use HH:MM on a 24-hour clock, like 21:00.")
    hour, minute = int(parts[0]), int(parts[1])
    if hour > 23 or minute > 59:
        raise BadSchedule(f"“{text[:20]}” is not a time of day. Use 00:00 to 23:59.")
    return hour, minute


def make(week: str, weekday: str, time: str, timezone: str) -> Schedule:
    """A checked schedule from the command's options."""
    if week not in WEEKS:
        raise BadSchedule(f"Week must be one of {', '.join(WEEKS)}.")
    if weekday not in WEEKDAYS:
        raise BadSchedule(f"Weekday must be one of {', '.join(WEEKDAYS)}.")
    hour, minute = parse_time(time)
    zone = parse_timezone(timezone)
    return Schedule(week=week, weekday=weekday, time=f"{hour:02d}:{minute:02d}", timezone=zone)


def rule_text(schedule: Schedule) -> str:
    """The schedule as an RFC 5545 recurrence rule."""
    hour, minute = parse_time(schedule.time)
    day = WEEKDAYS[schedule.weekday](WEEKS[schedule.week])
    return str(
        rrule.rrule(rrule.MONTHLY, byweekday=day, byhour=hour, byminute=minute, bysecond=0)
    ).split("\n")[-1]


def occurrences(schedule: Schedule, after: datetime, count: int = 1) -> list[datetime]:
    """The next `count` session instants strictly after `after`, in UTC, skips left out."""
    zone = ZoneInfo(schedule.timezone)
    local = after.astimezone(zone).replace(tzinfo=None)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    rule = rrule.rrulestr(rule_text(schedule), dtstart=start)
    skipped = set(schedule.skipped)
    found: list[datetime] = []
    for wall in rule:
        moment = resolve(wall, zone)
        if moment > after and moment not in skipped:
            found.append(moment)
            if len(found) == count:
                break
    return found


def next_session(schedule: Schedule, after: datetime) -> datetime:
    return occurrences(schedule, after, 1)[0]


def resolve(wall: datetime, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as an instant: gaps move forward, repeats take the first."""
    aware = wall.replace(tzinfo=zone, fold=0)
    if not tz.datetime_exists(aware):
        aware = tz.resolve_imaginary(aware)
    return aware.astimezone(UTC)


SKIPS_KEPT = 24  # skipped dates a schedule remembers; older ones are long past


def skip(schedule: Schedule, due_at: datetime) -> datetime:
    """Leave out the session due at `due_at`; the one after it is the next."""
    schedule.skipped = [*schedule.skipped[-(SKIPS_KEPT - 1) :], due_at]
    return next_session(schedule, due_at)


def reminders_due(before: list[int], due_at: datetime, now: datetime) -> list[int]:
    """The reminders (minutes before `due_at`) whose moment has come and the session hasn't."""
    return [m for m in before if due_at - timedelta(minutes=m) <= now < due_at]
