"""Content is data: a ninth archetype, a fifth action and a new house rule are each added by
editing files in data/ alone (README, "For developers"). Each test loads the shipped content
plus its addition from a temporary data/ folder and plays it through the services."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from bot.content import DATA_DIR, ContentError, load_content
from bot.core import house_rules
from bot.core.events import RoundResolved
from bot.render import embeds, text
from bot.services import Bedtime, SimClock
from bot.store import Database
from tests.conftest import NIGHT

NINTH = """
[[archetype]]
key = "lighthouse"
name = "The Lighthouse Keeper"
inspired_by = "kept a light burning for ships that never came"
theme = "waiting, faithfulness"
leans = ["loneliness"]

[archetype.signature]
key = "beam"
label = "Beam"
emoji = "🗼"
description = "Sweep the dark: every dreamer sees the way for a moment."
narration = "{name} turns the great lamp, and for a breath the whole dream is lit."
effect = { stability = 6, lucidity_all = 1 }

[[archetype.arc]]
name = "First Light"
description = "Kept the circle steady."
requires = "anchors"
at_least = 1

[[archetype.arc]]
name = "Long Watch"
description = "Came back to the dream."
requires = "sessions"
at_least = 2

[[archetype.arc]]
name = "Homecoming"
description = "Brought someone back."
requires = "rescues"
at_least = 1
"""

FIFTH = """
[[action]]
key = "hold"
label = "Hold"
emoji = "🫂"
description = "Hold another dreamer's hand. The Mesh softens around you both."
effect = { stability = 3, bond = 1, needs_target = true }
"""

RULE = """
[[house_rule]]
key = "quiet_hour"
description = "the hour after which the bot posts nothing (0-23)"
kind = "whole"
min = 0
max = 23
default = 22
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("*.db*"))
    return target


def add(data: Path, name: str, extra: str) -> None:
    path = data / name
    path.write_text(path.read_text() + extra)


def narrate(data: Path, action: str) -> None:
    """Give every dreamscape a line for the action."""
    path = data / "dreamscapes.toml"
    line = f'{action} = ["{{name}} and {{target}} {action} while the dream hums."]\n'
    path.write_text(
        path.read_text().replace("[dreamscape.narration]\n", f"[dreamscape.narration]\n{line}")
    )


async def service_on(content_dir: Path, tmp_path: Path) -> tuple[Bedtime, Database]:
    database = await Database.open(tmp_path / "more.db")
    return Bedtime(database, load_content(content_dir), SimClock(NIGHT), random.Random(3)), database


async def test_a_ninth_archetype_is_a_toml_entry(data: Path, tmp_path: Path) -> None:
    add(data, "archetypes.toml", NINTH)
    service, database = await service_on(data, tmp_path)
    try:
        assert "lighthouse" in service.content.archetype_by_key
        campaign = await service.setup(1, 10)
        await service.open(campaign)
        await service.join(campaign, 101, archetype="lighthouse", name="Wick")
        await service.join(campaign, 102, archetype="skeptic", name="Ada")
        await service.start(campaign)
        await service.act(campaign, 101, "signature")
        result = await service.act(campaign, 102, "anchor")
        resolved = next(e for e in result.events if isinstance(e, RoundResolved))
        cast = embeds.cast_for(service.content, result.circle)
        assert "turns the great lamp" in "\n".join(text.render(resolved, cast))
        wick = result.circle.characters[resolved.beats[0].character]
        assert "Lighthouse" in str(embeds.sheet_embed(cast, wick).to_dict())
    finally:
        await database.close()


async def test_a_fifth_action_is_a_toml_entry_and_its_narration(data: Path, tmp_path: Path) -> None:
    add(data, "actions.toml", FIFTH)
    narrate(data, "hold")
    service, database = await service_on(data, tmp_path)
    try:
        campaign = await service.setup(1, 10)
        await service.open(campaign)
        await service.join(campaign, 101, archetype="skeptic", name="Ada")
        await service.join(campaign, 102, archetype="artist", name="Bo")
        table = await service.start(campaign)
        bo = next(c.id for c in table.circle.characters.values() if c.name == "Bo")
        await service.act(campaign, 101, "hold", bo)
        result = await service.act(campaign, 102, "anchor")
        resolved = next(e for e in result.events if isinstance(e, RoundResolved))
        cast = embeds.cast_for(service.content, result.circle)
        assert "Ada and Bo hold while the dream hums." in "\n".join(text.render(resolved, cast))
        assert result.circle.bond(resolved.beats[0].character, bo) == 1
        session = result.session
        assert session is not None
        ada = session.dreamers[resolved.beats[0].character]
        assert ada.tally.count("hold") == 1
    finally:
        await database.close()


def test_an_action_without_narration_somewhere_is_refused_by_name(data: Path) -> None:
    add(data, "actions.toml", FIFTH)
    with pytest.raises(ContentError, match=r"dreamscape 'slumber_party': no narration for 'hold'"):
        load_content(data)


def test_an_action_naming_a_rule_the_core_lacks_is_refused(data: Path, tmp_path: Path) -> None:
    add(
        data,
        "actions.toml",
        FIFTH.replace("needs_target = true }", 'needs_target = true }\nrule = "teleport"'),
    )
    narrate(data, "hold")
    with pytest.raises(ContentError, match="teleport"):
        Bedtime(None, load_content(data), SimClock(NIGHT))  # type: ignore[arg-type]


async def test_a_new_house_rule_is_a_toml_entry(data: Path, tmp_path: Path) -> None:
    add(data, "house_rules.toml", RULE)
    service, database = await service_on(data, tmp_path)
    try:
        campaign = await service.setup(1, 10)
        assert house_rules.current(service.content, campaign.settings)["quiet_hour"] == 22
        with pytest.raises(house_rules.BadSetting, match="0 to 23"):
            await service.configure(campaign, "quiet_hour", "24")
        await service.configure(campaign, "quiet_hour", "5")
        stored = await service.campaign(1, 10)
        assert stored is not None
        assert stored.settings.value("quiet_hour") == 5
        assert house_rules.current(service.content, stored.settings)["quiet_hour"] == 5
        assert house_rules.current(service.content, stored.settings)["rounds"] == 6
    finally:
        await database.close()


def test_the_shipped_house_rules_cover_every_session_rule() -> None:
    content = load_content()
    declared = {rule.key for rule in content.house_rules}
    assert declared >= house_rules.SESSION_RULES
    assert re.fullmatch(r"[a-z_]+", "".join(declared))
