"""Safety and privacy over the fake Discord: boundaries, hiding, retention, your data, prompt
packs, the purge, and logs that keep confessions out."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot import logs
from bot.content import Content
from bot.core import dealer
from bot.services import SimClock
from fakecord import GUILD_ID, FakeDiscord
from tests.conftest import NIGHT
from tests.e2e.conftest import ADMIN, PLAYERS, Running, start_bot, stop_bot
from tests.e2e.test_session import confess, join_new

SECRET = "I still sleep with the hallway light on"
KIND = "You three taught me how to ask for help"


async def gather(running: Running, players: int = 3) -> None:
    fake = running.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    await fake.slash(ADMIN, "bedtime", "open")
    for user, archetype in zip(PLAYERS[:players], ["skeptic", "artist", "sleeper"], strict=False):
        await join_new(fake, user, archetype, user.name)
    await fake.slash(ADMIN, "bedtime", "start")


async def reveal(running: Running) -> int:
    """A glitch where Ada and Cy share and Bo passes; the reveal message's id."""
    fake = running.fake
    await gather(running)
    await fake.slash(ADMIN, "bedtime", "glitch")
    await confess(fake, PLAYERS[0], SECRET, share=True)
    await confess(fake, PLAYERS[1], None)
    await confess(fake, PLAYERS[2], KIND, share=True)
    return fake.latest("Return to the dream")


def file_and_wal(database: Path) -> bytes:
    return database.read_bytes() + Path(f"{database}-wal").read_bytes()


def public(fake: FakeDiscord) -> str:
    return str([m for m in fake.messages.values() if not m["flags"] & 64])


async def test_boundaries_are_two_private_menus_that_save(running: Running) -> None:
    fake = running.fake
    await gather(running, 2)
    shown = await fake.slash(PLAYERS[0], "dream", "boundaries")
    assert shown.ephemeral
    message = shown.message_id or 0
    lines = fake.find(message, "🚫 Lines: never in my prompts")
    assert lines["min_values"] == 0
    assert len(lines["options"]) == len(running.bot.content.topics)
    saved = await fake.choose(
        PLAYERS[0], message, "🚫 Lines: never in my prompts", ["death", "grief"]
    )
    assert saved.response["type"] == 7
    assert "Lines: **Death, Grief**" in saved.text
    await fake.choose(PLAYERS[0], message, "🌫 Veils: only gentle prompts may touch", ["family"])
    campaign = (await running.bot.service.campaigns_in(GUILD_ID))[0]
    mine = await running.bot.safety.boundaries(campaign, PLAYERS[0].id)
    assert mine.lines == {"death", "grief"}
    assert mine.veils == {"family"}
    again = await fake.slash(PLAYERS[0], "dream", "boundaries")
    defaults = [
        o["value"]
        for o in fake.find(again.message_id or 0, "🚫 Lines: never in my prompts")["options"]
        if o.get("default")
    ]
    assert defaults == ["death", "grief"]
    assert "Death" not in public(fake)


async def test_only_hosts_can_hide_and_hiding_names_no_one(running: Running) -> None:
    fake = running.fake
    shown = await reveal(running)
    assert SECRET in public(fake)
    refused = await fake.click(PLAYERS[1], shown, "Hide a confession (host)")
    assert refused.ephemeral
    assert "Only admins" in refused.text
    offered = await fake.click(ADMIN, shown, "Hide a confession (host)")
    picker = offered.message_id or 0
    options = fake.find(picker, "Choose the confession to hide")["options"]
    target = next(o["value"] for o in options if SECRET[:40] in o["description"])
    done = await fake.choose(ADMIN, picker, "Choose the confession to hide", [target])
    assert "nobody was told who wrote it" in done.text
    assert SECRET not in public(fake)
    assert "hidden by the host" in str(fake.messages[shown]["embeds"])
    assert KIND in public(fake)
    assert "Ada" not in str(fake.messages[shown]["embeds"])


async def test_at_dawn_the_reveal_is_edited_and_the_text_is_gone(running: Running) -> None:
    fake = running.fake
    shown = await reveal(running)
    await fake.slash(ADMIN, "bedtime", "end")
    await running.tick()
    embeds = str(fake.messages[shown]["embeds"])
    assert SECRET not in embeds
    assert KIND not in embeds
    assert "faded at dawn" in embeds
    assert fake.messages[shown]["components"] == []
    assert SECRET not in public(fake)
    again = await fake.slash(PLAYERS[0], "dream", "chronicle")
    assert SECRET not in again.text


