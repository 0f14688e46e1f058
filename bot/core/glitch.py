"""The glitch: dealing, confessing, the reveal, resonance and recovery.

A pass, a time-out and an answer kept private are the same thing to everyone but the dreamer:
the circle sees "a confession stayed in the dark", and the numbers treat them alike.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core import dealer, prompts
from bot.core.cleaning import plain
from bot.core.errors import (
    AlreadyConfessed,
    BadConfession,
    BadResonance,
    NotADreamer,
    NotInGlitch,
    WrongPhase,
)
from bot.core.events import (
    Answered,
    Card,
    Confessing,
    ConfessionSettled,
    Event,
    GlitchBegan,
    Passed,
    PromptDealt,
    Ready,
    Recovered,
    ResonanceOpen,
    Resonated,
    Revealed,
    RoundResumed,
    Softened,
    SoftenSpent,
)
from bot.core.models import (
    AdriftMoment,
    Boundaries,
    Circle,
    Condition,
    Confession,
    ConfessionStatus,
    Dreamer,
    DreamerStatus,
    Glitch,
    GlitchMoment,
    Player,
    Session,
    bond_key,
)
from bot.core.move import Move, clamp
from bot.core.phases import Phase, check_transition, describe
from bot.core.progress import advance


def begin_glitch(
    move: Move,
    circle: Circle,
    session: Session,
    trigger: str,
    deficit: int = 0,
    *,
    after_round: bool,
) -> list[Event]:
    rules = move.content.rules
    check_transition(session.phase, Phase.DEALING)
    session.phase = Phase.DEALING
    fracture = rules.glitch.fracture
    glitch = Glitch(
        number=len(session.glitches) + 1,
        trigger=trigger,
        round=session.round,
        after_round=after_round,
        debt=deficit + max(0, fracture - (session.stability - rules.stability.min)),
        fractured_from=session.stability,
    )
    glitch.owed = glitch.debt
    session.stability = max(rules.stability.min, session.stability - fracture)
    session.glitches.append(glitch)
    session.moments.append(GlitchMoment(trigger=trigger, round=session.round))
    events: list[Event] = [
        GlitchBegan(
            number=glitch.number,
            trigger=trigger,
            round=session.round,
            stability=session.stability,
            dreamscape=session.dreamscape,
        )
    ]
    for dreamer in session.acting():
        glitch.confessions[dreamer.character_id] = _deal(move, circle, session, dreamer)

    check_transition(session.phase, Phase.CONFESSING)
    session.phase = Phase.CONFESSING
    session.deadline = move.now + timedelta(minutes=session.rules.confession_minutes)
    events.append(Confessing(deadline=session.deadline.isoformat(), of=len(glitch.confessions)))
    events += [_dealt_event(session, c) for c in glitch.confessions.values()]
    return events


def _deal(
    move: Move,
    circle: Circle,
    session: Session,
    dreamer: Dreamer,
    *,
    gentle_only: bool = False,
    replacing: Confession | None = None,
) -> Confession:
    me = dreamer.character_id
    character = circle.characters[me]
    glitch = session.glitches[-1]
    others = [
        dealer.Other(
            character_id=d.character_id,
            bond=circle.bonds.get(bond_key(me, d.character_id), move.content.rules.bonds.start),
            boundaries=circle.boundaries.get(d.player_id, Boundaries()),
        )
        for d in session.acting()
        if d.character_id != me
    ]
    seat = dealer.Seat(
        leans=frozenset(move.content.archetype_by_key[character.archetype].leans),
        seen=character.seen,
        boundaries=circle.boundaries.get(dreamer.player_id, Boundaries()),
        avoid={c.prompt_id for c in glitch.confessions.values()},
    )
    table = dealer.Table(
        ceiling=session.rules.rating_ceiling,
        excluded=frozenset(session.rules.excluded_topics),
    )
    pool = prompts.pool(move.content, circle, session.rules)
    dealt = dealer.deal(pool, seat, others, table, move.rng, gentle_only=gentle_only)
    character.seen[dealt.prompt.id] = circle.campaign.deal_count
    circle.campaign.deal_count += 1
    return Confession(
        id=replacing.id if replacing else move.new_id(),
        author=me,
        prompt_id=dealt.prompt.id,
        category=dealt.prompt.category,
        other=dealt.other,
    )


def _dealt_event(session: Session, confession: Confession, *, redealt: bool = False) -> Event:
    return PromptDealt(
        to=confession.author,
        confession=confession.id,
        prompt=confession.prompt_id,
        other=confession.other,
        deadline=session.deadline.isoformat() if session.deadline else None,
        redealt=redealt,
    )


def my_confession(circle: Circle, session: Session, player: Player) -> Confession:
    """The confession the player's dreamer was dealt in the current glitch."""
    glitch = session.glitch
    if glitch is None:
        raise NotInGlitch(f"There is no glitch right now: {describe(session.phase)}.")
    character = circle.character_of(player.id)
    confession = glitch.confessions.get(character.id) if character else None
    if confession is None:
        raise NotADreamer("You were not dealt a prompt in this glitch.")
    return confession


