"""Dawn: outcomes, arcs, the baseline for next month, and the chronicle entry. Then archive."""

from __future__ import annotations

from bot.content.models import ArcRequirement, ArcStep
from bot.core.events import Archived, Dawn, Event, first
from bot.core.models import (
    AdriftMoment,
    ArcMoment,
    Character,
    ChronicleEntry,
    Circle,
    Condition,
    ConfessionStatus,
    Dreamer,
    DreamerStatus,
    GlitchSummary,
    Outcome,
    RescueMoment,
    ResetMoment,
    Session,
    bond_key,
)
from bot.core.move import Move, clamp
from bot.core.phases import Phase, check_transition

_TALLIED = {
    ArcRequirement.EXPLORES: "explore",
    ArcRequirement.ANCHORS: "anchor",
    ArcRequirement.SHARES: "share",
    ArcRequirement.DIVES: "dive",
    ArcRequirement.SIGNATURE: "signature",
    ArcRequirement.RESCUES: "rescues",
}


def dawn(move: Move, circle: Circle, session: Session) -> list[Event]:
    rules = move.content.rules
    check_transition(session.phase, Phase.DAWN)
    session.phase = Phase.DAWN
    session.ended_at = move.now
    session.deadline = None
    session.choices = {}

    bounds = rules.bonds
    for key, delta in sorted(session.pending_bonds.items()):
        circle.bonds[key] = clamp(
            circle.bonds.get(key, bounds.start) + delta, bounds.min, bounds.max
        )
    session.pending_bonds = {}

    entered = [d for d in _by_seat(session) if d.status is not DreamerStatus.WAITING]
    outcomes = [_outcome(move, circle, session, d) for d in entered]

    campaign = circle.campaign
    before = session.baseline_at_start
    campaign.baseline = clamp(
        round((2 * campaign.baseline + session.stability) / 3),
        rules.stability.baseline_min,
        rules.stability.baseline_max,
    )
    unlocked = None
    if session.fragments >= rules.fragments_to_unlock:
        for dreamscape in move.content.dreamscapes:
            if dreamscape.key not in campaign.unlocked and not dreamscape.after_reset:
                campaign.unlocked.append(dreamscape.key)
                campaign.next_dreamscape = unlocked = dreamscape.key  # dreamed next month
                break

    if session.reset_used:  # the Mesh wakes from the reset next month, before anything else
        waking = next((d.key for d in move.content.dreamscapes if d.after_reset), None)
        campaign.next_dreamscape = waking or campaign.next_dreamscape

    in_session = set(session.dreamers)
    # Listed by name: nothing shown to players is ordered by an id.
    slept = [
        c.id
        for c in sorted(circle.active_characters(), key=lambda c: c.name.casefold())
        if c.id not in in_session
    ]
    entry = ChronicleEntry(
        session_id=session.id,
        number=session.number,
        dreamscape=session.dreamscape,
        started_at=session.started_at,
        ended_at=move.now,
        rounds=session.round,
        dreamers=[d.character_id for d in entered],
        slept=slept,
        glitches=[
            GlitchSummary(
                trigger=g.trigger,
                round=g.round,
                shared=[c.id for c in g.revealed() if c.status is ConfessionStatus.SHARED],
                dark=len(g.confessions) - len(g.reveal_order),
                resonances=len(g.resonances),
                adrift=g.adrift,
                reset=g.reset,
            )
            for g in session.glitches
        ],
        moments=list(session.moments),
        outcomes=outcomes,
        baseline=(before, campaign.baseline),
        stability=session.stability,
        fragments=session.fragments,
        collected=list(dict.fromkeys(session.collected)),
        unlocked=unlocked,
        reset=session.reset_used,
    )
    if not session.rules.keep_confessions:
        session.texts = {}
    check_transition(session.phase, Phase.ARCHIVED)
    session.phase = Phase.ARCHIVED
    next_at = campaign.next_at.isoformat() if campaign.next_at else None
    return [
        Dawn(entry=entry, next_at=next_at),
        Archived(),
    ]


def chronicle_of(events: list[Event]) -> ChronicleEntry | None:
    dawn = first(events, Dawn)
    return dawn.entry if dawn else None


def _by_seat(session: Session) -> list[Dreamer]:
    return sorted(session.dreamers.values(), key=lambda d: d.seat)


def _outcome(move: Move, circle: Circle, session: Session, dreamer: Dreamer) -> Outcome:
    character = circle.characters[dreamer.character_id]
    stayed = dreamer.status is DreamerStatus.ACTIVE
    character.sessions += 1
    bonds = {}
    for other in session.dreamers:
        if other == character.id:
            continue
        key = bond_key(character.id, other)
        start = session.bonds_at_start.get(key, move.content.rules.bonds.start)
        change = circle.bonds.get(key, move.content.rules.bonds.start) - start
        if change:
            bonds[other] = change
    step = None
    archetype = move.content.archetype_by_key[character.archetype]
    if stayed and character.arc_step < len(archetype.arc):
        candidate = archetype.arc[character.arc_step]
        if _reached(circle, character, dreamer, candidate):
            character.arc_step += 1
            step = candidate.name
            session.moments.append(ArcMoment(character=character.id, step=step))
    set_now: list[Condition] = []
    cleared: list[Condition] = []
    if Condition.RESTED in character.conditions:
        character.conditions.discard(Condition.RESTED)
        cleared.append(Condition.RESTED)
    claimed = any(
        isinstance(m, AdriftMoment) and m.character == character.id for m in session.moments
    )
    if claimed and character.adrift:
        set_now.append(Condition.ADRIFT)
    freed = any(
        (isinstance(m, RescueMoment) and m.character == character.id)
        or (isinstance(m, ResetMoment) and character.id in m.freed)
        for m in session.moments
    )
    if freed and not character.adrift:
        cleared.append(Condition.ADRIFT)
    character.lucidity = faded(move, character.lucidity)
    return Outcome(
        character=character.id,
        lucidity=(dreamer.lucidity_at_start, character.lucidity),
        bonds=bonds,
        arc_step=step,
        conditions_set=set_now,
        conditions_cleared=cleared,
        stayed=stayed,
    )


def faded(move: Move, lucidity: int) -> int:
    """A month of waking takes back part of what the dream gave: the lucidity above the
    start fades by the rules' share (rounded in the dreamer's favour)."""
    bounds = move.content.rules.lucidity
    above = lucidity - bounds.start
    if above <= 0:
        return lucidity
    return bounds.start + above - above * bounds.fade // 100


def _reached(circle: Circle, character: Character, dreamer: Dreamer, step: ArcStep) -> bool:
    need = step.requires
    if need in _TALLIED:
        return dreamer.tally.count(_TALLIED[need]) >= step.at_least
    if need is ArcRequirement.LUCIDITY:
        return character.lucidity >= step.at_least
    if need is ArcRequirement.SESSIONS:
        return character.sessions >= step.at_least
    bonds = [v for k, v in circle.bonds.items() if character.id in k.split("|")]
    return max(bonds, default=0) >= step.at_least