async def test_dawn_itself_takes_the_text_out_of_the_reveal(running: Running) -> None:
    fake = running.fake
    shown = await reveal(running)
    await fake.slash(ADMIN, "bedtime", "end")  # no scheduler tick: dawn's own flow does it
    # The recap's picture is drawn and added after the answer, and the fade follows it: on a
    # busy machine the drawing outlasts the fake's quiet spell, so wait for the picture.
    await fake.uploaded("constellation-1.png")
    embeds = str(fake.messages[shown]["embeds"])
    assert SECRET not in embeds
    assert KIND not in embeds
    assert "faded at dawn" in embeds
    assert await running.bot.safety.faded() == []  # nothing left for a later tick


def traces(database: Path, text: str) -> list[str]:
    """The database's files that still hold `text`."""
    found = []
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{database}{suffix}")
        if path.exists() and text.encode() in path.read_bytes():
            found.append(path.name)
    return found


@pytest.mark.sqlite_only  # SQLite's WAL behind an outside reader
async def test_a_reader_open_across_dawn_delays_the_scrub_only_until_it_lets_go(
    running: Running,
) -> None:
    fake = running.fake
    database = running.bot.settings.database_path
    await reveal(running)
    outside = sqlite3.connect(database, isolation_level=None)  # a backup or database browser
    try:
        outside.execute("BEGIN")
        outside.execute("SELECT count(*) FROM confessions").fetchall()  # holds its snapshot
        await fake.slash(ADMIN, "bedtime", "end")
        assert traces(database, SECRET) != []  # the open reader kept it, for now
        await running.tick()
        assert traces(database, SECRET) != []
    finally:
        outside.execute("COMMIT")
        outside.close()
    await running.tick()
    assert traces(database, SECRET) == []
    assert traces(database, KIND) == []


async def test_kept_confessions_stay_in_the_chronicle_when_the_admin_chooses(
    running: Running,
) -> None:
    fake = running.fake
    await gather(running)
    await fake.slash(ADMIN, "bedtime", "config", setting="keep_confessions", value="on")
    await fake.slash(ADMIN, "bedtime", "end")
    await fake.slash(ADMIN, "bedtime", "open")
    for user in PLAYERS[:3]:
        await fake.click(user, fake.latest("Join"), "Join")
    await fake.slash(ADMIN, "bedtime", "start")
    await fake.slash(ADMIN, "bedtime", "glitch")
    await confess(fake, PLAYERS[0], SECRET, share=True)
    await confess(fake, PLAYERS[1], None)
    await confess(fake, PLAYERS[2], KIND, share=True)
    shown = fake.latest("Return to the dream")
    await fake.slash(ADMIN, "bedtime", "end")
    await running.tick()
    assert SECRET in str(fake.messages[shown]["embeds"])
    assert fake.find(shown, "Hide a confession (host)")  # the host can still take one down
    chronicle = await fake.slash(PLAYERS[1], "dream", "chronicle")
    assert SECRET in chronicle.text

    await running.tick()  # a settled reveal is not edited again and again
    edits = [r for r in fake.requests if r[0] == "PATCH" and r[1].endswith(f"/{shown}")]
    assert len(edits) == 1
    offered = await fake.click(ADMIN, shown, "Hide a confession (host)")
    picker = offered.message_id or 0
    options = fake.find(picker, "Choose the confession to hide")["options"]
    target = next(o["value"] for o in options if SECRET[:40] in o["description"])
    await fake.choose(ADMIN, picker, "Choose the confession to hide", [target])
    assert SECRET not in str(fake.messages[shown]["embeds"])
    assert KIND in str(fake.messages[shown]["embeds"])
    later = [r for r in fake.requests if r[0] == "PATCH" and r[1].endswith(f"/{shown}")]
    assert len(later) == len(edits) + 1
    again = await fake.slash(PLAYERS[1], "dream", "chronicle")
    assert SECRET not in again.text


