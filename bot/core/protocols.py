"""The host's protocols: force a glitch, the emergency reset, dawn on demand, and hiding an
abusive confession without learning who wrote it."""

from __future__ import annotations

from datetime import timedelta

from bot.core.dawn import dawn
from bot.core.errors import GlitchLimit, NotFound, WrongPhase
from bot.core.events import Abandoned, Archived, Event, Hidden, Reset
from bot.core.glitch import begin_glitch, carry_on, recover, reveal
from bot.core.models import Circle, Condition, ConfessionStatus, ResetMoment, Session
from bot.core.move import Move, clamp
from bot.core.phases import ACTIVE_PHASES, Phase, check_transition, describe


def force_glitch(move: Move, circle: Circle, session: Session) -> list[Event]:
    if session.phase is not Phase.DREAMING:
        raise WrongPhase(f"A glitch can be forced only while dreaming: {describe(session.phase)}.")
    limit = move.content.rules.glitch.max
    if len(session.glitches) >= limit:
        raise GlitchLimit(f"The Mesh has already glitched {limit} times this session.")
    return begin_glitch(move, circle, session, "forced", after_round=False)


def emergency_reset(move: Move, circle: Circle, session: Session) -> list[Event]:
    """Hard-reset the Mesh: end any glitch at once and free the Adrift, at a price that lasts."""
    if session.phase not in ACTIVE_PHASES:
        raise WrongPhase(
            f"The emergency protocol needs a session under way: {describe(session.phase)}."
        )
    rules = move.content.rules
    glitch = session.glitch
    if glitch is not None:
        glitch.reset = True
        glitch.debt = 0
        for confession in glitch.confessions.values():
            if confession.status is ConfessionStatus.DEALT:
                confession.status = ConfessionStatus.KEPT
        session.phase = Phase.DREAMING
    campaign = circle.campaign
    campaign.baseline = clamp(
        campaign.baseline - rules.reset.baseline_loss,
        rules.stability.baseline_min,
        rules.stability.baseline_max,
    )
    for dreamer in session.present():
        character = circle.characters[dreamer.character_id]
        character.lucidity = clamp(
            character.lucidity - rules.reset.lucidity_loss, rules.lucidity.min, rules.lucidity.max
        )
    adrift = [c for c in circle.characters.values() if c.adrift]
    freed = [c.id for c in sorted(adrift, key=lambda c: c.name.casefold())]
    for character_id in freed:
        circle.characters[character_id].conditions.discard(Condition.ADRIFT)
    session.rescue_shares = {}
    session.stability = clamp(campaign.baseline, rules.stability.min, rules.stability.max)
    session.reset_used = True
    session.moments.append(ResetMoment(freed=freed, round=session.round))
    events: list[Event] = [
        Reset(
            freed=freed,
            lucidity_loss=rules.reset.lucidity_loss,
            baseline=campaign.baseline,
            stability=session.stability,
            ended_glitch=glitch is not None,
        )
    ]
    if glitch is not None:
        return events + carry_on(move, circle, session)
    session.deadline = move.now + timedelta(minutes=session.rules.round_minutes)
    return events


def end_now(move: Move, circle: Circle, session: Session) -> list[Event]:
    """Dawn now. A glitch under way is closed first: what was shared is still revealed."""
    events: list[Event] = []
    if session.phase is Phase.CONFESSING:
        events += reveal(move, circle, session, then_continue=False)
    elif session.phase in (Phase.REVEALED, Phase.RESONANCE):
        events += recover(move, circle, session, then_continue=False)
    if session.phase is not Phase.DREAMING:
        raise WrongPhase(f"Only a session under way can end: {describe(session.phase)}.")
    return events + dawn(move, circle, session)


def abandon(move: Move, circle: Circle, session: Session) -> list[Event]:
    """Drop an unfinished night: it gets no dawn and no chronicle entry, and its confession
    text is deleted. What the dreamers already did to their characters stays."""
    check_transition(session.phase, Phase.CANCELLED)
    session.phase = Phase.CANCELLED
    session.deadline = None
    session.texts = {}
    session.ended_at = move.now
    return [Abandoned(number=session.number), Archived()]


def hide(session: Session, card_id: str) -> list[Event]:
    """Remove a revealed confession's text everywhere. Works after dawn too, for kept texts.

    The event names the card's place in the reveal, never its author.
    """
    for glitch in session.glitches:
        confession = glitch.card(card_id)
        if confession is None:
            continue
        if confession.status is ConfessionStatus.HIDDEN:
            raise NotFound("That confession is already hidden.")
        confession.status = ConfessionStatus.HIDDEN
        session.texts.pop(confession.id, None)
        place = glitch.reveal_order.index(card_id) + 1
        return [Hidden(glitch=glitch.number, place=place)]
    raise NotFound("That confession was never revealed in this session.")
