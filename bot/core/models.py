"""The game's state: a campaign's persistent circle, its players and characters, and sessions.

These are plain pydantic models so the store can save them as they are. Ids are opaque strings
made from the injected randomness; Discord ids appear only on players and campaigns.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.content.models import Category, Prompt, Rating, Rules
from bot.core.phases import ACTIVE_PHASES, GLITCH_PHASES, Phase


class State(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Condition(StrEnum):
    ADRIFT = "adrift"
    RESTED = "rested"


class SessionRules(State):
    """The rules one session plays by: the content's numbers with the campaign's overrides.

    Copied when a session opens, so settings changed mid-session apply from the next one.
    """

    rounds: int
    min_players: int
    max_players: int
    lobby_minutes: int
    round_minutes: int
    confession_minutes: int
    resonance_minutes: int
    glitch_chance: float
    named_reveals: bool = False
    keep_confessions: bool = False
    rating_ceiling: Rating = Rating.INTENSE
    excluded_topics: list[str] = Field(default_factory=list)
    builtin_prompts: bool = True

    @classmethod
    def from_rules(cls, rules: Rules, overrides: dict[str, Any] | None = None) -> SessionRules:
        values: dict[str, Any] = {
            "rounds": rules.rounds,
            "min_players": rules.players.min,
            "max_players": rules.players.max,
            "lobby_minutes": rules.timeouts.lobby,
            "round_minutes": rules.timeouts.round,
            "confession_minutes": rules.timeouts.confession,
            "resonance_minutes": rules.timeouts.resonance,
            "glitch_chance": rules.glitch.chance,
        }
        values.update({k: v for k, v in (overrides or {}).items() if k in cls.model_fields})
        return cls.model_validate(values)


class Schedule(State):
    """The monthly rule: e.g. the first Saturday at 21:00 in Europe/Berlin."""

    week: str
    weekday: str
    time: str
    timezone: str
    skipped: list[datetime] = Field(default_factory=list)  # session instants (UTC) left out


class HouseRules(State):
    """The settings a campaign's admins changed; None is the default. A rule that exists only
    in data/house_rules.toml is kept beside these, by its key."""

    model_config = ConfigDict(extra="allow", validate_assignment=False)

    min_players: int | None = None
    max_players: int | None = None
    rounds: int | None = None
    lobby_minutes: int | None = None
    round_minutes: int | None = None
    confession_minutes: int | None = None
    resonance_minutes: int | None = None
    glitch_chance: float | None = None
    named_reveals: bool | None = None
    keep_confessions: bool | None = None
    rating_ceiling: Rating | None = None
    excluded_topics: list[str] | None = None
    builtin_prompts: bool | None = None
    host_role: int | None = None
    reminders: list[int] | None = None
    reminder_role: int | None = None
    timezone: str | None = None

    def value(self, key: str) -> Any:
        """The changed value of any rule, known here or only to the data; None if unchanged."""
        return self.changed().get(key)

    def changed(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def with_value(self, key: str, value: Any) -> HouseRules:
        return HouseRules.model_validate({**self.changed(), key: value})


class Campaign(State):
    id: str
    guild_id: int
    channel_id: int
    baseline: int
    session_count: int = 0
    unlocked: list[str]
    deal_count: int = 0
    settings: HouseRules = Field(default_factory=lambda: HouseRules())
    schedule: Schedule | None = None
    next_at: datetime | None = None  # the next scheduled session, if there is a schedule
    event_id: int | None = None  # the platform's scheduled event for next_at, if any
    created_at: datetime
    # The story's progress: dreamscapes in the order they were dreamed, the one just unlocked
    # (dreamed next), and the scenes each has shown since it last showed them all.
    dreamed: list[str] = Field(default_factory=list)
    next_dreamscape: str | None = None
    scenes_seen: dict[str, list[int]] = Field(default_factory=dict)


class Player(State):
    id: str
    user_id: int
    display_name: str = ""


class Character(State):
    id: str
    campaign_id: str
    player_id: str
    name: str
    archetype: str
    lucidity: int
    conditions: set[Condition] = Field(default_factory=set)
    arc_step: int = 0
    sessions: int = 0
    retired: bool = False
    # prompt id -> the campaign's deal counter when it was dealt; the oldest comes back first
    seen: dict[str, int] = Field(default_factory=dict)
    created_at: datetime

    @property
    def adrift(self) -> bool:
        return Condition.ADRIFT in self.conditions


def bond_key(a: str, b: str) -> str:
    return f"{a}|{b}" if a < b else f"{b}|{a}"


class Circle(State):
    """A campaign's persistent world: the campaign, its characters and their bonds."""

    campaign: Campaign
    characters: dict[str, Character] = Field(default_factory=dict)
    bonds: dict[str, int] = Field(default_factory=dict)
    boundaries: dict[str, Boundaries] = Field(default_factory=dict)  # by player id
    prompts: list[Prompt] = Field(default_factory=list)  # the campaign's own, oldest first

    def bond(self, a: str, b: str) -> int:
        return self.bonds.get(bond_key(a, b), 0)

    def active_characters(self) -> list[Character]:
        return [c for c in self.characters.values() if not c.retired]

    def character_of(self, player_id: str) -> Character | None:
        for character in self.characters.values():
            if character.player_id == player_id and not character.retired:
                return character
        return None