async def test_mydata_then_forget_me(running: Running) -> None:
    fake = running.fake
    await gather(running, 2)
    await fake.slash(ADMIN, "bedtime", "end")
    await fake.uploaded("constellation-1.png")
    exported = await fake.slash(PLAYERS[0], "dream", "mydata")
    assert exported.ephemeral
    assert fake.uploads[-1][0] == "bedtime-my-data.json"
    data = fake.uploads[-1][1]
    mine = json.loads(data)
    assert mine["player"]["user_id"] == PLAYERS[0].id
    assert [c["name"] for c in mine["characters"]] == ["Ada"]

    asked = await fake.slash(PLAYERS[0], "dream", "forget-me")
    assert asked.ephemeral
    assert "can't be undone" in asked.text
    gone = await fake.click(PLAYERS[0], asked.message_id or 0, "Yes, delete all my data")
    assert "Everything Bedtime stored about you is deleted" in gone.text
    assert await running.bot.service.player(PLAYERS[0].id) is None
    if running.bot.settings.database_url is None:  # PostgreSQL's files: test_postgres.py
        on_disk = file_and_wal(running.bot.settings.database_path)
        assert PLAYERS[0].id.to_bytes(8, "big") not in on_disk
        assert b"Ada" not in on_disk
    nothing = await fake.slash(PLAYERS[0], "dream", "mydata")
    assert "nothing stored" in nothing.text
    chronicle = await fake.slash(PLAYERS[1], "dream", "chronicle")
    assert "a dreamer who has left" in chronicle.text


async def test_an_admin_forgets_a_user_who_left(running: Running) -> None:
    fake = running.fake
    await gather(running, 2)
    refused = await fake.slash(ADMIN, "bedtime", "forget", user=PLAYERS[1])
    assert "session under way" in refused.text
    await fake.slash(ADMIN, "bedtime", "end")
    denied = await fake.slash(PLAYERS[0], "bedtime", "forget", user=PLAYERS[1])
    assert "Only admins" in denied.text
    done = await fake.slash(ADMIN, "bedtime", "forget", user=PLAYERS[1])
    assert done.ephemeral
    assert "deleted" in done.text
    assert await running.bot.service.player(PLAYERS[1].id) is None


async def test_admins_manage_the_campaigns_own_prompts(running: Running) -> None:
    fake = running.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    topics = await fake.autocomplete(
        ADMIN, "bedtime", "prompts", "add", focused="topics", value="family,gr"
    )
    assert [c["value"] for c in topics] == ["family,grief"]
    added = await fake.slash(
        ADMIN,
        "bedtime",
        "prompts",
        "add",
        category="hope",
        text="What do you hope {other} keeps?",
        topics="family",
    )
    assert "Added" in added.text
    bad = await fake.slash(
        ADMIN, "bedtime", "prompts", "add", category="fear", text="Who is {nobody}?"
    )
    assert bad.ephemeral
    assert "placeholder" in bad.text

    pack = {"prompts": [{"category": "memory", "text": f"Memory number {n}"} for n in range(12)]}
    imported = await fake.slash(
        ADMIN,
        "bedtime",
        "prompts",
        "import",
        file=fake.attachment("pack.json", json.dumps(pack).encode()),
    )
    assert "Imported 12 prompts" in fake.everything_said(imported)
    listed = await fake.slash(ADMIN, "bedtime", "prompts", "list")
    assert listed.ephemeral
    assert "(13 of 500)" in listed.text
    assert "Page 1 of 2" in listed.text
    later = await fake.click(ADMIN, listed.message_id or 0, "Later ▶")
    assert "Page 2 of 2" in later.text

    broken = {
        "prompts": [{"category": "memory", "text": "fine"}, {"category": "nope", "text": "x"}]
    }
    refused = await fake.slash(
        ADMIN,
        "bedtime",
        "prompts",
        "import",
        file=fake.attachment("broken.json", json.dumps(broken).encode()),
    )
    assert "Nothing was imported" in fake.everything_said(refused)
    assert "prompt 2: category" in fake.everything_said(refused)
    huge = await fake.slash(
        ADMIN,
        "bedtime",
        "prompts",
        "import",
        file=fake.attachment("huge.toml", b"#" * (300 * 1024)),
    )
    assert "at most 256 KiB" in huge.text
    choices = await fake.autocomplete(
        ADMIN, "bedtime", "prompts", "remove", focused="prompt", value="keeps"
    )
    assert len(choices) == 1
    removed = await fake.slash(ADMIN, "bedtime", "prompts", "remove", prompt=choices[0]["value"])
    assert "Removed" in removed.text
    campaign = (await running.bot.service.campaigns_in(GUILD_ID))[0]
    assert len(await running.bot.safety.prompts(campaign)) == 12
    player = await fake.slash(PLAYERS[0], "bedtime", "prompts", "list")
    assert "Only admins" in player.text


