"""Opening a session, joining and leaving, and starting to dream."""

from __future__ import annotations

from datetime import timedelta

from bot.core import characters
from bot.core.errors import (
    AlreadyJoined,
    LobbyFull,
    NoCharacter,
    NotADreamer,
    NotEnoughPlayers,
    SessionInProgress,
    WrongPhase,
)
from bot.core.events import (
    CharacterCreated,
    Event,
    Joined,
    Kicked,
    Left,
    LobbyOpened,
    Postponed,
    Previously,
    SessionStarted,
)
from bot.core.glitch import settle_if_complete
from bot.core.models import (
    ChronicleEntry,
    Circle,
    Condition,
    Dreamer,
    DreamerStatus,
    Player,
    Session,
    SessionRules,
    bond_key,
)
from bot.core.move import Move, clamp
from bot.core.phases import ACTIVE_PHASES, OPEN_PHASES, Phase, check_transition, describe
from bot.core.progress import begin_round
from bot.core.rounds import finish_round_if_complete

POSTPONE = timedelta(days=7)


def open_session(
    move: Move,
    circle: Circle,
    current: Session | None,
    last_entry: ChronicleEntry | None,
) -> tuple[Session, list[Event]]:
    """Open the lobby of the campaign's next session (or re-open a postponed one)."""
    if current is not None and current.phase is Phase.POSTPONED:
        return current, reopen(move, current, last_entry)
    if current is not None and current.phase in OPEN_PHASES - {Phase.SCHEDULED}:
        raise SessionInProgress(
            f"Session {current.number} is already open: {describe(current.phase)}."
        )
    campaign = circle.campaign
    if current is not None and current.phase is Phase.SCHEDULED:
        session = current
    else:
        campaign.session_count += 1
        session = Session(
            id=move.new_id(),
            campaign_id=campaign.id,
            number=campaign.session_count,
            phase=Phase.SCHEDULED,
            seed=move.rng.getrandbits(63),
            rules=SessionRules.from_rules(move.content.rules, campaign.settings.changed()),
        )
    return session, reopen(move, session, last_entry)


def reopen(move: Move, session: Session, last_entry: ChronicleEntry | None) -> list[Event]:
    check_transition(session.phase, Phase.LOBBY)
    session.phase = Phase.LOBBY
    session.opened_at = move.now
    session.deadline = move.now + timedelta(minutes=session.rules.lobby_minutes)
    events: list[Event] = [
        LobbyOpened(
            session=session.id,
            number=session.number,
            deadline=session.deadline.isoformat(),
            min_players=session.rules.min_players,
            max_players=session.rules.max_players,
        )
    ]
    if last_entry is not None:
        events.append(Previously(entry=last_entry))
    return events


def join(
    move: Move,
    circle: Circle,
    session: Session,
    player: Player,
    archetype: str | None = None,
    name: str | None = None,
) -> list[Event]:
    if session.phase is not Phase.LOBBY and session.phase not in ACTIVE_PHASES:
        raise WrongPhase(f"There is no open lobby to join: {describe(session.phase)}.")
    existing = circle.character_of(player.id)
    dreamer = session.dreamers.get(existing.id) if existing else None
    if dreamer is not None and dreamer.present:
        raise AlreadyJoined("You are already in this session.")
    if dreamer is not None and dreamer.status is DreamerStatus.KICKED:
        raise NotADreamer("An admin removed you from this session; you can join the next one.")
    if len(session.present()) >= session.rules.max_players:
        raise LobbyFull(f"This session is full: {session.rules.max_players} dreamers at most.")

    events: list[Event] = []
    if existing is None:
        if archetype is None or name is None:
            raise NoCharacter("Pick an archetype and a name to create your character.")
        existing = characters.create(move, circle, player, archetype, name)
        events.append(CharacterCreated(to=existing.id, character=existing.id))

    late = session.phase is not Phase.LOBBY
    status = DreamerStatus.WAITING if late else DreamerStatus.ACTIVE
    if dreamer is not None:  # coming back after stepping out
        dreamer.status = status
        dreamer.joined_round = session.round + 1 if late else 0
    else:
        session.dreamers[existing.id] = Dreamer(
            character_id=existing.id,
            player_id=player.id,
            seat=len(session.dreamers),
            status=status,
            joined_round=session.round + 1 if late else 0,
            lucidity_at_start=existing.lucidity,
        )
        _snapshot_bonds(move, circle, session, existing.id)
    events.append(
        Joined(
            character=existing.id,
            returning=existing.sessions > 0 or existing.adrift,
            late=late,
            adrift=existing.adrift,
            count=len(session.present()),
        )
    )
    return events


def leave(move: Move, circle: Circle, session: Session, player: Player) -> list[Event]:
    character = circle.character_of(player.id)
    dreamer = session.dreamers.get(character.id) if character else None
    if character is None or dreamer is None or not dreamer.present:
        raise NotADreamer("You are not in this session.")
    return _remove(move, circle, session, dreamer, DreamerStatus.LEFT)


