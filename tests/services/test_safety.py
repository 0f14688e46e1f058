"""Safety and privacy through the services: boundaries, prompt packs, real deletion, moderation,
a player's own data, and the purge of servers the bot has left."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.content import Content
from bot.core import dealer
from bot.core.errors import BadBoundaries, BadPrompt, NotFound, SessionInProgress
from bot.core.events import Hidden
from bot.core.models import Campaign, ConfessionStatus
from bot.core.phases import Phase
from bot.core.prompts import MAX_PROMPTS
from bot.services import Bedtime, Safety, SimClock
from bot.store import Database
from tests.disk import Needle
from tests.services.test_bedtime import begin, count

SECRET = "the blue door in grandmother's attic, 1987"
STRANGER = 987_654_321_012_345_678  # a user id that shows up in the file if it is stored


@pytest.fixture
def safety(service: Bedtime) -> Safety:
    return Safety(service.context)


Remains = Callable[..., list[Needle]]


# --- boundaries ---


async def test_boundaries_are_private_per_campaign_and_a_line_beats_a_veil(
    service: Bedtime, safety: Safety
) -> None:
    campaign = await service.setup(1, 10)
    other = await service.setup(1, 11)
    chosen = await safety.set_boundaries(campaign, 5, lines=["death"], veils=["death", "money"])
    assert chosen.lines == {"death"}
    assert chosen.veils == {"money"}
    assert await safety.boundaries(campaign, 5) == chosen
    assert (await safety.boundaries(other, 5)).lines == frozenset()
    again = await safety.set_boundaries(campaign, 5, veils=[])
    assert again.lines == {"death"}
    assert again.veils == frozenset()
    with pytest.raises(BadBoundaries, match="no topic called"):
        await safety.set_boundaries(campaign, 5, lines=["'; DROP TABLE players; --"])
    assert await count(service.store, "players") == 1


async def test_a_dreamer_with_every_topic_as_a_line_gets_only_topic_free_prompts(
    service: Bedtime, safety: Safety, content: Content
) -> None:
    campaign = await begin(service, 3)
    everything = [t.key for t in content.topics]
    await safety.set_boundaries(campaign, 1001, lines=everything)
    await service.force_glitch(campaign)
    _, prompt = await service.my_prompt(campaign, 1001)
    assert prompt.topics == []


# --- the campaign's prompts ---


async def test_custom_prompts_are_checked_and_dealt(
    service: Bedtime, safety: Safety, clock: SimClock
) -> None:
    campaign = await begin(service, 2)
    added = await safety.add_prompt(
        campaign,
        {"category": "hope", "text": "What would  you plant\nfor {other}?", "topics": "family"},
    )
    assert added.text == "What would you plant for {other}?"
    assert added.id.startswith("c-")
    assert added.rating.value == "gentle"
    for bad, why in [
        ({"category": "hope", "text": "x" * 301}, "at most 300"),
        ({"category": "dread", "text": "ok"}, "category"),
        ({"category": "hope", "text": "ok", "topics": "family,unicorns"}, "unknown topic"),
        ({"category": "hope", "text": "Hi {name}"}, "placeholder"),
        ({"category": "hope", "text": "What would you plant for {other}?"}, "already has"),
    ]:
        with pytest.raises(BadPrompt, match=why):
            await safety.add_prompt(campaign, bad)
    assert [p.id for p in await safety.prompts(campaign)] == [added.id]

    await service.configure(campaign, "builtin_prompts", "off")
    await service.end(campaign)
    await service.open(campaign)
    for user in (1001, 1002):
        await service.join(campaign, user)
    await service.start(campaign)
    await service.force_glitch(campaign)
    dealt = [(await service.my_prompt(campaign, u))[1] for u in (1001, 1002)]
    assert all(p.id == added.id or dealer.is_fallback(p) for p in dealt)
    assert any(p.id == added.id for p in dealt)
    with pytest.raises(BadPrompt, match="remove it after dawn"):
        await safety.remove_prompt(campaign, added.id)
    await service.end(campaign)
    assert (await safety.remove_prompt(campaign, added.id)).id == added.id
    with pytest.raises(NotFound):
        await safety.remove_prompt(campaign, added.id)


PACK_TOML = b"""
[[prompts]]
category = "fear"
rating = "moderate"
topics = ["work"]
text = "What deadline still wakes you at night?"