def _open_confession(circle: Circle, session: Session, player: Player) -> Confession:
    if session.phase is not Phase.CONFESSING:
        raise NotInGlitch(f"Confessions are not open right now: {describe(session.phase)}.")
    confession = my_confession(circle, session, player)
    if confession.status is not ConfessionStatus.DEALT:
        raise AlreadyConfessed("You have already answered this glitch's prompt.")
    return confession


def check_text(move: Move, text: str) -> str:
    limit = move.content.rules.confession_max_chars
    cleaned = plain(text).strip()
    if not cleaned:
        raise BadConfession("Your confession is empty. Write something, or pass.")
    if len(cleaned) > limit:
        raise BadConfession(
            f"A confession can be at most {limit} characters; yours has {len(cleaned)}."
        )
    return cleaned


def answer(
    move: Move, circle: Circle, session: Session, player: Player, text: str, *, share: bool
) -> list[Event]:
    confession = _open_confession(circle, session, player)
    cleaned = check_text(move, text)
    if share:
        confession.status = ConfessionStatus.SHARED
        session.texts[confession.id] = cleaned
    else:
        # Kept private: the text is never stored, so it cannot leak.
        confession.status = ConfessionStatus.KEPT
    events: list[Event] = [Answered(to=confession.author, confession=confession.id, shared=share)]
    return events + _settled(move, circle, session)


def pass_prompt(move: Move, circle: Circle, session: Session, player: Player) -> list[Event]:
    confession = _open_confession(circle, session, player)
    confession.status = ConfessionStatus.KEPT
    events: list[Event] = [Passed(to=confession.author, confession=confession.id)]
    return events + _settled(move, circle, session)


def soften(move: Move, circle: Circle, session: Session, player: Player) -> list[Event]:
    """X: re-deal gentle prompts to everyone still to answer, and give them more time.

    Nothing records who pressed it. Past the limit, X lets the presser pass quietly.
    """
    if session.phase is not Phase.CONFESSING:
        raise NotInGlitch(f"X works only while confessions are open: {describe(session.phase)}.")
    mine = my_confession(circle, session, player)
    glitch = session.glitches[-1]
    rules = move.content.rules.soften
    if glitch.softens >= rules.per_glitch:
        if mine.status is not ConfessionStatus.DEALT:
            return [SoftenSpent(to=mine.author)]
        mine.status = ConfessionStatus.KEPT
        return [
            Passed(to=mine.author, confession=mine.id),
            *_settled(move, circle, session),
        ]
    glitch.softens += 1
    if session.deadline is not None:
        session.deadline += timedelta(minutes=rules.extend_minutes)
    events: list[Event] = [
        Softened(deadline=session.deadline.isoformat() if session.deadline else None)
    ]
    for author, confession in sorted(glitch.confessions.items()):
        if confession.status is ConfessionStatus.DEALT:
            fresh = _deal(
                move,
                circle,
                session,
                session.dreamers[author],
                gentle_only=True,
                replacing=confession,
            )
            glitch.confessions[author] = fresh
            events.append(_dealt_event(session, fresh, redealt=True))
    return events


def _settled(move: Move, circle: Circle, session: Session) -> list[Event]:
    glitch = session.glitches[-1]
    done = sum(c.status is not ConfessionStatus.DEALT for c in glitch.confessions.values())
    events: list[Event] = [ConfessionSettled(settled=done, of=len(glitch.confessions))]
    return events + settle_if_complete(move, circle, session)


