"""The round message that every dreamer redraws: its answers land in the order of the moves
they show, a newer drawing answers for an older one still waiting, and the last round's story
stays above the round as the circle plays on."""

from __future__ import annotations

from fakecord import DEADLINE, FakeDiscord, Fault, Sent, describe
from tests.e2e.conftest import ADMIN, PLAYERS, Running
from tests.e2e.test_faults import consistent
from tests.e2e.test_session import join_new

CIRCLE = PLAYERS[:4]


async def a_round(running: Running) -> int:
    """Four dreamers in their first round; the round message's id."""
    fake = running.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    await fake.slash(ADMIN, "bedtime", "open")
    for user, archetype in zip(CIRCLE, ["skeptic", "artist", "parent", "sleeper"], strict=True):
        await join_new(fake, user, archetype, user.name)
    await fake.slash(ADMIN, "bedtime", "start")
    return fake.latest("Anchor")


async def press(fake: FakeDiscord, seat: int, message: int, label: str = "Anchor") -> Sent:
    """A dreamer presses, without waiting for the answer."""
    custom_id = fake.find(message, label)["custom_id"]
    return await fake.send_component(
        CIRCLE[seat], message, {"custom_id": custom_id, "component_type": 2}
    )


async def three_behind_a_slow_one(running: Running) -> tuple[int, tuple[Sent, Sent, Sent]]:
    """Three dreamers act; the first one's redraw is held up on its way for a second, and the
    other two wait their turn behind it, the second before the third."""
    fake = running.fake
    round_message = await a_round(running)
    fake.faults.append(Fault("POST", "/callback", 200, delay=1.0))  # the next answer is slow
    first = await press(fake, 0, round_message)
    await fake._until(lambda: len(fake.served_faults) == 1, DEADLINE)  # on its way, held up
    newest = running.bot.redraws.newest
    shown_first = newest[round_message]  # how many moves the first one's drawing shows
    second = await press(fake, 1, round_message)
    await fake._until(lambda: newest[round_message] > shown_first, DEADLINE)  # in turn, behind
    third = await press(fake, 2, round_message)
    return round_message, (first, second, third)


def dreamers_shown(fake: FakeDiscord, message: int) -> str:
    embed = fake.messages[message]["embeds"][-1]
    return next(f["value"] for f in embed["fields"] if f["name"] == "Dreamers")


async def test_an_answer_held_up_on_the_way_does_not_take_the_round_back(
    running: Running,
) -> None:
    """The first dreamer's redraw is slow to land. Two more dreamers act meanwhile: the newest
    drawing waits its turn and lands last, and the one between is only acknowledged."""
    fake = running.fake
    round_message, (first, second, third) = await three_behind_a_slow_one(running)
    for sent in (first, second, third):
        await fake._answered(sent)
    await fake.settle()

    shown = dreamers_shown(fake, round_message)
    assert [line[:1] for line in shown.splitlines()] == ["✅", "✅", "✅", "💭"]
    assert "💭 Di" in shown
    assert first.response["type"] == 7
    assert third.response["type"] == 7
    assert second.responses == [{"type": 6}]  # the third's drawing shows its move too
    assert all(s.latency is not None and s.latency < DEADLINE for s in (first, second, third))
    await consistent(running)


async def test_the_last_rounds_story_stays_above_the_next_round(running: Running) -> None:
    fake = running.fake
    round_message = await a_round(running)
    for seat in range(len(CIRCLE)):
        await fake._answered(await press(fake, seat, round_message))
    told = describe(fake.messages[round_message])
    assert "Round 1: what happened" in told
    assert "round 2 of" in told

    acted = await fake._answered(await press(fake, 0, round_message, "Dive"))

    assert acted.response["type"] == 7
    told = describe(fake.messages[round_message])
    assert "Round 1: what happened" in told  # still there for the slower readers
    assert "round 2 of" in told
    assert "✅ Ada" in dreamers_shown(fake, round_message)
    assert "💭 Bo" in dreamers_shown(fake, round_message)


