"""Rounds: every dreamer chooses one action, then the round resolves and is narrated."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.content.models import LINGER, Content, Dreamscape, Effect
from bot.core import narration
from bot.core.dawn import dawn
from bot.core.errors import (
    AlreadyActed,
    BadAction,
    NotADreamer,
    NotYourTurnYet,
    Stale,
    WrongPhase,
)
from bot.core.events import Acted, Beat, Cause, Event, Rescued, RoundResolved
from bot.core.glitch import begin_glitch
from bot.core.models import (
    Choice,
    Circle,
    Condition,
    Dreamer,
    DreamerStatus,
    Player,
    RescueMoment,
    Session,
    SignatureMoment,
    bond_key,
)
from bot.core.move import Move, clamp
from bot.core.phases import Phase, describe
from bot.core.progress import advance

SIGNATURE = "signature"


def dreamer_of(circle: Circle, session: Session, player: Player) -> Dreamer:
    character = circle.character_of(player.id)
    dreamer = session.dreamers.get(character.id) if character else None
    if dreamer is None or dreamer.status in (DreamerStatus.LEFT, DreamerStatus.KICKED):
        raise NotADreamer("Only this session's dreamers can do that. Join with /dream join.")
    return dreamer


def effect_of(move: Move, circle: Circle, character_id: str, action: str) -> Effect:
    if action == SIGNATURE:
        archetype = circle.characters[character_id].archetype
        return move.content.archetype_by_key[archetype].signature.effect
    known = move.content.action_by_key.get(action)
    if known is None:
        raise BadAction(f"There is no action called “{action[:40]}”.")
    return known.effect


def act(
    move: Move,
    circle: Circle,
    session: Session,
    player: Player,
    action: str,
    target: str | None = None,
    *,
    round_number: int | None = None,
) -> list[Event]:
    if session.phase is not Phase.DREAMING:
        raise WrongPhase(
            f"You can act only while the circle is dreaming: {describe(session.phase)}."
        )
    if round_number is not None and round_number != session.round:
        raise Stale(f"That was round {round_number}; the circle is in round {session.round} now.")
    dreamer = dreamer_of(circle, session, player)
    if dreamer.status is DreamerStatus.WAITING:
        raise NotYourTurnYet("You enter the dream at the start of the next round.")
    me = dreamer.character_id
    if me in session.choices:
        raise AlreadyActed("You have already acted this round.")
    effect = effect_of(move, circle, me, action)
    character = circle.characters[me]
    if character.adrift and not _while_adrift(move, action):
        allowed = " or ".join(a.label for a in move.content.actions if a.while_adrift)
        raise BadAction(f"You are adrift: you can only {allowed} until the circle finds you.")
    if action == SIGNATURE and dreamer.signature_used:
        signature = move.content.archetype_by_key[character.archetype].signature
        raise BadAction(f"You have already used {signature.label} this session.")
    if effect.needs_target:
        acting = {d.character_id for d in session.acting()}
        if target is None or target == me or target not in acting:
            raise BadAction("Choose another dreamer who is in this round.")
    else:
        target = None

    session.choices[me] = Choice(action=action, target=target)
    if action == SIGNATURE:
        dreamer.signature_used = True
    events = [
        Acted(
            character=me,
            round=session.round,
            acted=len(session.choices),
            of=len(session.acting()),
        )
    ]
    return events + finish_round_if_complete(move, circle, session)


def finish_round_if_complete(move: Move, circle: Circle, session: Session) -> list[Event]:
    if session.phase is not Phase.DREAMING:
        return []
    acting = session.acting()
    if not acting:
        return dawn(move, circle, session)
    if all(d.character_id in session.choices for d in acting):
        return resolve_round(move, circle, session)
    return []


def round_timeout(move: Move, circle: Circle, session: Session) -> list[Event]:
    """The round's deadline: whoever has not chosen lingers."""
    if session.phase is not Phase.DREAMING:
        raise WrongPhase(f"No round is waiting: {describe(session.phase)}.")
    return resolve_round(move, circle, session)


