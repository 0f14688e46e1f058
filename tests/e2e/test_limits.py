"""Whatever players type, the bot's replies stay within Discord's limits and never ping."""

from __future__ import annotations

from fakecord import User
from tests.e2e.conftest import ADMIN, Running
from tests.e2e.test_session import confess, join_new

NASTY = "@everyone <@&123456789012345678> **bold** `code` ‮reversed‬ " * 30
CROWD = [User(200_000_000_000_000_000 + n, f"P{n}") for n in range(8)]
ARCHETYPES = [
    "influencer",
    "skeptic",
    "dreamweaver",
    "sleeper",
    "neuroscientist",
    "architect",
    "parent",
    "artist",
]


async def test_eight_long_shared_confessions_fit_in_one_reveal(running: Running) -> None:
    fake = running.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    await fake.slash(ADMIN, "bedtime", "config", setting="named_reveals", value="on")
    await fake.slash(ADMIN, "bedtime", "open")
    for n, (user, archetype) in enumerate(zip(CROWD, ARCHETYPES, strict=True)):
        name = f"@everyone *{n}* " + "W" * 20
        joined = await join_new(fake, user, archetype, name[:32])
        assert "Welcome" in joined.text, joined.text
    await fake.slash(ADMIN, "bedtime", "start")
    await fake.slash(ADMIN, "bedtime", "glitch")
    for user in CROWD:
        await confess(fake, user, NASTY[:1000], share=True)
    reveal = fake.messages[fake.latest("Return to the dream")]
    assert len(reveal["embeds"][0]["fields"]) == 8
    assert "@everyone" not in str(reveal["embeds"]).replace("@\u200beveryone", "")
    assert len(reveal["components"]) <= 5
    assert not fake.violations


async def test_a_round_and_a_dawn_of_eight_long_names_fit(running: Running) -> None:
    """The richer narration, the causes of the Mesh's change and the finds of a night, at
    eight dreamers with the longest names, stay within every limit."""
    fake = running.fake
    await fake.slash(ADMIN, "bedtime", "setup", channel=str(running.channel))
    await fake.slash(ADMIN, "bedtime", "open")
    for n, (user, archetype) in enumerate(zip(CROWD, ARCHETYPES, strict=True)):
        await join_new(fake, user, archetype, (f"{n}" + "W" * 40)[:32])
    await fake.slash(ADMIN, "bedtime", "start")
    round_message = fake.latest("Anchor")
    for n, user in enumerate(CROWD):
        await fake.click(user, round_message, ("Explore", "Anchor", "Dive", "Anchor")[n % 4])
    told = str(list(fake.messages.values()))
    assert "drift" in told  # the causes of the change are shown
    ended = await fake.slash(ADMIN, "bedtime", "end")
    assert "Dawn" in ended.text
    assert not fake.violations
