"""The Bedtime service: every move as one transaction, with its idempotency key."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import aiosqlite

from bot.content.models import Content, Prompt
from bot.core import (
    calendar,
    characters,
    glitch,
    house_rules,
    lobby,
    prompts,
    protocols,
    rest,
    rounds,
)
from bot.core.dawn import chronicle_of
from bot.core.errors import (
    GameError,
    NoCharacter,
    NoSession,
    NotADreamer,
    SessionInProgress,
    Stale,
)
from bot.core.events import (
    Archived,
    Audience,
    Event,
    Reminder,
    ScheduleSet,
    Skipped,
    dump,
    first,
    load,
)
from bot.core.models import (
    Campaign,
    Character,
    ChronicleEntry,
    Circle,
    Confession,
    Player,
    Session,
)
from bot.core.move import Ids, Move, seeded_ids
from bot.core.phases import Phase
from bot.core.rest import RestProgress
from bot.store import (
    Campaigns,
    Characters,
    Chronicle,
    Circles,
    Database,
    Departures,
    LobbyMessages,
    Moves,
    Outbox,
    Players,
    Prompts,
    Reminders,
    RevealMessages,
    Sessions,
)

Clock = Callable[[], datetime]
SessionMove = Callable[[Move, Circle, Session, Player | None], list[Event]]


@dataclass(slots=True)
class MoveResult:
    """What a move did: its events, and the state after it, for rendering names and numbers."""

    events: list[Event]
    circle: Circle
    session: Session | None
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A read-only look at a campaign and its current session."""

    circle: Circle
    session: Session | None


@dataclass(frozen=True, slots=True)
class RestResult:
    logged_at: datetime
    progress: dict[str, RestProgress] = field(default_factory=dict)  # by campaign id
    newly_rested: list[str] = field(default_factory=list)  # character ids


