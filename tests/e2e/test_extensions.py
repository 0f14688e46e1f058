"""The Discord floor as loaded: every extension together, with no two commands, controls or
modals claiming one name, and every event the circle is told drawn by something."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from discord import app_commands, ui

from bot.core.events import KINDS
from bot.discord import controls
from bot.discord.client import EXTENSIONS
from bot.discord.presenting import ANNOUNCED, presents
from tests.e2e.conftest import Running


def qualified_names(tree: app_commands.CommandTree[Any]) -> list[str]:
    names: list[str] = []

    def walk(command: app_commands.Command[Any, ..., Any] | app_commands.Group) -> None:
        names.append(command.qualified_name)
        if isinstance(command, app_commands.Group):
            for child in command.commands:
                walk(child)

    for command in tree.get_commands():
        walk(command)  # type: ignore[arg-type]
    return names


def test_every_extension_loads_and_no_command_name_is_claimed_twice(running: Running) -> None:
    bot = running.bot
    assert sorted(bot.extensions) == sorted(EXTENSIONS)
    names = qualified_names(bot.tree)
    assert [n for n, c in Counter(names).items() if c > 1] == []
    assert {"dream join", "bedtime open", "bedtime prompts add"} <= set(names)


def test_no_two_controls_share_a_custom_id_pattern(running: Running) -> None:
    # The patterns discord.py routes component interactions by.
    registered = running.bot._connection._view_store._dynamic_items
    patterns = [p.pattern for p in registered]
    assert len(patterns) == len(set(patterns))
    defined = {p for p in controls.PREFIXES if not p.startswith("bt:m:")}
    routed = {cls.prefix for cls in registered.values()}
    assert defined == routed, "a control defined but never registered, or the other way"
    assert not any(a != b and b.startswith(a + ":") for a in routed for b in routed)


def test_every_modal_has_its_handler(running: Running) -> None:
    assert set(controls.MODALS) == {"bt:m:name", "bt:m:confess", "bt:m:rename"}
    prefixes = [route.prefix for route in controls.MODALS.values()]
    assert len(prefixes) == len(set(prefixes))


def test_every_event_the_circle_is_told_is_drawn(running: Running) -> None:
    """A crash must not lose a post: the kinds the service holds (those `told`) are exactly
    the kinds the Discord floor announces or draws as messages of their own."""
    told = {cls for cls in KINDS.values() if cls.told}
    drawn = {cls for cls in KINDS.values() if cls in presents}
    assert set(ANNOUNCED) | drawn == told
    assert not set(ANNOUNCED) & drawn


def test_a_second_control_claiming_a_prefix_is_refused(running: Running) -> None:
    with pytest.raises(TypeError, match="bt:join"):

        class Imposter(controls.Control[ui.Button[Any]], prefix="join"):
            pass
