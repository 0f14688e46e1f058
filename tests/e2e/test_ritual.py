"""The monthly ritual over the fake Discord: from /bedtime schedule to dawn, no admin after it."""

from __future__ import annotations

from datetime import UTC, datetime

from fakecord import HOST_ROLE
from tests.e2e.conftest import ADMIN, PLAYERS, Running
from tests.e2e.test_session import join_new

FRIDAY_NOON = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)


def texts(running: Running) -> str:
    return "\n".join(str(m["embeds"]) + m["content"] for m in running.fake.messages.values())


async def test_a_session_runs_itself_from_schedule_to_dawn(running: Running) -> None:
    fake, clock = running.fake, running.clock
    clock.now = FRIDAY_NOON
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    await fake.slash(ADMIN, "bedtime", "config", setting="reminder_role", value=f"<@&{HOST_ROLE}>")
    scheduled = await fake.slash(
        ADMIN,
        "bedtime",
        "schedule",
        week="first",
        weekday="saturday",
        time="21:00",
        timezone="Europe/Berlin",
    )
    assert "first Saturday" in scheduled.text
    assert "<t:1772913600:f>" in scheduled.text  # Sat 7 March 2026, 21:00 in Berlin
    assert len(fake.events) == 1
    event = next(iter(fake.events.values()))
    assert event["scheduled_start_time"].startswith("2026-03-07T20:00")
    assert event["entity_metadata"]["location"].startswith("#")

    clock.now = datetime(2026, 3, 6, 21, 0, tzinfo=UTC)  # 23 hours before
    await running.tick()
    await running.tick()
    assert texts(running).count("Bedtime begins") == 1
    assert len(fake.pings) == 1  # the reminder pings the role the admin named, and nothing else
    assert fake.pings[0]["content"] == f"<@&{HOST_ROLE}>"
    assert [int(r) for r in fake.pings[0]["roles"]] == [HOST_ROLE]

    clock.now = datetime(2026, 3, 7, 19, 30, tzinfo=UTC)  # within the hour before
    await running.tick()
    assert texts(running).count("Bedtime begins") == 2
    clock.now = datetime(2026, 3, 7, 20, 0, 1, tzinfo=UTC)
    await running.tick()
    assert "Bedtime is here" in texts(running)
    for user, archetype in zip(PLAYERS[:3], ["skeptic", "artist", "sleeper"], strict=True):
        await join_new(fake, user, archetype, user.name)

    for _ in range(60):
        if "See you next Bedtime" in texts(running):
            break
        clock.advance(minutes=16)
        await running.tick()
    everything = texts(running)
    assert "round 1 of 6" in everything
    assert "The Mesh has fractured" in everything
    assert "Dawn" in everything
    assert "See you next Bedtime: <t:1775329200:f>" in everything  # Sat 4 April, 21:00 CEST
    assert texts(running).count("Bedtime begins") == 2  # never repeated by later ticks
    recap = next(m for m in fake.messages.values() if "See you next Bedtime" in str(m["embeds"]))
    assert [a["filename"] for a in recap["attachments"]] == ["constellation-1.png"]
    assert [f for f, _ in fake.uploads] == ["constellation-1.png"]  # posted once, by channel
    moved = next(iter(fake.events.values()))
    assert moved["scheduled_start_time"].startswith("2026-04-04T19:00")
    assert not fake.violations


async def test_a_deleted_event_is_made_again_and_missing_permission_is_explained(
    running: Running,
) -> None:
    fake, clock = running.fake, running.clock
    clock.now = FRIDAY_NOON
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    await fake.slash(ADMIN, "bedtime", "schedule", week="last", weekday="friday", time="20:00")
    fake.events.clear()  # an admin deleted it: Discord now answers 10070
    await fake.slash(ADMIN, "bedtime", "skip")
    assert len(fake.events) == 1
    fake.events_forbidden = True
    fake.events.clear()
    answered = await fake.slash(
        ADMIN, "bedtime", "schedule", week="first", weekday="monday", time="19:30"
    )
    assert "🗓" in answered.text
    warnings = [
        m for m in fake.messages.values() if "Create Events" in m["content"] and m["flags"] & 64
    ]
    assert warnings, "the admin was not told about the missing permission"