class Unit:
    """The repositories over one transaction's connection."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.campaigns = Campaigns(connection)
        self.players = Players(connection)
        self.circles = Circles(connection)
        self.characters = Characters(connection)
        self.sessions = Sessions(connection)
        self.chronicle = Chronicle(connection)
        self.moves = Moves(connection)
        self.outbox = Outbox(connection)
        self.reminders = Reminders(connection)
        self.prompts = Prompts(connection)
        self.reveals = RevealMessages(connection)
        self.departures = Departures(connection)
        self.lobbies = LobbyMessages(connection)


class Bedtime:
    def __init__(
        self,
        db: Database,
        content: Content,
        clock: Clock,
        rng: random.Random | None = None,
        ids: Ids | None = None,
    ) -> None:
        self.db = db
        self.content = content
        self.clock = clock
        self.rng = rng or random.Random()
        # The bot passes an unguessable source; tests and terminal play draw from the seed.
        self.ids = ids or seeded_ids(self.rng)
        self.read = Unit(db.reader)
        self.held: set[str] = set()  # keys of moves whose posts an interaction is sending

    # --- campaigns and players ---

    async def campaign(self, guild_id: int, channel_id: int) -> Campaign | None:
        return await self.read.campaigns.by_channel(guild_id, channel_id)

    async def campaign_by_id(self, campaign_id: str) -> Campaign | None:
        return await self.read.campaigns.by_id(campaign_id)

    async def campaigns_in(self, guild_id: int) -> list[Campaign]:
        return await self.read.campaigns.in_guild(guild_id)

    async def setup(self, guild_id: int, channel_id: int, key: str | None = None) -> Campaign:
        async with self.db.transaction() as connection:
            unit = Unit(connection)
            if await unit.campaigns.by_channel(guild_id, channel_id) is not None:
                raise SessionInProgress("This channel already has a Bedtime campaign.")
            campaign = Campaign(
                id=self.new_id(),
                guild_id=guild_id,
                channel_id=channel_id,
                baseline=self.content.rules.stability.first_baseline,
                unlocked=[d.key for d in self.content.dreamscapes if d.unlocked],
                created_at=self.clock(),
            )
            await unit.campaigns.add(campaign)
            await self.record(unit, key, campaign.id)
        return campaign

    async def ensure_player(self, unit: Unit, user_id: int, display_name: str = "") -> Player:
        player = await unit.players.by_user(user_id)
        if player is None:
            player = Player(id=self.new_id(), user_id=user_id, display_name=display_name[:64])
            await unit.players.add(player)
        return player

    def new_id(self) -> str:
        return self.ids()

    def _move(self, rng: random.Random | None = None) -> Move:
        return Move(self.content, rng or self.rng, self.clock(), self.ids)

    # --- reading ---

    async def table(self, campaign: Campaign) -> Table:
        circle = await self.read.circles.load(campaign)
        return Table(circle, await self.read.sessions.current(campaign.id))

    async def session(self, campaign: Campaign, session_id: str) -> Session:
        """One of the campaign's sessions, current or past."""
        session = await self.read.sessions.by_id(session_id)
        if session is None or session.campaign_id != campaign.id:
            raise Stale("That session is gone.")
        return session

    async def player(self, user_id: int) -> Player | None:
        return await self.read.players.by_user(user_id)

    async def chronicle(
        self, campaign: Campaign, number: int | None = None
    ) -> ChronicleEntry | None:
        if number is None:
            return await self.read.chronicle.latest(campaign.id)
        return await self.read.chronicle.by_number(campaign.id, number)

    async def kept_texts(self, entry: ChronicleEntry) -> dict[str, str]:
        return await self.read.chronicle.texts(entry)

    async def remember_lobby(self, session_id: str, channel_id: int, message_id: int) -> None:
        async with self.db.transaction() as connection:
            await Unit(connection).lobbies.set(session_id, channel_id, message_id)

    async def lobby_message(self, session_id: str) -> tuple[int, int] | None:
        """(channel id, message id) of the session's lobby message, if it was posted."""
        return await self.read.lobbies.of_session(session_id)

    async def heard(
        self, campaign: Campaign, user_id: int, table: Table | None = None
    ) -> int | None:
        """How many heard the player's shared confessions in the session under way, or else
        the last one: theirs alone to see. None if they shared nothing there. A move's own
        result can stand in for the table, so that nothing is read twice."""
        player = await self.player(user_id)
        if player is None:
            return None
        table = table or await self.table(campaign)
        session = table.session
        if session is None or not session.glitches:
            last = await self.chronicle(campaign)
            session = await self.read.sessions.by_id(last.session_id) if last else None
        return glitch.heard(table.circle, session, player) if session else None

    async def my_prompt(self, campaign: Campaign, user_id: int) -> tuple[Confession, Prompt]:
        """The prompt the player was dealt in the current glitch: always the current deal."""
        table = await self.table(campaign)
        player = await self.player(user_id)
        if table.session is None or player is None:
            raise NotADreamer("You have no prompt right now.")
        confession = glitch.my_confession(table.circle, table.session, player)
        return confession, prompts.find(self.content, table.circle, confession.prompt_id)

    # --- moves ---

    async def open(self, campaign: Campaign, key: str | None = None) -> MoveResult:
        async with self.db.transaction() as connection:
            unit = Unit(connection)
            if key is not None and await unit.moves.seen(key):
                return MoveResult([], await unit.circles.load(campaign), None, replayed=True)
            campaign = await self.fresh(unit, campaign)
            circle = await unit.circles.load(campaign)
            current = await unit.sessions.current(campaign.id)
            last = await unit.chronicle.latest(campaign.id)
            session, events = lobby.open_session(self._move(), circle, current, last)
            await self._save(unit, circle, session, events, key)
            if key is not None:
                await self._owe(unit, circle, session, events, held_by=key)
        return MoveResult(events, circle, session)

    async def join(
        self,
        campaign: Campaign,
        user_id: int,
        *,
        display_name: str = "",
        archetype: str | None = None,
        name: str | None = None,
        key: str | None = None,
        session_id: str | None = None,
    ) -> MoveResult:
        return await self._play(
            campaign,
            key,
            lambda m, c, s, p: lobby.join(m, c, s, _known(p), archetype, name),
            user_id=user_id,
            display_name=display_name,
            session_id=session_id,
        )

    async def leave(self, campaign: Campaign, user_id: int, key: str | None = None) -> MoveResult:
        return await self._play(campaign, key, _as_player(lobby.leave), user_id=user_id)

    async def kick(self, campaign: Campaign, user_id: int, key: str | None = None) -> MoveResult:
        return await self._play(campaign, key, _as_player(lobby.kick), user_id=user_id)

    async def start(self, campaign: Campaign, key: str | None = None) -> MoveResult:
        return await self._play(campaign, key, lambda m, c, s, _: lobby.start(m, c, s))

    async def act(
        self,
        campaign: Campaign,
        user_id: int,
        action: str,
        target: str | None = None,
        key: str | None = None,
        *,
        session_id: str | None = None,
        round_number: int | None = None,
    ) -> MoveResult:
        return await self._play(
            campaign,
            key,
            lambda m, c, s, p: rounds.act(
                m, c, s, _known(p), action, target, round_number=round_number
            ),
            user_id=user_id,
            session_id=session_id,
        )

    async def answer(
        self,
        campaign: Campaign,
        user_id: int,
        text: str,
        *,
        share: bool,
        key: str | None = None,
        session_id: str | None = None,
    ) -> MoveResult:
        return await self._play(
            campaign,
            key,
            lambda m, c, s, p: glitch.answer(m, c, s, _known(p), text, share=share),
            user_id=user_id,
            session_id=session_id,
        )

    async def pass_prompt(
        self,
        campaign: Campaign,
        user_id: int,
        key: str | None = None,
        *,
        session_id: str | None = None,
    ) -> MoveResult:
        return await self._play(
            campaign,
            key,
            _as_player(glitch.pass_prompt),
            user_id=user_id,
            session_id=session_id,
        )

    async def soften(
        self,
        campaign: Campaign,
        user_id: int,
        key: str | None = None,
        *,
        session_id: str | None = None,
    ) -> MoveResult:
        return await self._play(
            campaign,
            key,
            _as_player(glitch.soften),
            user_id=user_id,
            session_id=session_id,
        )

    async def resonate(
        self,
        campaign: Campaign,
        user_id: int,
        card: str,
        key: str | None = None,
        *,
        session_id: str | None = None,
    ) -> MoveResult:
        return await self._play(
            campaign,
            key,
            lambda m, c, s, p: glitch.resonate(m, c, s, _known(p), card),
            user_id=user_id,
            session_id=session_id,
        )

    async def ready(
        self,
        campaign: Campaign,
        user_id: int,
        key: str | None = None,
        *,
        session_id: str | None = None,
    ) -> MoveResult:
        return await self._play(
            campaign,
            key,
            _as_player(glitch.ready),
            user_id=user_id,
            session_id=session_id,
        )

    async def force_glitch(self, campaign: Campaign, key: str | None = None) -> MoveResult:
        return await self._play(campaign, key, lambda m, c, s, _: protocols.force_glitch(m, c, s))

    async def reset(self, campaign: Campaign, key: str | None = None) -> MoveResult:
        return await self._play(
            campaign, key, lambda m, c, s, _: protocols.emergency_reset(m, c, s)
        )

    async def abandon(self, campaign: Campaign) -> MoveResult:
        """Drop the unfinished night (the terminal's --abandon)."""
        return await self._play(campaign, None, lambda m, c, s, _: protocols.abandon(m, c, s))

    async def end(self, campaign: Campaign, key: str | None = None) -> MoveResult:
        return await self._play(campaign, key, lambda m, c, s, _: protocols.end_now(m, c, s))

    async def expire(
        self, campaign: Campaign, key: str | None = None, *, outbox: bool = False
    ) -> MoveResult:
        """Act on the current session's deadline if it has passed; otherwise change nothing."""

        def due(move: Move, circle: Circle, session: Session, _: Player | None) -> list[Event]:
            if session.deadline is None or session.deadline > move.now:
                return []
            timeout = _TIMEOUTS.get(session.phase)
            return timeout(move, circle, session) if timeout else []

        return await self._play(campaign, key, due, outbox=outbox)

    async def rename(
        self, campaign: Campaign, user_id: int, name: str, key: str | None = None
    ) -> MoveResult:
        def apply(move: Move, circle: Circle, _: Session | None, p: Player | None) -> list[Event]:
            return characters.rename(move, circle, _own(circle, p), name)

        return await self._play(campaign, key, apply, user_id=user_id, needs_session=False)

    async def retire(self, campaign: Campaign, user_id: int, key: str | None = None) -> MoveResult:
        def apply(
            move: Move, circle: Circle, session: Session | None, p: Player | None
        ) -> list[Event]:
            character = _own(circle, p)
            dreamer = session.dreamers.get(character.id) if session else None
            if dreamer is not None and dreamer.present:
                raise SessionInProgress("You can't retire a character in the middle of a session.")
            return characters.retire(circle, character)

        return await self._play(campaign, key, apply, user_id=user_id, needs_session=False)

    async def configure(
        self, campaign: Campaign, setting: str, value: str, key: str | None = None
    ) -> Campaign:
        """Change one house rule; it applies from the next session."""
        async with self.db.transaction() as connection:
            unit = Unit(connection)
            fresh = await self.fresh(unit, campaign)
            fresh.settings = house_rules.change(self.content, fresh.settings, setting, value)
            await unit.campaigns.save(fresh)
            await self.record(unit, key, fresh.id)
        return fresh

    async def teardown(self, campaign: Campaign, key: str | None = None) -> None:
        """Delete the campaign and everything in it, for real."""
        async with self.db.transaction() as connection:
            unit = Unit(connection)
            await unit.campaigns.delete(campaign.id)
            await self.record(unit, key, None)
        await self.db.scrub()

    # --- the calendar and timers ---

    async def schedule(
        self,
        campaign: Campaign,
        week: str,
        weekday: str,
        time: str,
        timezone: str | None = None,
        key: str | None = None,
    ) -> MoveResult:
        """Set the monthly rule; its zone becomes the campaign's."""
        zone = timezone or campaign.settings.get("timezone") or "UTC"
        rule = calendar.make(week, weekday, time, zone)
        now = self.clock()
        async with self.db.transaction() as connection:
            unit = Unit(connection)
            fresh = await self.fresh(unit, campaign)
            fresh.schedule = rule
            fresh.settings = {**fresh.settings, "timezone": rule.timezone}
            fresh.next_at = calendar.next_session(rule, now)
            await unit.campaigns.save(fresh)
            await self.record(unit, key, fresh.id)
            circle = await unit.circles.load(fresh)
        event = ScheduleSet(
            **rule.model_dump(exclude={"skipped"}), next_at=fresh.next_at.isoformat()
        )
        return MoveResult([event], circle, None)

    async def skip(self, campaign: Campaign, key: str | None = None) -> MoveResult:
        """Leave out the next scheduled session."""
        async with self.db.transaction() as connection:
            unit = Unit(connection)
            fresh = await self.fresh(unit, campaign)
            if fresh.schedule is None or fresh.next_at is None:
                raise NoSession("There is no schedule to skip. Set one with /bedtime schedule.")
            skipped = fresh.next_at
            fresh.schedule.skipped = [*fresh.schedule.skipped[-23:], skipped]
            fresh.next_at = calendar.next_session(fresh.schedule, skipped)
            await unit.campaigns.save(fresh)
            await self.record(unit, key, fresh.id)
            circle = await unit.circles.load(fresh)
        event = Skipped(skipped=skipped.isoformat(), next_at=fresh.next_at.isoformat())
        return MoveResult([event], circle, None)

    async def set_event(self, campaign: Campaign, event_id: int | None) -> None:
        async with self.db.transaction() as connection:
            unit = Unit(connection)
            fresh = await self.fresh(unit, campaign)
            fresh.event_id = event_id
            await unit.campaigns.save(fresh)

    async def due(self) -> list[Campaign]:
        """Campaigns with a deadline, a scheduled opening or a reminder that has come due."""
        now = self.clock()
        horizon = now + house_rules.LONGEST_REMINDER
        ids = {campaign for campaign, _ in await self.read.sessions.due(now)}
        ids |= set(await self.read.campaigns.scheduled_before(horizon))
        found = [await self.read.campaigns.by_id(i) for i in sorted(ids)]
        return [c for c in found if c is not None]

    async def tick(self, campaign: Campaign) -> int:
        """Fire whatever is due for one campaign, each exactly once. Returns how many fired."""
        fired = await self._scheduled(campaign)
        table = await self.table(campaign)
        session = table.session
        if (
            session is not None
            and session.deadline is not None
            and session.deadline <= self.clock()
        ):
            result = await self.expire(campaign, key=f"t:{session.id}:{session.moves}", outbox=True)
            fired += bool(result.events)
        return fired

    async def _scheduled(self, campaign: Campaign) -> int:
        now = self.clock()
        fired = 0
        async with self.db.transaction() as connection:
            unit = Unit(connection)
            fresh = await unit.campaigns.by_id(campaign.id)
            if fresh is None or fresh.schedule is None or fresh.next_at is None:
                return 0
            current = await unit.sessions.current(fresh.id)
            begun = current is not None and current.phase is not Phase.POSTPONED
            due_at = fresh.next_at
            for before in house_rules.reminders(fresh.settings):
                window = due_at - timedelta(minutes=before) <= now < due_at
                if window and not begun and await unit.reminders.claim(fresh.id, due_at, before):
                    role = fresh.settings.get("reminder_role")
                    reminder = Reminder(at=due_at.isoformat(), before=before, role=role)
                    await unit.outbox.add(fresh.id, None, dump([reminder]), now)
                    fired += 1
            if due_at > now:
                return fired
            fresh.next_at = calendar.next_session(fresh.schedule, due_at)
            if begun:  # a session is already open or under way: this date is taken
                await unit.campaigns.save(fresh)
                return fired
            circle = await unit.circles.load(fresh)
            last = await unit.chronicle.latest(fresh.id)
            session, events = lobby.open_session(self._move(), circle, current, last)
            await self._save(unit, circle, session, events, f"open:{fresh.id}:{due_at.isoformat()}")
            await unit.outbox.add(fresh.id, session.id, dump(events), now)
            return fired + 1

    async def outbox(self) -> list[tuple[int, MoveResult]]:
        """Posts owed to circles, oldest first, each with the state to render it against."""
        owed = []
        for row_id, campaign_id, session_id, events in await self.read.outbox.pending():
            campaign = await self.read.campaigns.by_id(campaign_id)
            if campaign is None:
                continue
            circle = await self.read.circles.load(campaign)
            session = await self.read.sessions.by_id(session_id) if session_id else None
            owed.append((row_id, MoveResult(load(events), circle, session)))
        return owed

    async def posted(self, row_id: int) -> None:
        async with self.db.transaction() as connection:
            await Outbox(connection).done(row_id)

    async def rest(
        self, user_id: int, display_name: str = "", key: str | None = None
    ) -> RestResult:
        """Log real rest for the player; enough of it makes their characters Rested."""
        rules = self.content.rules.rest
        now = self.clock()
        async with self.db.transaction() as connection:
            unit = Unit(connection)
            player = await self.ensure_player(unit, user_id, display_name)
            rests = await unit.players.rests(player.id)
            if key is not None and await unit.moves.seen(key):
                return RestResult(max(rests, default=now))
            rest.check_rest(rules, rests, now)
            await unit.players.add_rest(player.id, now)
            rests.append(now)
            progress: dict[str, RestProgress] = {}
            newly: list[str] = []
            for character in await unit.characters.of_player(player.id):
                last = await unit.chronicle.latest(character.campaign_id)
                state = rest.progress(rules, rests, last.ended_at if last else None)
                progress[character.campaign_id] = state
                if rest.apply_rested(character, state):
                    newly.append(character.id)
                    await unit.characters.save(character)
            if key is not None:
                campaign_id = next(iter(progress), None)
                if campaign_id is not None:
                    await unit.moves.record(key, campaign_id, now)
        return RestResult(now, progress, newly)

    # --- the one path ---

    async def _play(
        self,
        campaign: Campaign,
        key: str | None,
        apply: SessionMove,
        *,
        user_id: int | None = None,
        display_name: str = "",
        needs_session: bool = True,
        session_id: str | None = None,
        outbox: bool = False,
    ) -> MoveResult:
        async with self.db.transaction() as connection:
            unit = Unit(connection)
            if key is not None and await unit.moves.seen(key):
                circle = await unit.circles.load(campaign)
                return MoveResult([], circle, await unit.sessions.current(campaign.id), True)
            campaign = await self.fresh(unit, campaign)
            circle = await unit.circles.load(campaign)
            session = await unit.sessions.current(campaign.id)
            if session_id is not None and (session is None or session.id != session_id):
                raise Stale("That belongs to a session that is over.")
            player = (
                await self.ensure_player(unit, user_id, display_name)
                if user_id is not None
                else None
            )
            if session is None:
                if needs_session:
                    raise NoSession("There is no Bedtime session in this channel right now.")
                events = apply(self._move(), circle, session, player)  # type: ignore[arg-type]
            else:
                rng = random.Random(f"{session.seed}:{session.moves}")
                events = apply(self._move(rng), circle, session, player)
                session.moves += 1
            await self._save(unit, circle, session, events, key)
            if outbox or key is not None:
                await self._owe(unit, circle, session, events, held_by=None if outbox else key)
        if first(events, Archived) is not None:
            await self.db.scrub()  # deleted confession text leaves no trace in the WAL
        return MoveResult(events, circle, session)

    async def _owe(
        self,
        unit: Unit,
        circle: Circle,
        session: Session | None,
        events: list[Event],
        held_by: str | None = None,
    ) -> None:
        """Write what the move owes the circle in the move's own transaction: for the scheduler
        to post, or, `held_by` the move's key, while its interaction tells the circle itself,
        so that a crash before it does cannot lose it."""
        shown = [e for e in events if e.audience is not Audience.DREAMER]
        if not shown or (held_by is not None and not any(e.told for e in shown)):
            return
        session_id = session.id if session else None
        await unit.outbox.add(circle.campaign.id, session_id, dump(shown), self.clock(), held_by)
        if held_by is not None:
            self.held.add(held_by)  # if the transaction rolls back, the key finds no row

    async def settle(self, key: str, *, told: bool) -> None:
        """The interaction that made a move is done: if it told the circle what the move owed,
        nothing is owed any more; if it failed partway, the scheduler posts it."""
        if key not in self.held:
            return
        self.held.discard(key)
        async with self.db.transaction() as connection:
            outbox = Outbox(connection)
            await (outbox.answered(key) if told else outbox.release(key))

    async def recover(self) -> int:
        """At start-up: posts held by interactions of a process that died are the scheduler's
        to send now. Returns how many."""
        async with self.db.transaction() as connection:
            return await Outbox(connection).release()

    async def record(self, unit: Unit, key: str | None, campaign_id: str | None) -> None:
        """Note an interaction's change in its own transaction: a repeat then changes nothing.
        A change not bound to one campaign (or that deletes it) is noted apart from moves."""
        if key is not None:
            await unit.moves.record(key, campaign_id, self.clock())

    async def healthy(self) -> bool:
        """False once the database file has been deleted or replaced under the bot."""
        return await self.db.watch()

    async def recent_keys(self, window: timedelta) -> list[str]:
        """Interactions changed within `window`: Discord may deliver one again that long."""
        return await self.read.moves.since(self.clock() - window)

    async def fresh(self, unit: Unit, campaign: Campaign) -> Campaign:
        fresh = await unit.campaigns.by_channel(campaign.guild_id, campaign.channel_id)
        if fresh is None:
            raise NoSession("This channel no longer has a Bedtime campaign.")
        return fresh

    async def _save(
        self,
        unit: Unit,
        circle: Circle,
        session: Session | None,
        events: list[Event],
        key: str | None,
    ) -> None:
        await unit.circles.save(circle)
        if session is not None:
            await unit.sessions.save(session)
        entry = chronicle_of(events)
        if entry is not None:
            await unit.chronicle.add(circle.campaign.id, entry)
        await self.record(unit, key, circle.campaign.id)


_TIMEOUTS: dict[Phase, Callable[[Move, Circle, Session], list[Event]]] = {
    Phase.LOBBY: lobby.lobby_timeout,
    Phase.DREAMING: rounds.round_timeout,
    Phase.CONFESSING: glitch.confession_timeout,
    Phase.RESONANCE: glitch.resonance_timeout,
    Phase.POSTPONED: lambda move, circle, session: lobby.reopen(move, session, None),
}


def _as_player(move: Callable[[Move, Circle, Session, Player], list[Event]]) -> SessionMove:
    """A move made by a player, who the service has always resolved for it."""
    return lambda m, c, s, p: move(m, c, s, _known(p))


def _known(player: Player | None) -> Player:
    if player is None:  # the service always resolves the player for these moves
        raise NotADreamer("Only players can do that.")
    return player


def _own(circle: Circle, player: Player | None) -> Character:
    character = circle.character_of(_known(player).id)
    if character is None:
        raise NoCharacter("You don't have a character in this campaign yet. Join a session first.")
    return character


__all__ = ["Bedtime", "GameError", "MoveResult", "RestResult", "Table", "Unit"]
