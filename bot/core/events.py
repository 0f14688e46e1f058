"""What moves return: one frozen class per kind of event, with its audience, rendered only at the
edge. Renderers dispatch on the class (see bot/render/present.py), never on a string.

An event's `told` says whether the circle is told it in a message of its own, as opposed to a
change shown by redrawing the message a player pressed: a move that makes a told event owes the
circle a post, which is written to the outbox in the move's own transaction.

Stored events (the outbox) keep the shape `{"kind", "audience", "dreamer", "data"}` that the
untyped events of earlier versions had, so that owed posts written by them still load.
"""

from __future__ import annotations

import json
import logging
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from bot.core.models import ChronicleEntry

log = logging.getLogger(__name__)


class Audience(StrEnum):
    CIRCLE = "circle"
    DREAMER = "dreamer"
    ADMINS = "admins"


class Event(BaseModel):
    """One thing that happened: ids and numbers, never rendered text."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: ClassVar[str] = ""
    audience: ClassVar[Audience] = Audience.CIRCLE
    told: ClassVar[bool] = False
    # Carries a confession's words (the one exception to "never rendered text"): stored owed
    # posts that hold it are sealed like the confession itself.
    confides: ClassVar[bool] = False

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.kind:
            if cls.kind in KINDS:
                raise TypeError(f"two event classes are called {cls.kind!r}")
            KINDS[cls.kind] = cls

    @property
    def dreamer(self) -> str | None:
        """The one dreamer a private event is for."""
        return None


KINDS: dict[str, type[Event]] = {}


class ToDreamer(Event):
    """An event for one dreamer's eyes only."""

    audience: ClassVar[Audience] = Audience.DREAMER
    to: str  # character id

    @property
    def dreamer(self) -> str | None:
        return self.to


class ToAdmins(Event):
    audience: ClassVar[Audience] = Audience.ADMINS


# --- the lobby ---


class LobbyOpened(Event):
    kind = "lobby_opened"
    told = True
    session: str
    number: int
    deadline: str
    min_players: int
    max_players: int


class Previously(Event):
    kind = "previously"
    entry: ChronicleEntry


class CharacterCreated(ToDreamer):
    kind = "character_created"
    character: str


class Joined(Event):
    kind = "joined"
    character: str
    returning: bool
    late: bool
    adrift: bool
    count: int


class Kicked(ToAdmins):
    kind = "kicked"
    character: str


class Left(Event):
    kind = "left"
    told = True
    character: str
    kicked: bool


class Postponed(Event):
    kind = "postponed"
    told = True
    number: int
    until: str
    joined: int
    needed: int


class SessionStarted(Event):
    kind = "session_started"
    told = True
    number: int
    dreamscape: str
    stability: int
    baseline: int
    dreamers: list[str]
    rested: list[str]
    adrift: list[str]


# --- the rounds ---


class RoundStarted(Event):
    kind = "round_started"
    told = True
    dreamscape: str
    round: int
    rounds: int
    scene: int
    stability: int
    entered: list[str]
    dreamers: list[str]
    deadline: str


class Acted(Event):
    kind = "acted"
    character: str
    round: int
    acted: int
    of: int


class Beat(BaseModel):
    """One dreamer's part in a resolved round, as indices into the content: `line` into the
    pool of lines for its action and `variant` (None: the dreamscape's own lines, as beats
    stored before variants had), `find` and `detail` into the dreamscape's own."""

    model_config = ConfigDict(frozen=True)

    character: str
    action: str
    target: str | None = None
    line: int = 0
    variant: str | None = None
    flavour: str | None = None  # the archetype whose own lines joined the pool, if any
    find: int | None = None
    detail: int | None = None


class Cause(BaseModel):
    """One part of a round's change of stability: the drift, or a dreamer's action."""

    model_config = ConfigDict(frozen=True)

    amount: int
    character: str | None = None  # None: the Mesh's own drift
    action: str | None = None


class RoundResolved(Event):
    kind = "round_resolved"
    told = True
    dreamscape: str
    round: int
    beats: list[Beat]
    stability_before: int
    stability: int
    fragments: int = 0
    causes: list[Cause] = []
    reaching: dict[str, int] = {}  # an Adrift dreamer -> the shares that reached them so far
    needed: int = 0  # shares that bring one back


