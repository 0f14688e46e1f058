"""The acceptance test of safety, as DESIGN.md states it: the same session played with authors
swapped, passes and private answers traded, X pressed by someone else and resonance given to
other cards must look byte-for-byte the same to a third player and to the admin."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content import Content
from bot.content.models import Category
from bot.services import SimClock
from fakecord import FakeDiscord, Sent
from tests.conftest import NIGHT
from tests.e2e.conftest import ADMIN, PLAYERS, start_bot, stop_bot
from tests.e2e.test_session import confess, join_new

FIRST = "I pretend to be fine so nobody has to worry"
SECOND = "I miss who we were before the Mesh"
OBSERVER_TEXT = "I am glad you are all here"
AUTHORS = PLAYERS[:3]  # Ada, Bo and Cy trade what they do; Di watches
OBSERVER = PLAYERS[3]


@dataclass(frozen=True)
class Night:
    """What Ada, Bo and Cy do, by index into AUTHORS."""

    x_by: int
    does: tuple[tuple[str, str | None], ...]  # per author: ("share" | "private" | "pass", text)
    hears: tuple[str, ...]  # per author: the text of the card they resonate with


ONE = Night(
    x_by=0,
    does=(("share", FIRST), ("share", SECOND), ("pass", None)),
    hears=(SECOND, FIRST, FIRST),
)
# Bo now writes the first text and Cy the second; Ada keeps hers private instead of Cy passing;
# Cy presses X; Bo and Cy each hear their own card.
OTHER = Night(
    x_by=2,
    does=(("private", "only mine"), ("share", FIRST), ("share", SECOND)),
    hears=(SECOND, FIRST, SECOND),
)


def one_category(content: Content) -> Content:
    """Every prompt of one category, so that a card's category cannot follow its author."""
    data = content.model_dump()
    data["prompts"] = [p | {"category": Category.HOPE} for p in data["prompts"]]
    return Content.model_validate(data)


def normalised(value: Any) -> str:
    """Discord's own ids (messages, interactions) differ from run to run; nothing else may."""
    return re.sub(r"\d{15,}", "<id>", json.dumps(value, sort_keys=True, ensure_ascii=False))


def card_number(fake: FakeDiscord, reveal: int, text: str) -> int:
    for embed in fake.messages[reveal]["embeds"]:
        for field in embed.get("fields") or []:
            if text in field["value"]:
                return int(field["name"].split(".")[0])
    raise KeyError(text)


async def play(fake: FakeDiscord, db: Path, content: Content, night: Night) -> dict[str, Any]:
    running = await start_bot(fake, db, content, SimClock(NIGHT))
    seen: list[Sent] = []  # everything the observer and the admin were answered
    timeline: list[str] = []  # the channel as it looked after every step, edits included

    def public() -> str:
        return normalised(
            [
                (m["content"], m["embeds"], m["components"], m["attachments"])
                for m in fake.messages.values()
                if not m["flags"] & 64
            ]
        )

    async def observe(sent: Sent) -> Sent:
        seen.append(sent)
        return sent

    async def step(sent: Sent) -> Sent:
        await fake.settle(quiet=0.2)  # every follow-up is in, even on a busy machine
        timeline.append(public())
        return sent

    try:
        await observe(await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel)))
        await observe(await fake.slash(ADMIN, "bedtime", "open"))
        for user, archetype in zip(
            PLAYERS[:4], ["skeptic", "artist", "sleeper", "parent"], strict=True
        ):
            joined = await join_new(fake, user, archetype, user.name)
            if user is OBSERVER:
                await observe(joined)
        await observe(await fake.slash(ADMIN, "bedtime", "start"))
        await observe(await fake.slash(ADMIN, "bedtime", "glitch"))

        presser = AUTHORS[night.x_by]
        faced = await fake.click(presser, fake.latest("Face your prompt"), "Face your prompt")
        await step(await fake.click(presser, faced.message_id or 0, "X"))
        for user, (what, text) in zip(AUTHORS, night.does, strict=True):
            await step(
                await confess(fake, user, None if what == "pass" else text, share=what == "share")
            )
        await step(await observe(await confess(fake, OBSERVER, OBSERVER_TEXT, share=True)))

        reveal = fake.latest("Return to the dream")
        for user, text in zip(AUTHORS, night.hears, strict=True):
            number = card_number(fake, reveal, text)
            await step(await fake.click(user, reveal, f"I hear you · {number}"))
        await step(await observe(await fake.click(OBSERVER, reveal, "I hear you · 1")))
        for user in PLAYERS[:4]:
            sent = await step(await fake.click(user, reveal, "Return to the dream"))
            if user is OBSERVER:
                await observe(sent)

        await observe(await fake.slash(ADMIN, "bedtime", "end"))
        await running.tick()
        for user in AUTHORS:
            await observe(await fake.slash(OBSERVER, "dream", "sheet", player=user))
        await observe(await fake.slash(OBSERVER, "dream", "sheet"))
        await observe(await fake.slash(OBSERVER, "dream", "status"))
        await observe(await fake.slash(OBSERVER, "dream", "chronicle"))
        await fake.uploaded("constellation-1.png", count=2)  # the recap's, then the chronicle's
        await observe(await fake.slash(OBSERVER, "dream", "mydata"))
        await observe(await fake.slash(ADMIN, "bedtime", "config"))
        await fake.settle()
    finally:
        await stop_bot(running)
    answered = [
        [
            (m["content"], m["embeds"], m["components"], m["attachments"])
            for m in fake.messages.values()
            if (m.get("interaction_metadata") or {}).get("id") == str(sent.id)
        ]
        + [sent.responses]
        for sent in seen
    ]
    return {
        "channel, step by step": [*timeline, public()],
        "observer and admin": normalised(answered),
        "pictures and files": sorted(
            (name, data)
            for name, data in fake.uploads
            if name.endswith(".png") or name == "bedtime-my-data.json"
        ),
    }


async def test_swapping_who_wrote_passed_pressed_x_or_heard_changes_nothing_others_see(
    tmp_path: Path, content: Content
) -> None:
    content = one_category(content)
    seen = []
    for run, night in enumerate((ONE, OTHER)):
        fake = FakeDiscord()
        await fake.start()
        try:
            (tmp_path / str(run)).mkdir()
            seen.append(await play(fake, tmp_path / str(run) / "bot.db", content, night))
            fake.assert_clean()
        finally:
            await fake.stop()
    one, other = seen
    channel = "".join(one["channel, step by step"])
    assert FIRST in channel
    assert SECOND in channel  # the reveal was shown, so the comparison means something
    assert "constellation-1.png" in [name for name, _ in one["pictures and files"]]
    assert "bedtime-my-data.json" in [name for name, _ in one["pictures and files"]]
    for part in one:
        assert one[part] == other[part], f"the {part} differ"
