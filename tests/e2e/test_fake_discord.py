"""The fake itself: its checks must be able to fail, or a clean run would prove nothing."""

from __future__ import annotations

import pytest

from fakecord import limits
from fakecord.schema import OpenApi

SPEC = OpenApi()
needs_spec = pytest.mark.skipif(
    not SPEC.available, reason="../shared/discord-api-spec/openapi.json is not beside the project"
)


def test_message_limits_are_enforced() -> None:
    assert limits.message({"content": "x" * 2000}) == []
    assert limits.message({"content": "x" * 2001})
    embed = {"title": "t" * 257}
    assert any("title" in p for p in limits.message({"embeds": [embed]}))
    big = [{"description": "d" * 4000} for _ in range(2)]
    assert any("6000" in p for p in limits.message({"embeds": big}))
    row = {
        "type": 1,
        "components": [{"type": 2, "custom_id": f"b{n}", "label": "x"} for n in range(6)],
    }
    assert any("max 5" in p for p in limits.message({"components": [row]}))
    twice = {
        "type": 1,
        "components": [{"type": 2, "custom_id": "same"}, {"type": 2, "custom_id": "same"}],
    }
    assert any("twice" in p for p in limits.message({"components": [twice]}))


def test_modal_and_command_limits_are_enforced() -> None:
    assert limits.modal({"title": "x" * 46, "components": []})
    commands = [{"name": "Dream", "description": "ok"}]
    assert limits.commands(commands)
    ordered = [
        {
            "name": "x",
            "description": "d",
            "options": [
                {"name": "a", "description": "d", "type": 3},
                {"name": "b", "description": "d", "type": 3, "required": True},
            ],
        }
    ]
    assert any("required option after" in p for p in limits.commands(ordered))


@needs_spec
def test_bodies_that_break_discords_schema_are_refused() -> None:
    good = {"type": 4, "data": {"content": "hello"}}
    assert SPEC.problems("POST", "/api/v10/interactions/1/tok/callback", good) == []
    bad = {"type": 4, "data": {"content": 12, "embeds": "not a list"}}
    assert SPEC.problems("POST", "/api/v10/interactions/1/tok/callback", bad)
    assert SPEC.problems("POST", "/api/v10/channels/1/messages", {"embeds": [{"title": 5}]})