def settle_if_complete(move: Move, circle: Circle, session: Session) -> list[Event]:
    """Reveal once every dreamer still here has answered or passed."""
    glitch = session.glitch
    if glitch is None:
        return []
    present = {d.character_id for d in session.present()}
    if session.phase is Phase.CONFESSING:
        waiting = [
            c
            for author, c in glitch.confessions.items()
            if c.status is ConfessionStatus.DEALT and author in present
        ]
        return [] if waiting else reveal(move, circle, session)
    if session.phase is Phase.RESONANCE:
        ready_all = all(d.character_id in glitch.ready for d in session.acting())
        return recover(move, circle, session) if ready_all else []
    return []


def confession_timeout(move: Move, circle: Circle, session: Session) -> list[Event]:
    if session.phase is not Phase.CONFESSING:
        raise WrongPhase(f"No confessions are open: {describe(session.phase)}.")
    return reveal(move, circle, session)


def reveal(
    move: Move, circle: Circle, session: Session, *, then_continue: bool = True
) -> list[Event]:
    """Shared confessions in a shuffled order, with their category and no prompt.

    Everything else (kept private, passed, timed out) is one and the same: in the dark.
    """
    glitch = session.glitches[-1]
    for confession in glitch.confessions.values():
        if confession.status is ConfessionStatus.DEALT:
            confession.status = ConfessionStatus.KEPT
    check_transition(session.phase, Phase.REVEALED)
    session.phase = Phase.REVEALED
    # The order and the cards' ids come from the shared cards alone: never from who wrote
    # them, where they sat, or the ids their prompts were dealt under.
    shared = sorted(
        (c for c in glitch.confessions.values() if c.status is ConfessionStatus.SHARED),
        key=lambda c: (c.category.value, session.texts.get(c.id, "")),
    )
    move.rng.shuffle(shared)
    for confession in shared:
        confession.card = move.new_id()
    glitch.reveal_order = [c.card for c in shared if c.card]
    named = session.rules.named_reveals
    items = [
        Card(
            card=confession.card or "",
            category=confession.category.value,
            text=session.texts.get(confession.id, ""),
            author=confession.author if named else None,
        )
        for confession in shared
    ]
    dark = len(glitch.confessions) - len(shared)
    events: list[Event] = [Revealed(number=glitch.number, items=items, dark=dark, named=named)]
    if not shared or not then_continue:
        return events + recover(move, circle, session, then_continue=then_continue)
    check_transition(session.phase, Phase.RESONANCE)
    session.phase = Phase.RESONANCE
    session.deadline = move.now + timedelta(minutes=session.rules.resonance_minutes)
    events.append(ResonanceOpen(deadline=session.deadline.isoformat()))
    return events


def resonate(
    move: Move, circle: Circle, session: Session, player: Player, card_id: str
) -> list[Event]:
    """ "I hear you": the Mesh gains, the author will learn privately how many heard them, and
    nothing else depends on who wrote the card or who heard it. An author may hear their own
    card like anyone, so that no refusal points at them."""
    if session.phase is not Phase.RESONANCE:
        raise NotInGlitch(
            f"There is nothing to resonate with right now: {describe(session.phase)}."
        )
    glitch = session.glitches[-1]
    character = circle.character_of(player.id)
    dreamer = session.dreamers.get(character.id) if character else None
    if dreamer is None or dreamer.status is not DreamerStatus.ACTIVE:
        raise NotADreamer("Only the dreamers in this glitch can resonate.")
    confession = glitch.card(card_id)
    if confession is None:
        raise BadResonance("That confession is not part of this reveal.")
    if confession.status is not ConfessionStatus.SHARED:
        raise BadResonance("That confession has been hidden.")
    if (dreamer.character_id, card_id) in glitch.resonances:
        raise BadResonance("You have already resonated with that confession.")
    glitch.resonances.append((dreamer.character_id, card_id))
    confession.resonance += 1
    return [Resonated(total=len(glitch.resonances))]


def heard(circle: Circle, session: Session, player: Player) -> int | None:
    """How many dreamers heard the player's shared confessions this session: for their eyes
    only. None if they shared nothing."""
    character = circle.character_of(player.id)
    if character is None:
        return None
    mine = [
        c
        for g in session.glitches
        if (c := g.confessions.get(character.id)) is not None and c.card is not None
    ]
    return sum(c.resonance for c in mine) if mine else None


