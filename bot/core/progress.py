"""What comes after a round or a glitch: the next round, or dawn."""

from __future__ import annotations

from datetime import timedelta

from bot.core import narration
from bot.core.dawn import dawn
from bot.core.events import Event, RoundStarted
from bot.core.models import Circle, DreamerStatus, Session
from bot.core.move import Move


def begin_round(move: Move, circle: Circle, session: Session) -> list[Event]:
    """Open the next round; dreamers who joined late come in now."""
    session.round += 1
    session.choices = {}
    entered = []
    for dreamer in session.dreamers.values():
        if dreamer.status is DreamerStatus.WAITING and dreamer.joined_round <= session.round:
            dreamer.status = DreamerStatus.ACTIVE
            dreamer.lucidity_at_start = circle.characters[dreamer.character_id].lucidity
            entered.append(dreamer.character_id)
    session.deadline = move.now + timedelta(minutes=session.rules.round_minutes)
    scenes = move.content.dreamscape_by_key[session.dreamscape].scenes
    scene = narration.scene(move, circle.campaign.scenes_seen, session.dreamscape, len(scenes))
    return [
        RoundStarted(
            dreamscape=session.dreamscape,
            round=session.round,
            rounds=session.rules.rounds,
            scene=scene,
            stability=session.stability,
            entered=entered,
            dreamers=[d.character_id for d in session.acting()],
            deadline=session.deadline.isoformat(),
        )
    ]


def advance(move: Move, circle: Circle, session: Session) -> list[Event]:
    """After a resolved round or a finished glitch: dream on, or dawn after the last round."""
    if session.round >= session.rules.rounds:
        return dawn(move, circle, session)
    return begin_round(move, circle, session)