def kick(move: Move, circle: Circle, session: Session, player: Player) -> list[Event]:
    character = circle.character_of(player.id)
    dreamer = session.dreamers.get(character.id) if character else None
    if character is None or dreamer is None or not dreamer.present:
        raise NotADreamer("That member is not a dreamer in this session.")
    events = _remove(move, circle, session, dreamer, DreamerStatus.KICKED)
    events.append(Kicked(character=character.id))
    return events


def _remove(
    move: Move, circle: Circle, session: Session, dreamer: Dreamer, status: DreamerStatus
) -> list[Event]:
    if session.phase not in ACTIVE_PHASES and session.phase is not Phase.LOBBY:
        raise WrongPhase(f"Nobody can leave now: {describe(session.phase)}.")
    if session.phase is Phase.LOBBY:
        del session.dreamers[dreamer.character_id]
    else:
        dreamer.status = status
        session.choices.pop(dreamer.character_id, None)
    events: list[Event] = [
        Left(character=dreamer.character_id, kicked=status is DreamerStatus.KICKED)
    ]
    if session.phase is Phase.DREAMING:
        events += finish_round_if_complete(move, circle, session)
    elif session.glitch is not None:
        events += settle_if_complete(move, circle, session)
    return events


def start(move: Move, circle: Circle, session: Session) -> list[Event]:
    if session.phase is not Phase.LOBBY:
        raise WrongPhase(f"Only an open lobby can start: {describe(session.phase)}.")
    present = session.present()
    if len(present) < session.rules.min_players:
        raise NotEnoughPlayers(
            f"At least {session.rules.min_players} dreamers are needed to start; "
            f"{len(present)} joined."
        )
    check_transition(session.phase, Phase.DREAMING)
    rules = move.content.rules
    campaign = circle.campaign
    session.phase = Phase.DREAMING
    session.started_at = move.now
    session.baseline_at_start = campaign.baseline
    session.dreamscape = _pick_dreamscape(move, circle)
    rested = [
        d.character_id
        for d in present
        if Condition.RESTED in circle.characters[d.character_id].conditions
    ]
    adrift = [d.character_id for d in present if circle.characters[d.character_id].adrift]
    session.stability = clamp(
        campaign.baseline + rules.stability.rested_bonus * len(rested),
        rules.stability.min,
        rules.stability.max,
    )
    for dreamer in present:
        dreamer.lucidity_at_start = circle.characters[dreamer.character_id].lucidity
    events = [
        SessionStarted(
            number=session.number,
            dreamscape=session.dreamscape,
            stability=session.stability,
            baseline=campaign.baseline,
            dreamers=[d.character_id for d in present],
            rested=rested,
            adrift=adrift,
        )
    ]
    return events + begin_round(move, circle, session)


def lobby_timeout(move: Move, circle: Circle, session: Session) -> list[Event]:
    """At the lobby's deadline: start if enough joined, otherwise try again in seven days."""
    if session.phase is not Phase.LOBBY:
        raise WrongPhase(f"The lobby is not open: {describe(session.phase)}.")
    if len(session.present()) >= session.rules.min_players:
        return start(move, circle, session)
    check_transition(session.phase, Phase.POSTPONED)
    opened = session.opened_at or move.now
    session.phase = Phase.POSTPONED
    session.deadline = opened + POSTPONE
    return [
        Postponed(
            number=session.number,
            until=session.deadline.isoformat(),
            joined=len(session.present()),
            needed=session.rules.min_players,
        )
    ]


def _pick_dreamscape(move: Move, circle: Circle) -> str:
    """The Waking after an emergency reset, or the dreamscape just unlocked, if there is one;
    otherwise the one dreamed longest ago (never dreamed first), a tie drawn by chance."""
    campaign = circle.campaign
    known = move.content.dreamscape_by_key
    unlocked = [key for key in campaign.unlocked if key in known]
    if not unlocked:
        unlocked = [d.key for d in move.content.dreamscapes if d.unlocked]
    chosen = campaign.next_dreamscape or ""
    waking = chosen in known and known[chosen].after_reset
    if chosen not in unlocked and not waking:
        last = {key: n for n, key in enumerate(campaign.dreamed)}
        oldest = min(last.get(key, -1) for key in unlocked)
        chosen = move.rng.choice(sorted(k for k in unlocked if last.get(k, -1) == oldest))
    campaign.next_dreamscape = None
    campaign.dreamed = [*(k for k in campaign.dreamed if k != chosen), chosen]
    return chosen


def _snapshot_bonds(move: Move, circle: Circle, session: Session, character_id: str) -> None:
    start = move.content.rules.bonds.start
    for other in session.dreamers:
        if other != character_id:
            key = bond_key(character_id, other)
            session.bonds_at_start[key] = circle.bonds.get(key, start)