class Rescued(Event):
    kind = "rescued"
    told = True
    character: str
    by: list[str]


# --- the glitch ---


class GlitchBegan(Event):
    kind = "glitch_began"
    told = True
    number: int
    trigger: str
    round: int
    stability: int
    dreamscape: str


class Confessing(Event):
    kind = "confessing"
    deadline: str
    of: int


class PromptDealt(ToDreamer):
    kind = "prompt_dealt"
    confession: str
    prompt: str
    other: str | None = None
    deadline: str | None = None
    redealt: bool = False


class Answered(ToDreamer):
    kind = "answered"
    confession: str
    shared: bool


class Passed(ToDreamer):
    kind = "passed"
    confession: str


class SoftenSpent(ToDreamer):
    kind = "soften_spent"


class Softened(Event):
    kind = "softened"
    deadline: str | None = None


class ConfessionSettled(Event):
    kind = "confession_settled"
    settled: int
    of: int


class Card(BaseModel):
    """One shared confession as the reveal shows it: the author only when reveals are named."""

    model_config = ConfigDict(frozen=True)

    card: str = ""
    category: str
    text: str
    author: str | None = None


class Revealed(Event):
    kind = "revealed"
    told = True
    confides = True
    number: int
    items: list[Card]
    dark: int
    named: bool = False


class ResonanceOpen(Event):
    kind = "resonance_open"
    deadline: str


class Resonated(Event):
    kind = "resonated"
    total: int


class Ready(Event):
    kind = "ready"
    count: int
    of: int


class Recovered(Event):
    kind = "recovered"
    told = True
    number: int
    recovered: int
    resonances: int
    stability: int
    adrift: str | None = None
    # the whole sum (0 in events stored before it was told)
    dreamers: int = 0
    per_dreamer: int = 0
    per_resonance: int = 0
    fractured_from: int | None = None
    fracture: int = 0
    owed: int = 0


class RoundResumed(Event):
    kind = "round_resumed"
    told = True
    round: int
    acted: int
    of: int
    stability: int
    deadline: str


# --- the host's protocols ---


class Reset(Event):
    kind = "reset"
    told = True
    freed: list[str]
    lucidity_loss: int
    baseline: int
    stability: int
    ended_glitch: bool = False


class Abandoned(Event):
    kind = "abandoned"
    number: int


class Hidden(Event):
    kind = "hidden"
    glitch: int
    place: int


# --- dawn and the characters ---


class Dawn(Event):
    kind = "dawn"
    told = True
    entry: ChronicleEntry
    next_at: str | None = None


class Archived(Event):
    """The session is over: deleted confession text is scrubbed from the store's journal."""

    kind = "archived"


class Renamed(Event):
    kind = "renamed"
    told = True
    character: str
    old: str


class Retired(Event):
    kind = "retired"
    told = True
    character: str


# --- the calendar ---


class Reminder(Event):
    kind = "reminder"
    at: str
    before: int
    role: int | None = None


class ScheduleSet(Event):
    kind = "schedule_set"
    week: str
    weekday: str
    time: str
    timezone: str
    next_at: str


class Skipped(Event):
    kind = "skipped"
    skipped: str
    next_at: str


E = TypeVar("E", bound=Event)


def first(events: list[Event], kind: type[E]) -> E | None:
    """The first event of a kind in a move's events."""
    return next((e for e in events if isinstance(e, kind)), None)


def confide(events: list[Event]) -> bool:
    """Whether any of the events carries a confession's words."""
    return any(event.confides for event in events)


def dump(events: list[Event]) -> str:
    return json.dumps([_stored(e) for e in events])


def _stored(event: Event) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "audience": event.audience.value,
        "dreamer": event.dreamer,
        "data": event.model_dump(mode="json", exclude={"to"}),
    }


def load(text: str) -> list[Event]:
    """Stored events, typed again. A kind this version does not know is logged and dropped."""
    events = []
    for stored in json.loads(text):
        cls = KINDS.get(stored["kind"])
        if cls is None:
            log.warning("dropped a stored event of unknown kind %r", stored["kind"])
            continue
        data = dict(stored["data"])
        if issubclass(cls, ToDreamer):
            data["to"] = stored["dreamer"]
        events.append(cls.model_validate(data))
    return events
