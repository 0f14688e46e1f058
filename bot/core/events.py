"""What moves return: events with an audience and structured data, rendered only at the edge."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

# Kinds the circle is told in a message of their own (cogs/posts.py draws them), as opposed to
# changes shown by redrawing the message a player pressed.
TOLD = frozenset(
    {
        "lobby_opened",
        "session_started",
        "round_started",
        "round_resolved",
        "glitch_began",
        "revealed",
        "dawn",
        "rescued",
        "recovered",
        "round_resumed",
        "reset",
        "postponed",
        "left",
        "renamed",
        "retired",
    }
)


class Audience(StrEnum):
    CIRCLE = "circle"
    DREAMER = "dreamer"
    ADMINS = "admins"


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened. `data` holds ids and numbers, never rendered text."""

    kind: str
    audience: Audience = Audience.CIRCLE
    dreamer: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


def to_circle(kind: str, **data: Any) -> Event:
    return Event(kind, Audience.CIRCLE, None, data)


def to_dreamer(character_id: str, kind: str, **data: Any) -> Event:
    return Event(kind, Audience.DREAMER, character_id, data)


def to_admins(kind: str, **data: Any) -> Event:
    return Event(kind, Audience.ADMINS, None, data)


def dump(events: list[Event]) -> str:
    return json.dumps([asdict(e) for e in events])


def load(text: str) -> list[Event]:
    return [
        Event(e["kind"], Audience(e["audience"]), e["dreamer"], e["data"]) for e in json.loads(text)
    ]
