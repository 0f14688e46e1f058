"""The monthly calendar: a year of sessions in two zones, through both DST changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core import calendar
from bot.core.calendar import BadSchedule
from bot.core.house_rules import BadSetting

NEW_YEAR = datetime(2026, 1, 1, tzinfo=UTC)


def local(moments: list[datetime], zone: str) -> list[str]:
    return [m.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z") for m in moments]


def test_first_saturday_at_nine_in_berlin_for_a_year() -> None:
    schedule = calendar.make("first", "saturday", "21:00", "Europe/Berlin")
    dates = local(calendar.occurrences(schedule, NEW_YEAR, 12), "Europe/Berlin")
    assert dates == [
        "2026-01-03 21:00 CET",
        "2026-02-07 21:00 CET",
        "2026-03-07 21:00 CET",
        "2026-04-04 21:00 CEST",
        "2026-05-02 21:00 CEST",
        "2026-06-06 21:00 CEST",
        "2026-07-04 21:00 CEST",
        "2026-08-01 21:00 CEST",
        "2026-09-05 21:00 CEST",
        "2026-10-03 21:00 CEST",
        "2026-11-07 21:00 CET",
        "2026-12-05 21:00 CET",
    ]


def test_a_time_that_does_not_exist_moves_forward_and_a_repeated_one_is_taken_first() -> None:
    schedule = calendar.make("last", "sunday", "02:30", "Europe/Berlin")
    moments = calendar.occurrences(schedule, NEW_YEAR, 12)
    berlin = local(moments, "Europe/Berlin")
    assert berlin[2] == "2026-03-29 03:30 CEST"  # 02:30 never happens that night
    assert berlin[9] == "2026-10-25 02:30 CEST"  # 02:30 happens twice: the first one
    assert moments[9] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_new_york_across_its_own_dst_changes() -> None:
    spring = calendar.make("second", "sunday", "02:30", "America/New_York")
    march = calendar.occurrences(spring, datetime(2026, 3, 1, tzinfo=UTC), 1)[0]
    assert local([march], "America/New_York") == ["2026-03-08 03:30 EDT"]
    autumn = calendar.make("first", "sunday", "01:30", "America/New_York")
    november = calendar.occurrences(autumn, datetime(2026, 10, 15, tzinfo=UTC), 1)[0]
    assert november == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, the first of two
    year = calendar.occurrences(spring, NEW_YEAR, 12)
    assert len({m.astimezone(ZoneInfo("America/New_York")).day for m in year}) > 1
    assert all(8 <= m.astimezone(ZoneInfo("America/New_York")).day <= 14 for m in year)


def test_last_weekday_works_in_months_without_a_fifth_one() -> None:
    schedule = calendar.make("last", "friday", "20:00", "UTC")
    dates = [m.date().isoformat() for m in calendar.occurrences(schedule, NEW_YEAR, 3)]
    assert dates == ["2026-01-30", "2026-02-27", "2026-03-27"]


def test_skipped_sessions_are_left_out() -> None:
    schedule = calendar.make("first", "saturday", "21:00", "Europe/Berlin")
    first = calendar.next_session(schedule, NEW_YEAR)
    schedule.skipped.append(first)
    assert calendar.next_session(schedule, NEW_YEAR).month == 2


def test_the_rule_is_rfc_5545() -> None:
    schedule = calendar.make("last", "sunday", "02:30", "Europe/Berlin")
    assert (
        calendar.rule_text(schedule)
        == "RRULE:FREQ=MONTHLY;BYDAY=-1SU;BYHOUR=2;BYMINUTE=30;BYSECOND=0"
    )


@pytest.mark.parametrize("time", ["25:00", "9pm", "21", "21:60", "", "2100"])
def test_bad_times_say_how_to_write_one(time: str) -> None:
    with pytest.raises(BadSchedule, match=r"HH:MM|00:00 to 23:59"):
        calendar.make("first", "saturday", time, "Europe/Berlin")


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(BadSetting, match="Unknown time zone"):
        calendar.make("first", "saturday", "21:00", "Mars/Olympus")
