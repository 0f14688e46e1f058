"""Domain errors. Each carries a message that can be shown to a player as it is."""

from __future__ import annotations

from datetime import datetime


class GameError(Exception):
    """An illegal move. `str(error)` is fit to show the player who tried it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class WrongPhase(GameError):
    """The move is not possible in the session's current phase."""


class Stale(GameError):
    """A control from a past round, glitch or session."""


class NoSession(GameError):
    """There is no session where the move needs one."""


class SessionInProgress(GameError):
    """A session is already open or under way."""


class AlreadyJoined(GameError):
    """The player is already a dreamer in this session."""


class LobbyFull(GameError):
    """The session has as many dreamers as the rules allow."""


class NotEnoughPlayers(GameError):
    """Too few dreamers to start."""


class NotADreamer(GameError):
    """Only the session's dreamers can act in it."""


class NotYourTurnYet(GameError):
    """A late joiner acts from the next round on."""


class AlreadyActed(GameError):
    """One action per dreamer per round."""


class BadAction(GameError):
    """An unknown action, a missing or wrong target, or a spent signature move."""


class BadName(GameError):
    """A character name that is empty, too long or already taken."""


class UnknownArchetype(GameError):
    """An archetype key that is not loaded."""


class NotInGlitch(GameError):
    """Confessing, passing and resonating happen only during a glitch."""


class AlreadyConfessed(GameError):
    """A dreamer answers or passes once per glitch."""


class BadConfession(GameError):
    """A confession that is empty or too long."""


class BadResonance(GameError):
    """Resonating with your own confession, twice, or with one that is not revealed."""


class GlitchLimit(GameError):
    """The Mesh cannot glitch again this session."""


class RestTooSoon(GameError):
    """Rest is logged at most once per cooldown."""

    def __init__(self, message: str, ready_at: datetime) -> None:
        super().__init__(message)
        self.ready_at = ready_at


class NoCharacter(GameError):
    """The player has no character in this campaign."""


class BadPrompt(GameError):
    """A custom prompt that can't be added, removed or imported, and why."""


class BadBoundaries(GameError):
    """Lines or veils outside the campaign's topic vocabulary."""


class NotFound(GameError):
    """Nothing stored by that name or id."""
