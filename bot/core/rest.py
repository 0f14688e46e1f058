"""Real rest between sessions: at most once per cooldown; enough of it makes a dreamer Rested."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.content.models import RestRules
from bot.core.errors import RestTooSoon
from bot.core.models import Character, Condition


@dataclass(frozen=True, slots=True)
class RestProgress:
    since_last_session: int
    needed: int
    rested: bool


def check_rest(rules: RestRules, rests: Sequence[datetime], now: datetime) -> None:
    if rests:
        ready_at = max(rests) + timedelta(hours=rules.cooldown_hours)
        if now < ready_at:
            raise RestTooSoon(
                f"You can log rest once every {rules.cooldown_hours} hours. "
                "Sleep well, and come back later.",
                ready_at,
            )


def progress(
    rules: RestRules, rests: Sequence[datetime], last_session_end: datetime | None
) -> RestProgress:
    count = sum(1 for r in rests if last_session_end is None or r > last_session_end)
    return RestProgress(count, rules.rests_for_rested, count >= rules.rests_for_rested)


def apply_rested(character: Character, state: RestProgress) -> bool:
    """Mark the character Rested if the player has rested enough. True if that is new."""
    if state.rested and Condition.RESTED not in character.conditions:
        character.conditions.add(Condition.RESTED)
        return True
    return False