class DreamerStatus(StrEnum):
    ACTIVE = "active"
    WAITING = "waiting"  # joined late; enters at the next round
    LEFT = "left"
    KICKED = "kicked"


# How sessions stored before actions were data counted the first four.
_COUNTED_BY_NAME = {"explores": "explore", "anchors": "anchor", "shares": "share", "dives": "dive"}


class Tally(State):
    """What a dreamer did this session: arc steps are checked against it at dawn."""

    actions: dict[str, int] = Field(default_factory=dict)  # action key -> times taken
    signature: int = 0
    rescues: int = 0

    @model_validator(mode="before")
    @classmethod
    def _counted_by_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and _COUNTED_BY_NAME.keys() & data.keys():
            data = dict(data)
            actions = dict(data.get("actions") or {})
            for old, action in _COUNTED_BY_NAME.items():
                if old in data:
                    actions[action] = actions.get(action, 0) + int(data.pop(old))
            data["actions"] = actions
        return data

    def took(self, action: str) -> None:
        self.actions[action] = self.actions.get(action, 0) + 1

    def count(self, what: str) -> int:
        """Times an action was taken, or the signature used, or rescues joined."""
        if what == "signature":
            return self.signature
        if what == "rescues":
            return self.rescues
        return self.actions.get(what, 0)


class Dreamer(State):
    character_id: str
    player_id: str
    seat: int
    status: DreamerStatus = DreamerStatus.ACTIVE
    joined_round: int = 0
    signature_used: bool = False
    tally: Tally = Field(default_factory=Tally)
    lucidity_at_start: int

    @property
    def present(self) -> bool:
        return self.status in (DreamerStatus.ACTIVE, DreamerStatus.WAITING)


class Choice(State):
    action: str
    target: str | None = None


class ConfessionStatus(StrEnum):
    DEALT = "dealt"
    SHARED = "shared"
    KEPT = "kept"  # answered and kept private, passed, or timed out: all look alike
    HIDDEN = "hidden"  # shared, then hidden by an admin


class Confession(State):
    """A dealt prompt and what became of it. The text itself lives apart, in the store.

    A shared confession is shown as a card whose id is drawn at the reveal, from the shared
    cards alone, so that nothing public carries the id dealt to its author."""

    id: str
    author: str
    prompt_id: str
    category: Category
    other: str | None = None
    status: ConfessionStatus = ConfessionStatus.DEALT
    card: str | None = None
    resonance: int = 0  # how many heard it: told to its author alone, never shown to others


