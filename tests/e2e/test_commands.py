"""The rest of the command surface, end to end: kick, leave, reset, rest, chronicle, teardown."""

from __future__ import annotations

from fakecord import HOST_ROLE, User
from tests.e2e.conftest import ADMIN, PLAYERS, Running
from tests.e2e.test_refusals import ready_session


async def test_kick_and_leave_take_dreamers_out_of_the_session(running: Running) -> None:
    fake = await ready_session(running, players=3)
    await fake.slash(ADMIN, "bedtime", "start")
    kicked = await fake.slash(ADMIN, "bedtime", "kick", member=PLAYERS[2])
    assert "removed" in kicked.text
    left = await fake.slash(PLAYERS[1], "dream", "leave")
    assert "steps out" in left.text
    status = await fake.slash(PLAYERS[0], "dream", "status")
    assert status.ephemeral
    assert "Ada" in status.text
    assert "Bo" not in status.text
    kicked_again = await fake.click(PLAYERS[2], fake.latest("Anchor"), "Anchor")
    assert kicked_again.ephemeral


async def test_a_player_can_join_a_session_under_way(running: Running) -> None:
    fake = await ready_session(running, players=2)
    await fake.slash(ADMIN, "bedtime", "start")
    late = await fake.slash(PLAYERS[3], "dream", "join", archetype="parent", name="Late Lee")
    assert "enter at the next round" in late.text
    early = await fake.click(PLAYERS[3], fake.latest("Anchor"), "Anchor")
    assert "next round" in early.text


async def test_the_emergency_reset_and_dawn_on_demand(running: Running) -> None:
    fake = await ready_session(running, players=2)
    await fake.slash(ADMIN, "bedtime", "start")
    await fake.slash(ADMIN, "bedtime", "glitch")
    reset = await fake.slash(ADMIN, "bedtime", "reset")
    assert "EMERGENCY PROTOCOL" in reset.text
    ended = await fake.slash(ADMIN, "bedtime", "end")
    assert "emergency protocol" in ended.text.lower()
    chronicle = await fake.slash(PLAYERS[0], "dream", "chronicle", session=1)
    assert "session 1" in chronicle.text
    missing = await fake.slash(PLAYERS[0], "dream", "chronicle", session=7)
    assert "no such session" in missing.text


async def test_rest_is_private_and_has_a_cooldown(running: Running) -> None:
    fake = await ready_session(running, players=2)
    first = await fake.slash(PLAYERS[0], "dream", "rest")
    assert first.ephemeral
    assert "Rest logged" in first.text
    assert "Toward Rested: 1/3" in first.text
    again = await fake.slash(PLAYERS[0], "dream", "rest")
    assert "once every 20 hours" in again.text
    assert "Rest logged" not in again.text


async def test_the_host_role_can_run_sessions_without_manage_server(running: Running) -> None:
    fake = await ready_session(running, players=2)
    host = User(100_000_000_000_000_050, "Host", roles=(HOST_ROLE,))
    refused = await fake.slash(host, "bedtime", "start")
    assert "Only admins" in refused.text
    await fake.slash(ADMIN, "bedtime", "config", setting="host_role", value=f"<@&{HOST_ROLE}>")
    started = await fake.slash(host, "bedtime", "start")
    assert "round 1 of 6" in started.text


async def test_teardown_asks_first_then_deletes_the_campaign(running: Running) -> None:
    fake = await ready_session(running, players=2)
    asked = await fake.slash(ADMIN, "bedtime", "teardown")
    assert asked.ephemeral
    assert "can't be undone" in asked.text
    done = await fake.click(ADMIN, asked.message_id or 0, "Yes, delete everything")
    assert "gone" in done.text
    status = await fake.slash(PLAYERS[0], "dream", "status")
    assert "no Bedtime campaign" in status.text


async def test_the_chronicle_pages_through_history(running: Running) -> None:
    fake = await ready_session(running, players=2)
    for month in range(3):
        if month:
            await fake.slash(ADMIN, "bedtime", "open")
            for player in PLAYERS[:2]:
                await fake.click(player, fake.latest("Join"), "Join")
        await fake.slash(ADMIN, "bedtime", "start")
        await fake.slash(ADMIN, "bedtime", "end")
    page = await fake.slash(PLAYERS[0], "dream", "chronicle")
    assert "Session 3 of 3" in page.text
    earlier = await fake.click(PLAYERS[0], page.message_id or 0, "◀ Earlier")
    assert "Session 2 of 3" in earlier.text
    first = await fake.click(PLAYERS[0], page.message_id or 0, "◀ Earlier")
    assert "Session 1 of 3" in first.text
    button = fake.find(page.message_id or 0, "◀ Earlier")
    assert button["disabled"]