[[prompts]]
category = "gratitude"
text = "What did {other} do that you never thanked them for?"
"""


async def test_a_pack_imports_whole_or_not_at_all(service: Bedtime, safety: Safety) -> None:
    campaign = await service.setup(1, 10)
    added = await safety.import_prompts(campaign, PACK_TOML, "pack.toml")
    assert [p.category.value for p in added] == ["fear", "gratitude"]
    broken = json.dumps(
        {
            "prompts": [
                {"category": "hope", "text": "A fine prompt"},
                {"category": "hope", "text": "y" * 400},
                {"category": "fear", "rating": "extreme", "text": "z"},
                {"category": "fear", "text": "q", "colour": "red"},
            ]
        }
    ).encode()
    with pytest.raises(BadPrompt) as error:
        await safety.import_prompts(campaign, broken, "pack.json")
    message = error.value.message
    assert "Nothing was imported" in message
    assert "prompt 2: text" in message
    assert "prompt 3: rating" in message
    assert "prompt 4: unknown field 'colour'" in message
    assert "prompt 1" not in message
    assert len(await safety.prompts(campaign)) == 2


@pytest.mark.parametrize(
    ("data", "filename", "why"),
    [
        (b"x" * (256 * 1024 + 1), "big.json", "at most 256 KiB"),
        (b"\xff\xfe\xfa not text", "bad.json", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "deep.json", "not valid JSON"),
        (b"prompts = [", "broken.toml", "not valid TOML"),
        (b'{"prompts": []}', "empty.json", "Expected a list"),
        (b'{"prompts": "no"}', "odd.json", "Expected a list"),
        (b"[1, 2]", "numbers.json", "prompt 1: expected a table"),
        (b"{}", "pack.yaml", ".json or .toml"),
    ],
)
async def test_a_bad_pack_is_refused_with_a_clear_reason(
    service: Bedtime, safety: Safety, data: bytes, filename: str, why: str
) -> None:
    campaign = await service.setup(1, 10)
    with pytest.raises(BadPrompt, match=why):
        await safety.import_prompts(campaign, data, filename)
    assert await count(service.store, "prompts") == 0


async def test_a_campaign_holds_at_most_500_prompts(service: Bedtime, safety: Safety) -> None:
    campaign = await service.setup(1, 10)
    many = {"prompts": [{"category": "hope", "text": f"Hope number {n}"} for n in range(499)]}
    await safety.import_prompts(campaign, json.dumps(many).encode(), "many.json")
    await safety.add_prompt(campaign, {"category": "fear", "text": "The five hundredth"})
    with pytest.raises(BadPrompt, match=f"at most {MAX_PROMPTS}"):
        await safety.add_prompt(campaign, {"category": "fear", "text": "One too many"})
    assert await count(service.store, "prompts") == MAX_PROMPTS


# --- retention and moderation ---


async def test_archived_confession_text_is_nowhere_on_disk(
    service: Bedtime, remains: Remains
) -> None:
    campaign = await begin(service, 2)
    await service.force_glitch(campaign)
    await service.answer(campaign, 1001, SECRET, share=True)
    await service.pass_prompt(campaign, 1002)
    assert remains(SECRET) == [SECRET]  # the check can see it while it is kept
    await service.end(campaign)
    assert remains(SECRET) == []


async def test_kept_confessions_stay_until_a_host_hides_one(
    service: Bedtime, safety: Safety, remains: Remains
) -> None:
    campaign = await begin(service, 2)
    await service.configure(campaign, "keep_confessions", "on")
    await service.end(campaign)
    await service.open(campaign)
    for user in (1001, 1002):
        await service.join(campaign, user)
    await service.start(campaign)
    await service.force_glitch(campaign)
    await service.answer(campaign, 1001, SECRET, share=True)
    await service.answer(campaign, 1002, "a second, kinder truth", share=True)
    ended = await service.end(campaign)
    assert ended.session is not None
    assert remains(SECRET) == [SECRET]
    session = await service.session(campaign, ended.session.id)
    written = next(cid for cid, text in session.texts.items() if text == SECRET)
    target = session.glitches[0].confession(written).card  # the host picks a card
    assert target is not None
    result = await safety.hide(campaign, session.id, target)
    assert [type(e) for e in result.events] == [Hidden]
    assert set(result.events[0].model_dump()) == {"glitch", "place"}  # nothing about the author
    assert remains(SECRET) == []
    assert "a second, kinder truth" in (await service.session(campaign, session.id)).texts.values()
    hidden = (await service.session(campaign, session.id)).glitches[0].card(target)
    assert hidden is not None
    assert hidden.status is ConfessionStatus.HIDDEN
    with pytest.raises(NotFound, match="already hidden"):
        await safety.hide(campaign, session.id, target)


async def test_x_leaves_no_trace_of_who_pressed_it(
    database: Database, content: Content, clock: SimClock, tmp_path: Path
) -> None:
    async def run(presser: int, path: Path) -> str:
        db = await Database.open(path)
        service = Bedtime(db, content, SimClock(clock.now), random.Random(7))
        campaign = await begin(service, 3)
        await service.force_glitch(campaign)
        await service.soften(campaign, presser, key="the-x-press")
        dump = "\n".join([line async for line in db.connection.iterdump()])
        await db.close()
        return dump

    first = await run(1001, tmp_path / "a.db")
    second = await run(1003, tmp_path / "b.db")
    assert first == second
    assert "the-x-press" in first  # the dumps are real and carry the move


async def test_a_pass_and_a_private_answer_store_the_same_thing(
    content: Content, clock: SimClock, tmp_path: Path
) -> None:
    async def run(private_answer: bool, path: Path) -> str:
        db = await Database.open(path)
        service = Bedtime(db, content, SimClock(clock.now), random.Random(7))
        campaign = await begin(service, 3)
        await service.force_glitch(campaign)
        await service.answer(campaign, 1002, "shared with the circle", share=True, key="k2")
        if private_answer:
            await service.answer(campaign, 1001, "only mine", share=False, key="k1")
        else:
            await service.pass_prompt(campaign, 1001, key="k1")
        await service.answer(campaign, 1003, "also shared", share=True, key="k3")
        await service.end(campaign, key="dawn")
        dump = "\n".join([line async for line in db.connection.iterdump()])
        await db.close()
        return dump

    assert await run(True, tmp_path / "a.db") == await run(False, tmp_path / "b.db")


# --- your data ---


async def _stranger_plays(service: Bedtime, campaign: Campaign, safety: Safety) -> None:
    await service.open(campaign)
    await service.join(campaign, STRANGER, archetype="artist", name="Zephyrine Quill")
    await service.join(campaign, 2002, archetype="skeptic", name="Bo")
    await service.start(campaign)
    await safety.set_boundaries(campaign, STRANGER, lines=["death"])
    await service.act(campaign, STRANGER, "share", target=await _character(service, campaign, 2002))
    await service.act(campaign, 2002, "anchor")
    await service.force_glitch(campaign)
    await service.answer(campaign, STRANGER, SECRET, share=True)
    await service.pass_prompt(campaign, 2002)


async def _character(service: Bedtime, campaign: Campaign, user: int) -> str:
    player = await service.player(user)
    assert player is not None
    character = (await service.table(campaign)).circle.character_of(player.id)
    assert character is not None
    return character.id


async def test_mydata_holds_everything_and_forget_me_deletes_it_for_real(
    service: Bedtime, safety: Safety, remains: Remains, store: str
) -> None:
    campaign = await service.setup(1, 10)
    await service.configure(campaign, "keep_confessions", "on")
    await _stranger_plays(service, campaign, safety)
    with pytest.raises(SessionInProgress):
        await safety.forget(STRANGER)
    await service.end(campaign)
    await service.rest(STRANGER)

    mine = await safety.export(STRANGER)
    assert mine is not None
    assert mine["player"]["user_id"] == STRANGER
    assert [c["name"] for c in mine["characters"]] == ["Zephyrine Quill"]
    assert mine["bonds"]
    assert mine["rest_log"]
    assert mine["boundaries"] == [{"campaign": campaign.id, "lines": ["death"], "veils": []}]
    assert [c["text"] for c in mine["confessions"]] == [SECRET]
    assert remains(STRANGER, "Zephyrine Quill", SECRET) == [
        STRANGER,
        "Zephyrine Quill",
        SECRET,
    ]

    assert await safety.forget(STRANGER)
    assert await safety.export(STRANGER) is None
    left = remains(STRANGER, "Zephyrine Quill", SECRET)
    assert SECRET not in left
    if store == "sqlite":  # PostgreSQL keeps old rows' bytes until VACUUM: see the README
        assert left == []
    table = await service.table(campaign)
    assert table.circle.bonds == {}  # Bo's bond with the departed is gone too
    assert [c.name for c in table.circle.characters.values()] == ["Bo"]
    assert await service.chronicle(campaign) is not None
    assert not await safety.forget(STRANGER)


async def test_an_admin_forgets_a_user_only_in_their_own_server(
    service: Bedtime, safety: Safety
) -> None:
    here = await service.setup(1, 10)
    elsewhere = await service.setup(2, 20)
    for campaign in (here, elsewhere):
        await service.open(campaign)
        await service.join(campaign, STRANGER, archetype="artist", name="Zephyrine Quill")
        await service.join(campaign, 2002, archetype="skeptic", name="Bo")
        await service.start(campaign)
    with pytest.raises(SessionInProgress):
        await safety.forget(STRANGER, guild_id=1)
    for campaign in (here, elsewhere):
        await service.end(campaign)
    assert await safety.forget(STRANGER, guild_id=1)
    assert [c.name for c in (await service.table(here)).circle.characters.values()] == ["Bo"]
    assert len((await service.table(elsewhere)).circle.characters) == 2
    assert await service.player(STRANGER) is not None  # still plays in the other server
    assert not await safety.forget(STRANGER, guild_id=1)
    assert await safety.forget(STRANGER, guild_id=2)
    assert await service.player(STRANGER) is None  # nothing left anywhere: the player goes
    assert not await safety.forget(42, guild_id=1)


async def test_a_server_left_for_30_days_is_purged_unless_the_bot_returns(
    service: Bedtime, safety: Safety, clock: SimClock, remains: Remains, store: str
) -> None:
    gone = await service.setup(1, 10)
    stays = await service.setup(2, 20)
    for campaign, user in ((gone, STRANGER), (stays, 3003)):
        await service.open(campaign)
        await service.join(campaign, user, archetype="artist", name=f"Name {user % 1000}")
    await safety.reconcile({2})  # started up without server 1
    await safety.left_guild(2)
    await safety.returned(2)
    clock.advance(days=29)
    assert await safety.purge_departed() == []
    clock.advance(days=2)
    assert await safety.purge_departed() == [1]
    assert await service.campaigns_in(1) == []
    assert await service.campaigns_in(2) != []
    assert await service.player(STRANGER) is None  # no character anywhere: the player goes too
    assert await service.player(3003) is not None
    if store == "sqlite":  # PostgreSQL keeps old rows' bytes until VACUUM: see the README
        assert remains(STRANGER) == []
    kept = (await service.table(stays)).session
    assert kept is not None
    assert kept.phase is Phase.LOBBY
