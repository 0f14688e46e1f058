"""The Bedtime service: every move as one transaction, with its idempotency key."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from datetime import timedelta

from bot.content import ContentError
from bot.content.models import Content, Prompt
from bot.core import (
    characters,
    glitch,
    house_rules,
    lobby,
    prompts,
    protocols,
    rest,
    rounds,
)
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
    Event,
    first,
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
from bot.services.calendar import Calendar
from bot.services.outbox import Deliveries
from bot.services.results import MoveResult, RestResult, Table
from bot.services.work import Clock, Context, Store, save
from bot.store import Unit

SessionMove = Callable[[Move, Circle, Session, Player | None], list[Event]]


class Bedtime:
    def __init__(
        self,
        store: Store,
        content: Content,
        clock: Clock,
        rng: random.Random | None = None,
        ids: Ids | None = None,
    ) -> None:
        if unknown := rounds.unknown_rules(content):
            raise ContentError(f"actions.toml: no rule called {unknown[0]!r} in the core")
        rng = rng or random.Random()
        # The bot passes an unguessable source; tests and terminal play draw from the seed.
        self.context = Context(store, content, clock, rng, ids or seeded_ids(rng))
        self.store, self.content, self.clock = store, content, clock
        self.read = store.read
        self.deliveries = Deliveries(self.context)
        self.calendar = Calendar(self.context, self._expire_due)

    # --- campaigns and players ---

    async def campaign(self, guild_id: int, channel_id: int) -> Campaign | None:
        return await self.read.campaigns.by_channel(guild_id, channel_id)

    async def campaign_by_id(self, campaign_id: str) -> Campaign | None:
        return await self.read.campaigns.by_id(campaign_id)

    async def campaigns_in(self, guild_id: int) -> list[Campaign]:
        return await self.read.campaigns.in_guild(guild_id)

    async def setup(self, guild_id: int, channel_id: int, key: str | None = None) -> Campaign:
        async with self.store.work() as unit:
            if await unit.campaigns.by_channel(guild_id, channel_id) is not None:
                raise SessionInProgress("This channel already has a Bedtime campaign.")
            campaign = Campaign(
                id=self.context.ids(),
                guild_id=guild_id,
                channel_id=channel_id,
                baseline=self.content.rules.stability.first_baseline,
                unlocked=[d.key for d in self.content.dreamscapes if d.unlocked],
                created_at=self.clock(),
            )
            await unit.campaigns.add(campaign)
            await unit.record(key, campaign.id, self.clock())
        return campaign

    def _move(self, rng: random.Random | None = None) -> Move:
        return self.context.move(rng)

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
        async with self.store.work() as unit:
            await unit.lobbies.set(session_id, channel_id, message_id)

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
        return await self._play(campaign, key, None, needs_session=False)

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

    async def _expire_due(self, campaign: Campaign, key: str) -> MoveResult:
        """The calendar's deadline tick: what it changes is owed to the circle by the outbox."""
        return await self.expire(campaign, key, outbox=True)

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
        async with self.context.live.around([campaign.id]), self.store.work() as unit:
            fresh = await unit.fresh(campaign)
            fresh.settings = house_rules.change(self.content, fresh.settings, setting, value)
            await unit.campaigns.save(fresh)
            await unit.record(key, fresh.id, self.clock())
        return fresh

    async def teardown(self, campaign: Campaign, key: str | None = None) -> None:
        """Delete the campaign and everything in it, for real."""
        async with self.context.live.around([campaign.id]), self.store.work() as unit:
            await unit.campaigns.delete(campaign.id)
            await unit.record(key, None, self.clock())
        await self.store.scrub()

    async def rest(
        self, user_id: int, display_name: str = "", key: str | None = None
    ) -> RestResult:
        """Log real rest for the player; enough of it makes their characters Rested."""
        return await self.context.live.across_player(
            user_id, lambda unit, waited: self._rest(unit, waited, user_id, display_name, key)
        )

    async def _rest(
        self, unit: Unit, waited: set[str], user_id: int, display_name: str, key: str | None
    ) -> RestResult:
        rules = self.content.rules.rest
        now = self.clock()
        player = await unit.player(user_id, display_name, self.context.ids, lock=True)
        await unit.campaigns.lock_of_player(player.id)  # before their characters are read
        rests = await unit.players.rests(player.id)
        if key is not None and await unit.moves.seen(key):
            return RestResult(max(rests, default=now))
        rest.check_rest(rules, rests, now)
        await unit.players.add_rest(player.id, now)
        rests.append(now)
        progress: dict[str, RestProgress] = {}
        newly: list[str] = []
        characters = await unit.characters.of_player(player.id)
        self.context.live.check(waited, (c.campaign_id for c in characters))
        for character in characters:
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
        apply: SessionMove | None,
        *,
        user_id: int | None = None,
        display_name: str = "",
        needs_session: bool = True,
        session_id: str | None = None,
        outbox: bool = False,
    ) -> MoveResult:
        """Apply a move to the campaign's live session and wait for its commit."""
        live = self.context.live
        if user_id is not None:
            await live.known_player(user_id)  # read once, then remembered
        held = await live.hold(campaign.id)
        if key is not None and key in held.keys:  # a repeat: the original's answer stands
            original = held.keys[key]
            if original is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(original)
            return MoveResult([], *held.thaw(), replayed=True)
        # From here to the submit nothing waits: the held state is read and changed at once.
        circle, session = held.thaw()
        if session_id is not None and (session is None or session.id != session_id):
            raise Stale("That belongs to a session that is over.")
        unit = self.store.recording()
        player, new = (None, None)
        if user_id is not None:
            player, new = live.player(user_id, display_name, self.context.ids)
        if apply is None:  # opening the next session: the move that makes one
            opened, events = lobby.open_session(self._move(), circle, session, held.last)
            if session is None or opened.id != session.id:
                held.stored = set()  # a new session: none of its texts is stored yet
            session = opened
        elif session is None:
            if needs_session:
                raise NoSession("There is no Bedtime session in this channel right now.")
            events = apply(self._move(), circle, session, player)  # type: ignore[arg-type]
        else:
            rng = random.Random(f"{session.seed}:{session.moves}")
            events = apply(self._move(rng), circle, session, player)
            session.moves += 1
        try:
            if new is not None:
                await unit.players.add(new)
            await save(unit, circle, session, events, key, self.clock(), held)
            if outbox or key is not None:
                await self.deliveries.owe(
                    unit, circle, session, events, held_by=None if outbox else key
                )
        except BaseException:
            live.evict(campaign.id)  # changed in memory, and not written
            raise
        result = MoveResult(events, circle, session)
        await asyncio.shield(live.submit(campaign.id, held, unit, key, player, new is not None))
        if first(events, Archived) is not None:
            await self.store.scrub()  # deleted confession text leaves no trace in the WAL
        return result

    async def healthy(self) -> bool:
        """False once the database file has been deleted or replaced under the bot."""
        return await self.store.watch()

    async def saved(self, key: str) -> bool:
        """Whether the move under this key is on disk: its answer may fail after it was."""
        return await self.read.moves.seen(key)

    async def recent_keys(self, window: timedelta) -> list[str]:
        """Interactions changed within `window`: Discord may deliver one again that long."""
        return await self.read.moves.since(self.clock() - window)


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


__all__ = ["Bedtime", "GameError", "MoveResult", "RestResult", "Table"]
