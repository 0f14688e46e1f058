"""The shapes of the content files, with the checks that keep them playable."""

from __future__ import annotations

import string
from enum import StrEnum
from functools import cached_property
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
# The most a character's name and a prompt may be anywhere (Discord's options are declared with
# them); rules.toml sets the limits the game plays by, at most these.
NAME_LONGEST = 32
PROMPT_LONGEST = 300
Line = Annotated[str, Field(min_length=1, max_length=400)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Category(StrEnum):
    FEAR = "fear"
    INSECURITY = "insecurity"
    FRUSTRATION = "frustration"
    GRATITUDE = "gratitude"
    MEMORY = "memory"
    HOPE = "hope"


class Rating(StrEnum):
    GENTLE = "gentle"
    MODERATE = "moderate"
    INTENSE = "intense"

    @property
    def level(self) -> int:
        return list(Rating).index(self)


# --- rules.toml ------------------------------------------------------------------------------


class Range(Strict):
    min: int
    max: int

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self

    def clamp(self, value: int) -> int:
        return max(self.min, min(self.max, value))


class StabilityRules(Range):
    first_baseline: int
    rested_bonus: int = Field(ge=0)
    drift_per_round: int = Field(ge=0)
    baseline_min: int
    baseline_max: int


class LucidityRules(Range):
    start: int
    fade: int = Field(ge=0, le=100)  # percent of the lucidity above the start a month takes


class BondRules(Range):
    start: int


class Timeouts(Strict):
    """Minutes."""

    lobby: int = Field(ge=1, le=24 * 60)
    round: int = Field(ge=1, le=24 * 60)
    confession: int = Field(ge=1, le=24 * 60)
    resonance: int = Field(ge=1, le=24 * 60)


class GlitchRules(Strict):
    min: int = Field(ge=1)
    max: int = Field(ge=1)
    chance: float = Field(ge=0, le=1)
    fracture: int = Field(ge=0)
    recovery_per_dreamer: int = Field(ge=0)
    recovery_per_resonance: int = Field(ge=0)
    resonance_bond: int = Field(ge=0)


class RescueRules(Strict):
    shares: int = Field(ge=1)
    bond_bonus: int = Field(ge=0)


class ResetRules(Strict):
    lucidity_loss: int = Field(ge=0)
    baseline_loss: int = Field(ge=0)


class RestRules(Strict):
    cooldown_hours: int = Field(ge=1)
    rests_for_rested: int = Field(ge=1)


class SoftenRules(Strict):
    per_glitch: int = Field(ge=0)
    extend_minutes: int = Field(ge=0)


class NarrationRules(Strict):
    """When a beat reads one way or another."""

    close_bond: int  # an aimed action between dreamers this close reads as old friends'
    strained_bond: int  # ...and this strained, as a reaching across
    shaken_below: int  # a costly find reads as shaking the Mesh if it ends the round below this


class CalendarRules(Strict):
    reminders: list[int] = Field(max_length=5)  # minutes before a session
    longest_reminder_days: int = Field(ge=1, le=28)


class PrivacyRules(Strict):
    grace_days: int = Field(ge=1)


class Rules(Strict):
    stability: StabilityRules
    lucidity: LucidityRules
    bonds: BondRules
    players: Range
    timeouts: Timeouts
    rounds: int = Field(ge=1, le=20)
    glitch: GlitchRules
    rescue: RescueRules
    reset: ResetRules
    rest: RestRules
    soften: SoftenRules
    confession_max_chars: int = Field(ge=1, le=4000)
    name_max_chars: int = Field(ge=1, le=NAME_LONGEST)
    prompt_max_chars: int = Field(ge=1, le=PROMPT_LONGEST)
    fragments_to_unlock: int = Field(ge=1)
    calendar: CalendarRules
    privacy: PrivacyRules
    narration: NarrationRules

    @model_validator(mode="after")
    def _consistent(self) -> Rules:
        s, lu, b = self.stability, self.lucidity, self.bonds
        checks = [
            (s.min <= s.first_baseline <= s.max, "stability.first_baseline is outside min..max"),
            (
                s.min <= s.baseline_min <= s.baseline_max <= s.max,
                "stability baselines are out of order",
            ),
            (lu.min <= lu.start <= lu.max, "lucidity.start is outside min..max"),
            (b.min <= b.start <= b.max, "bonds.start is outside min..max"),
            (self.players.min >= 2, "players.min must be at least 2"),
            (self.glitch.min <= self.glitch.max, "glitch.min is greater than glitch.max"),
        ]
        for ok, problem in checks:
            if not ok:
                raise ValueError(problem)
        return self


# --- actions, archetypes, dreamscapes ------------------------------------------------------------


class Effect(Strict):
    """What an action does to the Mesh and the dreamers when it resolves."""

    stability: int = 0
    lucidity: int = 0
    lucidity_all: int = 0
    bond: int = 0
    bond_all: int = 0
    fragments: int = 0
    needs_target: bool = False

    @model_validator(mode="after")
    def _target_for_bond(self) -> Effect:
        if self.bond and not self.needs_target:
            raise ValueError("an effect with 'bond' must set needs_target = true")
        return self


class Action(Strict):
    """One of the actions every dreamer has each round: its button, its effect, and whether an
    Adrift dreamer may take it. `rule` names a rule function of the core's (in
    bot/core/rounds.py, ACTION_RULES) that runs when the action resolves."""

    key: Key
    label: Annotated[str, Field(min_length=1, max_length=40)]
    description: Line
    effect: Effect
    emoji: str = ""
    while_adrift: bool = False
    rule: Key | None = None


class ArcRequirement(StrEnum):
    """Session counters and thresholds an arc step can ask for, checked at dawn.

    None of them looks at confessions: a pass must never cost a player anything.
    """

    EXPLORES = "explores"
    ANCHORS = "anchors"
    SHARES = "shares"
    DIVES = "dives"
    SIGNATURE = "signature"
    RESCUES = "rescues"
    BOND = "bond"
    LUCIDITY = "lucidity"
    SESSIONS = "sessions"


class ArcStep(Strict):
    name: Annotated[str, Field(min_length=1, max_length=60)]
    description: Line
    requires: ArcRequirement
    at_least: int = Field(ge=1)


class Signature(Action):
    narration: Annotated[list[Line], Field(min_length=1)]

    @field_validator("narration", mode="before")
    @classmethod
    def _one_or_more(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class Archetype(Strict):
    key: Key
    name: Annotated[str, Field(min_length=1, max_length=40)]
    inspired_by: Line
    theme: Line
    leans: list[Key] = Field(min_length=1, max_length=5)
    signature: Signature
    arc: list[ArcStep] = Field(min_length=3, max_length=3)


LINGER = "linger"  # the narration of a dreamer who did not choose


class Dreamscape(Strict):
    key: Key
    name: Annotated[str, Field(min_length=1, max_length=60)]
    unlocked: bool = False
    after_reset: bool = False  # dreamed the night after an emergency reset, and only then
    intro: Line
    scenes: list[Line] = Field(min_length=1)
    glitch: Line
    dawn: Line
    # action key (and "linger", for a dreamer who did not choose) -> lines, one picked per beat
    narration: dict[Key, Annotated[list[Line], Field(min_length=1)]]
    finds: list[Line] = Field(min_length=3)  # what a {find} in a line may be: named, collected
    details: list[Line] = Field(min_length=3)  # where a {detail} in a line may happen

    def lines(self, action: str) -> list[str]:
        return self.narration[action]


# --- house_rules.toml ---------------------------------------------------------------------------


class RuleKind(StrEnum):
    """How an admin's value for a house rule is read."""

    WHOLE = "whole"
    CHANCE = "chance"
    SWITCH = "switch"
    RATING = "rating"
    TOPICS = "topics"
    ROLE = "role"
    REMINDERS = "reminders"
    ZONE = "zone"


class HouseRuleSpec(Strict):
    """One setting a campaign's admins may change: `min` and `max` bound a whole number."""

    key: Key
    description: Annotated[str, Field(min_length=1, max_length=80)]
    kind: RuleKind
    min: int | None = None
    max: int | None = None
    default: bool | int | float | str | list[str] | list[int] | None = None

    @model_validator(mode="after")
    def _bounded(self) -> HouseRuleSpec:
        if self.kind is RuleKind.WHOLE and (self.min is None or self.max is None):
            raise ValueError("a whole-number rule needs min and max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


# --- topics and prompts -----------------------------------------------------------------------


class Topic(Strict):
    key: Key
    label: Annotated[str, Field(min_length=1, max_length=40)]
    description: Annotated[str, Field(max_length=100)] = ""


_FIELDS = {"other"}


class Prompt(Strict):
    """A confession prompt. `{other}` in the text names another character."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
    category: Category
    rating: Rating
    topics: list[Key] = Field(default_factory=list, max_length=5)
    text: Annotated[str, Field(min_length=1, max_length=PROMPT_LONGEST)]

    @field_validator("text")
    @classmethod
    def _known_fields(cls, text: str) -> str:
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as exc:
            raise ValueError(f"the text is not a valid template: {exc}") from None
        unknown = fields - _FIELDS
        if unknown:
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}; only {{other}}")
        return text

    @cached_property
    def names_other(self) -> bool:
        return "{other}" in self.text


class Content(Strict):
    """Everything loaded from `data/`, cross-checked."""

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    rules: Rules
    topics: list[Topic] = Field(min_length=1, max_length=25)
    actions: list[Action] = Field(min_length=4)
    archetypes: list[Archetype] = Field(min_length=1, max_length=25)
    dreamscapes: list[Dreamscape] = Field(min_length=1)
    house_rules: list[HouseRuleSpec] = Field(min_length=1, max_length=25)
    # "section.name" -> a line of the dream's own voice, with its {slots}
    narration: dict[str, Line] = Field(default_factory=dict)
    # action -> variant ("any", "found", "shaken", "close", "strained", "mutual") -> lines any
    # dreamscape may tell a beat with, besides its own
    beats: dict[Key, dict[Key, list[Line]]] = Field(default_factory=dict)
    prompts: list[Prompt] = Field(min_length=1)
    dreamer_names: list[Annotated[str, Field(min_length=1, max_length=NAME_LONGEST)]] = Field(
        min_length=8
    )
    dreamer_answers: dict[Category, list[Line]] = Field(default_factory=dict)
    # how scripted dreamers lean: temperament -> action -> weight
    dreamer_temperaments: dict[Key, dict[Key, Annotated[int, Field(ge=0, le=20)]]] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _cross_checks(self) -> Content:
        topic_keys = {t.key for t in self.topics}
        _unique("topics.toml: topic", [t.key for t in self.topics])
        _unique("actions.toml: action", [a.key for a in self.actions])
        _unique("archetypes.toml: archetype", [a.key for a in self.archetypes])
        _unique("archetypes.toml: signature move", [a.signature.key for a in self.archetypes])
        _unique("dreamscapes.toml: dreamscape", [d.key for d in self.dreamscapes])
        _unique("prompts.toml: prompt", [p.id for p in self.prompts])
        _unique("house_rules.toml: house rule", [r.key for r in self.house_rules])
        action_keys = {a.key for a in self.actions}
        missing = {"explore", "anchor", "share", "dive"} - action_keys
        if missing:
            raise ValueError(f"actions.toml: missing {', '.join(sorted(missing))}")
        if not any(a.while_adrift for a in self.actions):
            raise ValueError("actions.toml: an Adrift dreamer needs at least one action")
        for temperament, weights in self.dreamer_temperaments.items():
            for key in sorted(weights.keys() - action_keys):
                raise ValueError(f"dreamers.toml: temperament {temperament!r}: no action {key!r}")
        narrated = action_keys | {LINGER}
        aimed = {a.key for a in self.actions if a.effect.needs_target}
        for action, variants in self.beats.items():
            if action not in narrated:
                raise ValueError(f"beats.toml: lines for unknown action {action!r}")
            for variant, lines in variants.items():
                allowed = _BEAT_SLOTS | ({"target"} if action in aimed else set())
                if variant != "found":  # only a find has a {find}
                    allowed -= {"find"}
                for line in lines:
                    _check_slots(f"beats.toml: {action}.{variant}", line, allowed)
        for scape in self.dreamscapes:
            for action, lines in scape.narration.items():
                allowed = (_BEAT_SLOTS - {"find"}) | ({"target"} if action in aimed else set())
                for line in lines:
                    _check_slots(f"dreamscapes.toml: {scape.key}: {action}", line, allowed)
            where = f"dreamscapes.toml: dreamscape {scape.key!r}"
            for key in sorted(narrated - scape.narration.keys()):
                raise ValueError(f"{where}: no narration for {key!r}")
            for key in sorted(scape.narration.keys() - narrated):
                raise ValueError(f"{where}: narration for unknown action {key!r}")
        for archetype in self.archetypes:
            for lean in archetype.leans:
                if lean not in topic_keys:
                    raise ValueError(
                        f"archetypes.toml: archetype {archetype.key!r}: unknown topic {lean!r}"
                    )
        for prompt in self.prompts:
            for topic in prompt.topics:
                if topic not in topic_keys:
                    raise ValueError(f"prompts.toml: prompt {prompt.id!r}: unknown topic {topic!r}")
        if not any(d.unlocked for d in self.dreamscapes):
            raise ValueError("dreamscapes.toml: at least one must be unlocked from the start")
        if not any(
            p.rating is Rating.GENTLE and not p.names_other and not p.topics for p in self.prompts
        ):
            raise ValueError(
                "prompts.toml: the fallback needs a gentle prompt with no topics that names no one"
            )
        return self

    @field_validator("narration")
    @classmethod
    def _templates(cls, narration: dict[str, str]) -> dict[str, str]:
        for key, line in narration.items():
            try:
                list(string.Formatter().parse(line))
            except ValueError as exc:
                raise ValueError(f"narration.toml: {key}: not a valid template: {exc}") from None
        return narration

    def beat_pool(
        self, scape: Dreamscape, action: str, variant: str | None, flavour: str | None = None
    ) -> list[str]:
        """The lines a beat of this action and variant is told with, in a fixed order (a beat
        keeps an index into it): the place's own, the shared ones, and the dreamer's archetype's
        (`flavour`). A variant of None is a beat stored before variants: the place's own."""
        if variant is None:
            return scape.lines(action)
        shared = self.beats.get(action, {})
        if variant in ("mutual", "shaken"):  # told only in their own words
            return shared.get(variant) or scape.lines(action)
        pool = [*scape.lines(action), *shared.get("any", [])]
        if variant:
            pool += shared.get(variant, [])
        if flavour:
            pool += shared.get(f"as_{flavour}", [])
        return pool

    def says(self, key: str, **slots: object) -> str:
        """A line of narration.toml, its slots filled."""
        return self.narration[key].format(**slots)

    @cached_property
    def archetype_by_key(self) -> dict[str, Archetype]:
        return {a.key: a for a in self.archetypes}

    @cached_property
    def action_by_key(self) -> dict[str, Action]:
        return {a.key: a for a in self.actions}

    @cached_property
    def dreamscape_by_key(self) -> dict[str, Dreamscape]:
        return {d.key: d for d in self.dreamscapes}

    @cached_property
    def prompt_by_id(self) -> dict[str, Prompt]:
        return {p.id: p for p in self.prompts}


_BEAT_SLOTS = {"name", "find", "detail"}


def _check_slots(where: str, line: str, allowed: set[str]) -> None:
    try:
        slots = {name for _, name, _, _ in string.Formatter().parse(line) if name is not None}
    except ValueError as exc:
        raise ValueError(f"{where}: not a valid template: {exc}") from None
    unknown = slots - allowed
    if unknown:
        raise ValueError(f"{where}: unknown slot {{{sorted(unknown)[0]}}} in {line[:60]!r}")


def _unique(what: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{what} {key!r} appears twice")
        seen.add(key)
