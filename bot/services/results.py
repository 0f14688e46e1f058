"""What services answer: a move's events with the state after it, and read-only looks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.events import Event
from bot.core.models import Circle, Session
from bot.core.rest import RestProgress


@dataclass(slots=True)
class MoveResult:
    """What a move did: its events, and the state after it, for rendering names and numbers."""

    events: list[Event]
    circle: Circle
    session: Session | None
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A read-only look at a campaign and its current session."""

    circle: Circle
    session: Session | None


@dataclass(frozen=True, slots=True)
class RestResult:
    logged_at: datetime
    progress: dict[str, RestProgress] = field(default_factory=dict)  # by campaign id
    newly_rested: list[str] = field(default_factory=list)  # character ids