def resolve_round(move: Move, circle: Circle, session: Session) -> list[Event]:
    rules = move.content.rules
    before = session.stability
    causes = [Cause(amount=-rules.stability.drift_per_round)]
    fragments = 0
    taken: list[Taken] = []
    acting = session.acting()

    for dreamer in acting:
        me = dreamer.character_id
        choice = session.choices.get(me)
        if choice is None:
            taken.append(Taken(me, None, None, 0))
            continue
        effect = effect_of(move, circle, me, choice.action)
        bond_before = circle.bond(me, choice.target) if choice.target else 0
        if effect.stability:
            causes.append(Cause(amount=effect.stability, character=me, action=choice.action))
        fragments += effect.fragments
        _lucidity(move, circle, me, effect.lucidity)
        for other in acting:
            if effect.lucidity_all:
                _lucidity(move, circle, other.character_id, effect.lucidity_all)
            if effect.bond_all and other.character_id != me:
                add_bond(move, circle, me, other.character_id, effect.bond_all)
        if choice.target is not None and effect.bond:
            add_bond(move, circle, me, choice.target, effect.bond)
        if choice.action == SIGNATURE:
            dreamer.tally.signature += 1
            session.moments.append(SignatureMoment(character=me, round=session.round))
        else:
            dreamer.tally.took(choice.action)
            rule = move.content.action_by_key[choice.action].rule
            if rule is not None:
                ACTION_RULES[rule](circle, session, me, choice.target)
        taken.append(Taken(me, choice, effect, bond_before))

    raw = before + sum(c.amount for c in causes)
    session.stability = clamp(raw, rules.stability.min, rules.stability.max)
    session.fragments += fragments
    session.choices = {}
    needed = rules.rescue.shares
    events: list[Event] = [
        RoundResolved(
            dreamscape=session.dreamscape,
            round=session.round,
            beats=_beats(move, circle, session, taken),
            stability_before=before,
            stability=session.stability,
            fragments=fragments,
            causes=causes,
            reaching={
                target: len(sharers)
                for target, sharers in sorted(session.rescue_shares.items())
                if circle.characters[target].adrift and 0 < len(sharers) < needed
            },
            needed=needed,
        )
    ]
    events += _rescues(move, circle, session)

    trigger = _glitch_trigger(move, session, raw)
    if trigger is not None:
        deficit = max(0, rules.stability.min - raw)
        return events + begin_glitch(move, circle, session, trigger, deficit, after_round=True)
    return events + advance(move, circle, session)


@dataclass(frozen=True, slots=True)
class Taken:
    """What one dreamer did in a round, for its narration once the round's outcome is known."""

    character: str
    choice: Choice | None  # None: they lingered
    effect: Effect | None
    bond_before: int  # with their target, before this round


def _beats(move: Move, circle: Circle, session: Session, taken: list[Taken]) -> list[Beat]:
    """A line for each dreamer's part, chosen after the round's outcome is known: a Dive reads
    differently when the Mesh shakes, a Share with an old friend from one with a stranger, and
    two dreamers who turned to each other share one line."""
    tune = move.content.rules.narration
    scape = move.content.dreamscape_by_key[session.dreamscape]
    shaken = session.stability < tune.shaken_below
    aimed = {(t.character, t.choice.target, t.choice.action) for t in taken if t.choice}
    beats = []
    told_together: set[str] = set()
    for t in taken:
        if t.choice is None:
            beats.append(_beat(move, session, scape, t.character, LINGER, None, ""))
            continue
        action, target = t.choice.action, t.choice.target
        if action == SIGNATURE:
            archetype = circle.characters[t.character].archetype
            told = move.content.archetype_by_key[archetype].signature.narration
            line = narration.pick(move, session, f"signature:{archetype}", len(told))
            beats.append(Beat(character=t.character, action=action, target=target, line=line))
            continue
        if t.character in told_together:
            continue
        variant = ""
        if target is not None and (target, t.character, action) in aimed:
            variant = "mutual"
            told_together.add(target)
        elif t.effect is not None and t.effect.bond and target is not None:
            if t.bond_before >= tune.close_bond:
                variant = "close"
            elif t.bond_before <= tune.strained_bond:
                variant = "strained"
        elif t.effect is not None and t.effect.fragments:
            variant = "shaken" if shaken and t.effect.stability < 0 else "found"
        flavour = circle.characters[t.character].archetype
        beat = _beat(move, session, scape, t.character, action, target, variant, flavour)
        beats.append(beat)
    return beats


