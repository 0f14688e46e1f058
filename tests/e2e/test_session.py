"""A whole session over the fake Discord: four players and an admin, to dawn and month two."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from fakecord import FakeDiscord, Sent, User
from tests.e2e.conftest import ADMIN, PLAYERS, Running


async def join_new(fake: FakeDiscord, user: User, archetype: str, name: str) -> Sent:
    lobby = fake.latest("Join")
    picked = await fake.click(user, lobby, "Join")
    assert picked.ephemeral
    select = await fake.choose(user, picked.message_id or 0, "Choose your archetype", [archetype])
    modal = select.response
    assert modal["type"] == 9
    return await fake.submit(user, modal["data"], {"name": name}, message_id=select.message_id)


async def confess(fake: FakeDiscord, user: User, text: str | None, *, share: bool = True) -> Sent:
    glitch = fake.latest("Face your prompt")
    faced = await fake.click(user, glitch, "Face your prompt")
    assert faced.ephemeral
    prompt = faced.message_id or 0
    if text is None:
        return await fake.click(user, prompt, "Pass")
    opened = await fake.click(user, prompt, "Answer")
    assert opened.response["type"] == 9
    values = {"text": text, "share": ["share" if share else "private"]}
    return await fake.submit(user, opened.response["data"], values, message_id=prompt)


async def play_rounds_until(
    fake: FakeDiscord, users: list[User], stop_label: str, action: str = "Anchor"
) -> None:
    """Everyone takes the same action each round until a message with `stop_label` appears."""
    for _ in range(40):
        try:
            fake.latest(stop_label)
            newest_stop = fake.latest(stop_label)
        except KeyError:
            newest_stop = 0
        try:
            round_message = fake.latest("Anchor")
        except KeyError:
            return
        if newest_stop > round_message:
            return
        for user in users:
            sent = await fake.click(user, round_message, action)
            if sent.ephemeral and "already" not in sent.text:
                raise AssertionError(sent.text)
    raise AssertionError("the rounds never ended")


async def test_a_whole_session_from_setup_to_dawn_then_the_next_month(running: Running) -> None:
    fake = running.fake
    setup = await fake.slash(
        ADMIN, "bedtime", "setup", channel=str(running.channel), timezone="Europe/Berlin"
    )
    assert setup.ephemeral
    assert "Bedtime lives in" in setup.text

    opened = await fake.slash(ADMIN, "bedtime", "open")
    assert not opened.ephemeral
    assert "Bedtime is here" in opened.text

    archetypes = ["skeptic", "parent", "artist", "sleeper"]
    for user, archetype in zip(PLAYERS[:4], archetypes, strict=True):
        joined = await join_new(fake, user, archetype, f"{user.name} the {archetype}")
        assert "Welcome" in joined.text
    lobby = fake.messages[fake.latest("Join")]
    assert "Ada the skeptic" in str(lobby["embeds"])

    started = await fake.slash(ADMIN, "bedtime", "start")
    assert "round 1 of 6" in started.text

    first_round = fake.latest("Anchor")
    await fake.choose(
        PLAYERS[0], first_round, "🤝 Share with…", [_character_option(fake, first_round, "Bo")]
    )
    await fake.click(PLAYERS[1], first_round, "Dive")
    await fake.click(PLAYERS[2], first_round, "Explore")
    resolved = await fake.click(PLAYERS[3], first_round, "Anchor")
    assert "Round 1: what happened" in resolved.text
    assert "Ada" in resolved.text

    forced = await fake.slash(ADMIN, "bedtime", "glitch")
    assert "The Mesh has fractured" in forced.text
    await confess(fake, PLAYERS[0], "I am afraid of the quiet after everyone leaves.", share=True)
    await confess(fake, PLAYERS[1], "Something I will never tell.", share=False)
    await confess(fake, PLAYERS[2], None)
    last = await confess(fake, PLAYERS[3], "You all make me braver.", share=True)
    reveal = fake.messages[fake.latest("Return to the dream")]
    text = str(reveal["embeds"])
    assert "I am afraid of the quiet" in text
    assert "You all make me braver" in text
    assert "Something I will never tell" not in str(fake.messages)
    assert "stayed in the dark" in text
    assert "Ada" not in text  # anonymous by default
    assert last.response["type"] == 7  # the private prompt message says thank you

    hear = await fake.click(PLAYERS[1], fake.latest("Return to the dream"), "I hear you · 1")
    assert "Heard 1 time by the circle" in str(fake.messages[hear.message_id or 0]["embeds"])
    for user in PLAYERS[:4]:
        await fake.click(user, fake.latest("Return to the dream"), "Return to the dream")

    await play_rounds_until(fake, PLAYERS[:4], "Face your prompt")
    ended = await fake.slash(ADMIN, "bedtime", "end")
    assert "Dawn" in ended.text
    assert "What changed" in ended.text
    await fake.uploaded("constellation-1.png")  # drawn after the answer, then added to it

    recap = _with_picture(fake, "What changed")
    assert recap["embeds"][-1]["image"]["url"] == "attachment://constellation-1.png"
    assert [a["filename"] for a in recap["attachments"]] == ["constellation-1.png"]
    _assert_png(fake, "constellation-1.png")

    chronicle = await fake.slash(PLAYERS[2], "dream", "chronicle")
    assert chronicle.ephemeral
    assert "session 1" in chronicle.text
    await fake.uploaded("constellation-1.png", count=2)
    shown_again = fake.messages[chronicle.message_id or 0]
    assert shown_again["embeds"][0]["image"]["url"] == "attachment://constellation-1.png"
    assert shown_again["attachments"][0]["size"] > 0

    again = await fake.slash(ADMIN, "bedtime", "open")
    assert "Previously at Bedtime" in again.text
    back = await fake.click(PLAYERS[0], fake.latest("Join"), "Join")
    assert "Ada the skeptic" in str(back.response)

    sheet = await fake.slash(PLAYERS[0], "dream", "sheet")
    assert sheet.ephemeral
    assert "Lucidity" in sheet.text
    assert "Rename" in sheet.text


def _with_picture(fake: FakeDiscord, text: str) -> dict[str, Any]:
    return next(
        m for m in reversed(fake.messages.values()) if m["attachments"] and text in str(m["embeds"])
    )


def _assert_png(fake: FakeDiscord, filename: str) -> None:
    data = next(d for f, d in reversed(fake.uploads) if f == filename)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.size == (800, 450)
    assert len(data) < 200 * 1024


def _character_option(fake: FakeDiscord, message_id: int, name: str) -> str:
    select = fake.find(message_id, "🤝 Share with…")
    return next(o["value"] for o in select["options"] if o["label"].startswith(name))
