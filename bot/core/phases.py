"""The phases of a session, and the only transitions between them."""

from __future__ import annotations

from enum import StrEnum

from bot.core.errors import WrongPhase


class Phase(StrEnum):
    SCHEDULED = "scheduled"
    LOBBY = "lobby"
    DREAMING = "dreaming"
    DEALING = "dealing"
    CONFESSING = "confessing"
    REVEALED = "revealed"
    RESONANCE = "resonance"
    DAWN = "dawn"
    ARCHIVED = "archived"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"


GLITCH_PHASES = frozenset({Phase.DEALING, Phase.CONFESSING, Phase.REVEALED, Phase.RESONANCE})
ACTIVE_PHASES = frozenset({Phase.DREAMING}) | GLITCH_PHASES
OPEN_PHASES = frozenset({Phase.SCHEDULED, Phase.LOBBY, Phase.POSTPONED}) | ACTIVE_PHASES
FINISHED_PHASES = frozenset({Phase.DAWN, Phase.ARCHIVED, Phase.CANCELLED})

TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    Phase.SCHEDULED: frozenset({Phase.LOBBY, Phase.CANCELLED}),
    Phase.LOBBY: frozenset({Phase.DREAMING, Phase.POSTPONED, Phase.CANCELLED}),
    Phase.POSTPONED: frozenset({Phase.LOBBY, Phase.CANCELLED}),
    # A night under way may also be abandoned at the terminal table: it ends with no chronicle.
    Phase.DREAMING: frozenset({Phase.DEALING, Phase.DAWN, Phase.CANCELLED}),
    Phase.DEALING: frozenset({Phase.CONFESSING, Phase.CANCELLED}),
    # An emergency reset ends a glitch at once, from any of its steps.
    Phase.CONFESSING: frozenset({Phase.REVEALED, Phase.DREAMING, Phase.CANCELLED}),
    Phase.REVEALED: frozenset({Phase.RESONANCE, Phase.DREAMING, Phase.CANCELLED}),
    Phase.RESONANCE: frozenset({Phase.DREAMING, Phase.CANCELLED}),
    Phase.DAWN: frozenset({Phase.ARCHIVED}),
    Phase.ARCHIVED: frozenset(),
    Phase.CANCELLED: frozenset(),
}

_DESCRIPTIONS = {
    Phase.SCHEDULED: "the session has not opened yet",
    Phase.LOBBY: "the lobby is open",
    Phase.POSTPONED: "the session is postponed",
    Phase.DREAMING: "the circle is dreaming",
    Phase.DEALING: "the Mesh is glitching",
    Phase.CONFESSING: "the Mesh is glitching",
    Phase.REVEALED: "the Mesh is glitching",
    Phase.RESONANCE: "the Mesh is glitching",
    Phase.DAWN: "it is already dawn",
    Phase.ARCHIVED: "the session is over",
    Phase.CANCELLED: "the session was cancelled",
}


def describe(phase: Phase) -> str:
    return _DESCRIPTIONS[phase]


def check_transition(current: Phase, target: Phase) -> None:
    if target not in TRANSITIONS[current]:
        raise WrongPhase(f"That can't happen now: {describe(current)}.")