def _beat(
    move: Move,
    session: Session,
    scape: Dreamscape,
    character: str,
    action: str,
    target: str | None,
    variant: str,
    flavour: str | None = None,
) -> Beat:
    pool = move.content.beat_pool(scape, action, variant, flavour)
    if flavour and len(pool) == len(move.content.beat_pool(scape, action, variant)):
        flavour = None  # the archetype has no lines of its own here
    line = narration.pick_line(move, session, f"{scape.key}:{action}", pool)
    template = pool[line]
    find = detail = None
    if variant == "found":  # named, in the line or after it, and kept for the whole circle
        find = narration.pick(move, session, f"{scape.key}:find", len(scape.finds))
        session.collected.append(find)
    if "{detail}" in template:
        detail = narration.pick(move, session, f"{scape.key}:detail", len(scape.details))
    return Beat(
        character=character,
        action=action,
        target=target,
        line=line,
        variant=variant,
        flavour=flavour,
        find=find,
        detail=detail,
    )


def _glitch_trigger(move: Move, session: Session, raw: int) -> str | None:
    rules = move.content.rules
    count = len(session.glitches)
    if count >= rules.glitch.max:
        return None
    if raw <= rules.stability.min:
        return "collapse"
    if session.round >= session.rules.rounds and count < rules.glitch.min:
        return "last_round"
    if session.round >= session.rules.rounds:
        return None
    instability = 1 - session.stability / rules.stability.max
    if move.rng.random() < session.rules.glitch_chance * instability:
        return "chance"
    return None


def _rescues(move: Move, circle: Circle, session: Session) -> list[Event]:
    rules = move.content.rules
    events: list[Event] = []
    by_name = sorted(session.rescue_shares, key=lambda c: circle.characters[c].name.casefold())
    for target in by_name:  # told in order of names, never of ids
        sharers = session.rescue_shares[target]
        character = circle.characters[target]
        if not character.adrift or len(sharers) < rules.rescue.shares:
            continue
        character.conditions.discard(Condition.ADRIFT)
        rescuers = sorted(set(sharers), key=lambda c: circle.characters[c].name.casefold())
        for rescuer in rescuers:
            add_bond(move, circle, rescuer, target, rules.rescue.bond_bonus)
            session.dreamers[rescuer].tally.rescues += 1
        session.rescue_shares[target] = []
        session.moments.append(RescueMoment(character=target, by=rescuers))
        events.append(Rescued(character=target, by=rescuers))
    return events


def _while_adrift(move: Move, action: str) -> bool:
    known = move.content.action_by_key.get(action)
    return known is not None and known.while_adrift


def _toward_rescue(circle: Circle, session: Session, me: str, target: str | None) -> None:
    """An action aimed at an Adrift dreamer counts toward bringing them back."""
    if target is not None and circle.characters[target].adrift:
        session.rescue_shares.setdefault(target, []).append(me)


# Rule functions an action in actions.toml may name (`rule = "rescue"`), run when it resolves.
ACTION_RULES: dict[str, Callable[[Circle, Session, str, str | None], None]] = {
    "rescue": _toward_rescue,
}


def unknown_rules(content: Content) -> list[str]:
    """Rules that actions.toml names and the core does not have."""
    return sorted({a.rule for a in content.actions if a.rule} - ACTION_RULES.keys())


def _lucidity(move: Move, circle: Circle, character_id: str, delta: int) -> None:
    if delta:
        bounds = move.content.rules.lucidity
        character = circle.characters[character_id]
        character.lucidity = clamp(character.lucidity + delta, bounds.min, bounds.max)


def add_bond(move: Move, circle: Circle, a: str, b: str, delta: int) -> None:
    bounds = move.content.rules.bonds
    key = bond_key(a, b)
    circle.bonds[key] = clamp(circle.bonds.get(key, bounds.start) + delta, bounds.min, bounds.max)
