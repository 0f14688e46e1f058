"""Hostile input in every string a user can send: the bot handles it or refuses it clearly and
privately. It never pings, never breaks Discord's limits, never crashes, never half-writes."""

from __future__ import annotations

import json
import logging

import pytest

from bot.core import house_rules
from fakecord import User
from tests.e2e.conftest import ADMIN, PLAYERS, Running
from tests.e2e.test_session import confess, join_new

NASTY = [
    "@everyone",
    "@here hello",
    f"<@{PLAYERS[1].id}> look",
    "<@&123456789012345678>",
    "**bold** __under__ `code` ||spoiler|| > quote [link](http://127.0.0.1/)",
    "zero\u200bwidth\u200b",
    "\u202eright to left",
    "x" * 4000,
    "🌙✨💜" * 30,
    "'; DROP TABLE characters; --",
    "Robert'); DELETE FROM players; --",
    "nul\x00byte",
    "{other} {0} {__class__}",
    "\n\n\n",
    "²h",  # unicode digits pass str.isdigit() but not int()
    "¹¹" * 9,
    "9" * 5000,
]


def clean(running: Running, caplog: pytest.LogCaptureFixture) -> None:
    """No limit broken, nobody pinged, and nothing failed unexpectedly (no apology logged)."""
    assert not running.fake.violations, running.fake.violations
    assert not running.fake.pings
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_hostile_names_are_refused_or_kept_harmless(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    fake = running.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    await fake.slash(ADMIN, "bedtime", "open")
    names = []
    for n, name in enumerate(NASTY):
        user = User(200_000_000_000_000_000 + n, f"Guest{n}")
        joined = await join_new(fake, user, "artist", name)
        assert joined.ephemeral
        if "Welcome" in joined.text:
            names.append(name)
            left = await fake.slash(user, "dream", "leave")
            assert left.responses
    assert "@everyone" in names  # allowed, as plain text that pings nobody
    assert "x" * 4000 not in names
    assert "zero\u200bwidth\u200b" not in names
    lobby = str(fake.messages[fake.latest("Join")]["embeds"])
    assert "@everyone" not in lobby.replace("@\u200beveryone", "")
    clean(running, caplog)


async def test_hostile_confessions_and_prompts_and_settings(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    fake = running.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    for text in NASTY:
        added = await fake.slash(
            ADMIN, "bedtime", "prompts", "add", category="hope", text=text[:300]
        )
        assert added.ephemeral
    for rule in house_rules.rules(running.bot.content):
        for value in [*NASTY[:6], NASTY[7], *NASTY[-3:]]:
            answered = await fake.slash(ADMIN, "bedtime", "config", setting=rule, value=value)
            assert answered.ephemeral
    junk = [
        ("nested.json", b"[" * 50_000 + b"]" * 50_000),
        ("latin1.toml", "prompts = ['caf\xe9']".encode("latin-1")),
        ("wide.json", json.dumps({"prompts": [{"category": "hope", "text": "y"}] * 600}).encode()),
        (
            "mentions.json",
            json.dumps({"prompts": [{"category": "hope", "text": NASTY[0]}]}).encode(),
        ),
    ]
    for filename, data in junk:
        sent = await fake.slash(
            ADMIN, "bedtime", "prompts", "import", file=fake.attachment(filename, data)
        )
        assert sent.ephemeral
    listed = await fake.slash(ADMIN, "bedtime", "prompts", "list")
    assert listed.ephemeral

    await fake.slash(ADMIN, "bedtime", "config", setting="builtin_prompts", value="on")
    await fake.slash(ADMIN, "bedtime", "open")
    for user, archetype in zip(PLAYERS[:3], ["skeptic", "artist", "sleeper"], strict=True):
        await join_new(fake, user, archetype, user.name)
    await fake.slash(ADMIN, "bedtime", "start")
    await fake.slash(ADMIN, "bedtime", "glitch")
    for user, text in zip(PLAYERS[:2], [NASTY[0], NASTY[6]], strict=True):
        answered = await confess(fake, user, text, share=True)
        assert answered.responses
    too_long = await confess(fake, PLAYERS[2], NASTY[7], share=True)
    assert too_long.ephemeral
    assert "at most" in too_long.text
    await confess(fake, PLAYERS[2], None)
    reveal = str(fake.messages[fake.latest("Return to the dream")]["embeds"])
    assert "\u202e" not in reveal
    await fake.slash(ADMIN, "bedtime", "end")
    await running.tick()
    clean(running, caplog)


async def test_forged_values_in_controls_get_a_clear_refusal(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    fake = running.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    await fake.slash(ADMIN, "bedtime", "open")
    lobby = fake.latest("Join")
    session = fake.find(lobby, "Join")["custom_id"].split(":")[2]
    for value in ("nosuch", "x" * 100, "Skeptic", "skeptic\u0000"):
        refused = await fake.forge(PLAYERS[0], lobby, f"bt:arch:{session}:{lobby}", [value])
        assert refused.ephemeral
        assert "archetype" in refused.text
    for user, archetype in zip(PLAYERS[:2], ["skeptic", "artist"], strict=True):
        await join_new(fake, user, archetype, user.name)
    await fake.slash(ADMIN, "bedtime", "start")
    await fake.slash(ADMIN, "bedtime", "glitch")
    await confess(fake, PLAYERS[0], "shared", share=True)
    await confess(fake, PLAYERS[1], None)
    reveal = fake.latest("Return to the dream")
    for glitch in (0, 2, 99, 10**30):
        refused = await fake.forge(ADMIN, reveal, f"bt:hide:{session}:{glitch}")
        assert refused.ephemeral
        assert "not part of this session" in refused.text
    for round_number in (0, 10**30):
        stale = await fake.forge(PLAYERS[0], reveal, f"bt:act:{session}:{round_number}:anchor")
        assert stale.ephemeral
    clean(running, caplog)