async def test_a_signature_aimed_through_its_menu_keeps_the_story_too(running: Running) -> None:
    """A signature aimed at a dreamer is chosen in a private menu, and the round message is
    redrawn from there: it keeps the last round's story as well."""
    fake = running.fake
    round_message = await a_round(running)
    for seat in range(len(CIRCLE)):
        await fake._answered(await press(fake, seat, round_message))
    assert "Round 1: what happened" in describe(fake.messages[round_message])

    asked = await fake.click(CIRCLE[2], round_message, "Signature")  # Cy, the Parent: Lullaby
    assert "Toward whom?" in asked.text
    menu = fake.find(asked.message_id or 0, "Choose a dreamer")
    ada = next(o["value"] for o in menu["options"] if o["label"] == "Ada")
    aimed = await fake.choose(CIRCLE[2], asked.message_id or 0, "Choose a dreamer", [ada])
    await fake.settle()

    assert "Done" in aimed.text
    told = describe(fake.messages[round_message])
    assert "Round 1: what happened" in told
    assert "✅ Cy" in dreamers_shown(fake, round_message)


async def test_a_drawing_too_late_to_answer_still_reaches_the_round(running: Running) -> None:
    """The newest drawing's own answer is refused: Discord forgot its interaction. The round
    message still shows its move, and the move of the drawing it answered for."""
    fake = running.fake
    round_message, (first, second, third) = await three_behind_a_slow_one(running)
    forgotten = Fault("POST", f"/interactions/{third.id}/", 404, code=10062)
    fake.faults.append(forgotten)
    await fake._until(lambda: forgotten.times == 0, DEADLINE + 1)
    await fake._answered(second)
    await fake.settle()

    assert second.responses == [{"type": 6}]  # skipped: the third's drawing answers for it
    assert third.responses == []  # its own answer never landed
    shown = dreamers_shown(fake, round_message)
    assert [line[:1] for line in shown.splitlines()] == ["✅", "✅", "✅", "💭"]
    assert first.response["type"] == 7
    await consistent(running)
    del fake.interactions[third.id]  # unanswered on purpose: the fake refused its answer


async def test_a_press_acknowledged_too_late_still_shows_on_the_round(running: Running) -> None:
    """The loop runs late, so a press is acknowledged before its move, and that
    acknowledgement reaches Discord after its 3 seconds: Discord has forgotten the interaction
    and refuses every answer to it. The move still counts, and the round message shows it."""
    fake = running.fake
    round_message = await a_round(running)
    lag = running.bot.lag
    lag.samples.extend([1.0] * lag.SAMPLES)  # a burst: acknowledge first
    lag.on_time.clear()
    fake.faults.append(Fault("POST", "/callback", 200, delay=DEADLINE + 0.2))
    late = await press(fake, 0, round_message)
    await fake._answered(late, DEADLINE + 2)
    await fake.settle()

    assert late.forgotten  # its acknowledgement landed after 3 s
    assert "✅ Ada" in dreamers_shown(fake, round_message)
    assert not fake.violations
    assert late.responses == [{"type": 6}]
    assert late.refused == []  # once refused, the bot sends nothing more through it
    await consistent(running)
    del fake.interactions[late.id]  # answered late on purpose


async def test_an_answer_refused_after_the_move_was_saved_does_not_say_nothing_changed(
    running: Running,
) -> None:
    """Discord refuses a press's answer after its move was committed: the round message still
    shows the move, and the apology says it counts, so the player does not try it again."""
    fake = running.fake
    round_message = await a_round(running)
    fake.faults = [Fault("POST", "/callback", 400, code=50035)]
    pressed = await fake.click(PLAYERS[0], round_message, "Anchor")
    await fake.settle()

    assert fake.faults[0].times == 0
    assert pressed.ephemeral
    assert "nothing was changed" not in pressed.text
    assert "That went through and was saved" in pressed.text
    assert "✅ Ada" in dreamers_shown(fake, round_message)  # edited through the channel
    status = await fake.slash(PLAYERS[0], "dream", "status")
    assert "Ada ✅, Bo" in status.text
    then = await fake.click(PLAYERS[1], round_message, "Dive")
    assert then.response["type"] == 7
    await consistent(running)