def ready(move: Move, circle: Circle, session: Session, player: Player) -> list[Event]:
    """A dreamer is done with the reveal; recovery comes when everyone is."""
    if session.phase is not Phase.RESONANCE:
        raise NotInGlitch(f"There is no reveal to leave: {describe(session.phase)}.")
    glitch = session.glitches[-1]
    character = circle.character_of(player.id)
    if character is None or character.id not in session.dreamers:
        raise NotADreamer("Only this session's dreamers can do that.")
    if character.id not in glitch.ready:
        glitch.ready.append(character.id)
    events: list[Event] = [Ready(count=len(glitch.ready), of=len(session.acting()))]
    return events + settle_if_complete(move, circle, session)


def resonance_timeout(move: Move, circle: Circle, session: Session) -> list[Event]:
    if session.phase is not Phase.RESONANCE:
        raise WrongPhase(f"No reveal is open: {describe(session.phase)}.")
    return recover(move, circle, session)


def recover(
    move: Move, circle: Circle, session: Session, *, then_continue: bool = True
) -> list[Event]:
    """The Mesh recovers alike for every dreamer, plus for every resonance.

    If the fracture's debt is not paid off, or stability is still at the bottom, the glitch
    claims the least lucid dreamer, who becomes Adrift.
    """
    rules = move.content.rules
    glitch = session.glitches[-1]
    recovered = rules.glitch.recovery_per_dreamer * len(
        glitch.confessions
    ) + rules.glitch.recovery_per_resonance * len(glitch.resonances)
    paid = min(glitch.debt, recovered)
    glitch.debt -= paid
    session.stability = clamp(
        session.stability + recovered - paid, rules.stability.min, rules.stability.max
    )
    glitch.recovered = recovered
    if glitch.resonances:
        _closer(move, session, glitch)
    if glitch.debt > 0 or session.stability <= rules.stability.min:
        glitch.adrift = _claim(move, circle, session)
    check_transition(session.phase, Phase.DREAMING)
    session.phase = Phase.DREAMING
    events: list[Event] = [
        Recovered(
            number=glitch.number,
            recovered=recovered,
            resonances=len(glitch.resonances),
            stability=session.stability,
            adrift=glitch.adrift,
            dreamers=len(glitch.confessions),
            per_dreamer=rules.glitch.recovery_per_dreamer,
            per_resonance=rules.glitch.recovery_per_resonance,
            fractured_from=glitch.fractured_from,
            fracture=rules.glitch.fracture,
            owed=glitch.owed,
        )
    ]
    if not then_continue:
        return events
    return events + carry_on(move, circle, session)


def _closer(move: Move, session: Session, glitch: Glitch) -> None:
    """Being heard brings the whole circle closer: the same bond change for every pair that
    faced the glitch, whoever wrote, passed, pressed X or resonated. Applied at dawn."""
    gain = move.content.rules.glitch.resonance_bond
    present = sorted(
        d.character_id for d in session.present() if d.character_id in glitch.confessions
    )
    for n, a in enumerate(present):
        for b in present[n + 1 :]:
            key = bond_key(a, b)
            session.pending_bonds[key] = session.pending_bonds.get(key, 0) + gain


def carry_on(move: Move, circle: Circle, session: Session) -> list[Event]:
    """Back to the dream after a glitch: a forced glitch resumes its round."""
    glitch = session.glitches[-1]
    if glitch.after_round:
        return advance(move, circle, session)
    session.deadline = move.now + timedelta(minutes=session.rules.round_minutes)
    return [
        RoundResumed(
            round=session.round,
            acted=len(session.choices),
            of=len(session.acting()),
            stability=session.stability,
            deadline=session.deadline.isoformat(),
        )
    ]


def _claim(move: Move, circle: Circle, session: Session) -> str | None:
    candidates = [
        circle.characters[d.character_id]
        for d in session.acting()
        if not circle.characters[d.character_id].adrift
    ]
    if not candidates:
        return None
    lowest = min(c.lucidity for c in candidates)
    claimed = move.rng.choice(sorted(c.id for c in candidates if c.lucidity == lowest))
    circle.characters[claimed].conditions.add(Condition.ADRIFT)
    session.moments.append(AdriftMoment(character=claimed))
    return claimed