class Boundaries(State):
    """A player's private lines (never in my prompts) and veils (only gentle prompts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lines: frozenset[str] = frozenset()
    veils: frozenset[str] = frozenset()


class Glitch(State):
    number: int
    trigger: str
    round: int
    after_round: bool = True  # a forced glitch interrupts a round, which then carries on
    debt: int = 0
    owed: int = 0  # the debt as the fracture left it, before anything was paid
    fractured_from: int | None = None  # stability before the fracture took its share
    softens: int = 0
    confessions: dict[str, Confession] = Field(default_factory=dict)  # by author
    reveal_order: list[str] = Field(default_factory=list)  # card ids, in the reveal's order
    resonances: list[tuple[str, str]] = Field(default_factory=list)  # (resonator, card id)
    ready: list[str] = Field(default_factory=list)  # dreamers done resonating
    recovered: int = 0
    adrift: str | None = None
    reset: bool = False

    def confession(self, confession_id: str) -> Confession | None:
        for confession in self.confessions.values():
            if confession.id == confession_id:
                return confession
        return None

    def card(self, card_id: str) -> Confession | None:
        """The revealed confession shown as this card. (Reveals made before cards had ids of
        their own used the confession's id.)"""
        if card_id not in self.reveal_order:
            return None
        for confession in self.confessions.values():
            if (confession.card or confession.id) == card_id:
                return confession
        return None

    def revealed(self) -> list[Confession]:
        """The revealed confessions in the reveal's order."""
        return [c for card in self.reveal_order if (c := self.card(card)) is not None]


class SignatureMoment(State):
    kind: Literal["signature"] = "signature"
    character: str
    round: int


class GlitchMoment(State):
    kind: Literal["glitch"] = "glitch"
    trigger: str
    round: int


class RescueMoment(State):
    kind: Literal["rescue"] = "rescue"
    character: str
    by: list[str]


class AdriftMoment(State):
    kind: Literal["adrift"] = "adrift"
    character: str


class ResetMoment(State):
    kind: Literal["reset"] = "reset"
    freed: list[str] = Field(default_factory=list)
    round: int = 0


class ArcMoment(State):
    kind: Literal["arc"] = "arc"
    character: str
    step: str


# What a session remembers for its recap; stored with a "kind" that picks the class.
Moment = Annotated[
    SignatureMoment | GlitchMoment | RescueMoment | AdriftMoment | ResetMoment | ArcMoment,
    Field(discriminator="kind"),
]


class Session(State):
    id: str
    campaign_id: str
    number: int
    phase: Phase
    seed: int
    moves: int = 0
    rules: SessionRules
    dreamscape: str = ""
    round: int = 0
    stability: int = 0
    fragments: int = 0
    deadline: datetime | None = None
    opened_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    dreamers: dict[str, Dreamer] = Field(default_factory=dict)
    choices: dict[str, Choice] = Field(default_factory=dict)
    glitches: list[Glitch] = Field(default_factory=list)
    rescue_shares: dict[str, list[str]] = Field(default_factory=dict)
    bonds_at_start: dict[str, int] = Field(default_factory=dict)
    pending_bonds: dict[str, int] = Field(default_factory=dict)  # the circle's, applied at dawn
    moments: list[Moment] = Field(default_factory=list)
    # narration pool -> the lines of it told this night, so that none comes twice too soon
    told: dict[str, list[int]] = Field(default_factory=dict)
    collected: list[int] = Field(default_factory=list)  # the dreamscape's finds, as found
    reset_used: bool = False
    baseline_at_start: int = 0
    # confession id -> text; kept out of the saved state, stored apart so it can be deleted
    texts: dict[str, str] = Field(default_factory=dict, exclude=True)

    @property
    def glitch(self) -> Glitch | None:
        return self.glitches[-1] if self.glitches and self.phase in GLITCH_PHASES else None

    @property
    def active(self) -> bool:
        return self.phase in ACTIVE_PHASES

    def acting(self) -> list[Dreamer]:
        """Dreamers who take part in the current round, in seat order."""
        return sorted(
            (d for d in self.dreamers.values() if d.status is DreamerStatus.ACTIVE),
            key=lambda d: d.seat,
        )

    def present(self) -> list[Dreamer]:
        return sorted((d for d in self.dreamers.values() if d.present), key=lambda d: d.seat)


class Outcome(State):
    """What one session changed for one dreamer."""

    character: str
    lucidity: tuple[int, int]
    bonds: dict[str, int] = Field(default_factory=dict)  # other character -> change
    arc_step: str | None = None
    conditions_set: list[Condition] = Field(default_factory=list)
    conditions_cleared: list[Condition] = Field(default_factory=list)
    stayed: bool = True


class GlitchSummary(State):
    trigger: str
    round: int
    shared: list[str] = Field(default_factory=list)  # confession ids
    dark: int = 0
    resonances: int = 0
    adrift: str | None = None
    reset: bool = False


class ChronicleEntry(State):
    """A session's history, as references: rendered at the edge, with today's names."""

    session_id: str
    number: int
    dreamscape: str
    started_at: datetime | None
    ended_at: datetime
    rounds: int
    dreamers: list[str]
    slept: list[str]
    glitches: list[GlitchSummary]
    moments: list[Moment]
    outcomes: list[Outcome]
    baseline: tuple[int, int]
    stability: int
    fragments: int
    collected: list[int] = Field(default_factory=list)  # finds of the dreamscape, by index
    unlocked: str | None = None
    reset: bool = False