async def test_with_builtins_off_only_the_campaigns_prompts_are_dealt(running: Running) -> None:
    fake = running.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    await fake.slash(ADMIN, "bedtime", "prompts", "add", category="hope", text="A hope of ours")
    await fake.slash(ADMIN, "bedtime", "config", setting="builtin_prompts", value="off")
    await fake.slash(ADMIN, "bedtime", "open")
    for user, archetype in zip(PLAYERS[:2], ["skeptic", "artist"], strict=True):
        await join_new(fake, user, archetype, user.name)
    await fake.slash(ADMIN, "bedtime", "start")
    await fake.slash(ADMIN, "bedtime", "glitch")
    campaign = (await running.bot.service.campaigns_in(GUILD_ID))[0]
    for user in PLAYERS[:2]:
        _, prompt = await running.bot.service.my_prompt(campaign, user.id)
        assert prompt.text == "A hope of ours" or dealer.is_fallback(prompt)


async def test_a_server_that_removes_the_bot_is_purged_after_30_days(running: Running) -> None:
    fake = running.fake
    await gather(running, 2)
    await fake.slash(ADMIN, "bedtime", "end")
    await fake.remove_bot()
    running.clock.advance(days=29)
    await running.tick()
    assert await running.bot.service.campaigns_in(GUILD_ID) != []
    running.clock.advance(days=2)
    await running.tick()
    assert await running.bot.service.campaigns_in(GUILD_ID) == []
    assert await running.bot.service.player(PLAYERS[0].id) is None


async def test_no_confession_or_x_press_reaches_the_logs_even_at_debug(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    logs.configure(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    try:
        fake = running.fake
        await gather(running)
        await fake.slash(ADMIN, "bedtime", "glitch")
        faced = await fake.click(PLAYERS[1], fake.latest("Face your prompt"), "Face your prompt")
        await fake.click(PLAYERS[1], faced.message_id or 0, "X")
        await confess(fake, PLAYERS[0], SECRET, share=True)
        await confess(fake, PLAYERS[1], "a private thing I typed", share=False)
        await confess(fake, PLAYERS[2], KIND, share=True)
        await fake.slash(ADMIN, "bedtime", "end")
        await running.tick()
    finally:
        logs.configure(logging.WARNING)
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args}" for r in caplog.records)
    # The bot itself logged, so the search means something (not only the fake's access log,
    # which aiohttp writes only on connections opened after the level was lowered).
    assert any(r.name.startswith("bot.") for r in caplog.records)
    for secret in (SECRET, KIND, "a private thing I typed"):
        assert secret not in text
    x_lines = [r for r in caplog.records if "soft" in r.getMessage().lower()]
    assert all(str(PLAYERS[1].id) not in r.getMessage() for r in x_lines)
    assert str(PLAYERS[1].id) not in text


async def _circle_view(fake: FakeDiscord, tmp: Path, content: Content, bo_does: str) -> list[Any]:
    """What the circle sees of one glitch, with Discord's own ids taken out."""
    running = await start_bot(fake, tmp / "bot.db", content, SimClock(NIGHT))
    try:
        await gather(running)
        await fake.slash(ADMIN, "bedtime", "glitch")
        if bo_does == "x":
            faced = await fake.click(
                PLAYERS[1], fake.latest("Face your prompt"), "Face your prompt"
            )
            await fake.click(PLAYERS[1], faced.message_id or 0, "X")
        elif bo_does == "x-by-cy":
            faced = await fake.click(
                PLAYERS[2], fake.latest("Face your prompt"), "Face your prompt"
            )
            await fake.click(PLAYERS[2], faced.message_id or 0, "X")
        await confess(fake, PLAYERS[0], SECRET, share=True)
        if bo_does == "private":
            await confess(fake, PLAYERS[1], "only for me", share=False)
        else:
            await confess(fake, PLAYERS[1], None)
        await confess(fake, PLAYERS[2], KIND, share=True)
        for user in PLAYERS[:3]:
            await fake.click(user, fake.latest("Return to the dream"), "Return to the dream")
        await fake.slash(ADMIN, "bedtime", "end")
        await running.tick()
    finally:
        await stop_bot(running)
    return [
        (m["content"], m["embeds"], m["components"])
        for m in fake.messages.values()
        if not m["flags"] & 64
    ]


@pytest.mark.parametrize(("one", "other"), [("pass", "private"), ("x", "x-by-cy")])
async def test_the_circle_cannot_tell_who_passed_or_who_pressed_x(
    tmp_path: Path, content: Content, one: str, other: str
) -> None:
    views = []
    for run, what in enumerate((one, other)):
        fake = FakeDiscord()
        await fake.start()
        try:
            (tmp_path / str(run)).mkdir()
            views.append(await _circle_view(fake, tmp_path / str(run), content, what))
            fake.assert_clean()
        finally:
            await fake.stop()
    assert views[0] == views[1]
    assert any("Dawn" in str(view) for view in views[0])  # the runs reached dawn
