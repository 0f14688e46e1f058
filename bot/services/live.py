"""Live sessions, owned in memory: the one path for every change to a campaign's circle and
its current session.

A campaign's circle and session are loaded on its first move and held (`Held`) until it goes
idle. A move applies the pure core to the held state with no await between reading and writing
it, records what changed (the session's row and the move's key; the circle's rows only when
they changed), and waits only for the group commit (see bot/store/batch.py). Nothing on that
path reads the database.

Changes made outside moves (settings, rest, forget-me, the purge, teardown, prompts, Hide)
run `around` the campaigns they touch: moves on those wait, moves already made are committed
first, and the held state is dropped when the change is done, so that the next move loads what
it wrote. A failed commit drops the state of every move in it the same way, so that what is
held again is exactly what was acknowledged.

There is one `Live` per store (`live_of`): two owners of one campaign would write over each
other. With several processes (shards on one PostgreSQL), a campaign is held only by the
process that owns its guild; a change that crosses into campaigns other processes hold (a
player's rest or forget-me) moves their generation on and tells them (`announce`, heard by
`listen`), and they let go. A session that writes its circle from memory before it hears is
refused (`Campaigns.unchanged_since`) and read again: it never writes over the change.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from bot.content.models import Prompt
from bot.core.errors import NoSession
from bot.core.models import (
    Boundaries,
    Campaign,
    Character,
    ChronicleEntry,
    Circle,
    Player,
    Session,
)
from bot.core.phases import Phase
from bot.store import Unit
from bot.store.repositories import CircleRows
from bot.store.shards import Stale

if TYPE_CHECKING:
    from bot.services.work import Store

# A held campaign knows its last moves' keys: Discord repeats an interaction within seconds,
# and the moves table's key is the backstop beyond these.
KEYS_PER_CAMPAIGN = 64
IDLE_SECONDS = 30 * 60.0  # a campaign with no move for this long is let go
SWEEP_EVERY = 1024  # holds between looks for idle campaigns
PLAYERS = 100_000  # players remembered by user id
_OVER = (Phase.ARCHIVED, Phase.CANCELLED)
T = TypeVar("T")


@dataclass(slots=True, eq=False)
class Held:
    """One campaign's circle and current session as committed plus the moves in flight, kept
    as the text of their rows: compact, and each move (and its answer) gets objects of its
    own, which later moves cannot change under it."""

    rows: CircleRows  # the campaign and its characters as last written, and the bonds
    boundaries: dict[str, Boundaries]  # these two change only outside moves
    prompts: list[Prompt]
    session: str | None  # the current session's JSON
    texts: dict[str, str]  # its confession texts
    stored: set[str]  # ids of those texts in the database
    last: ChronicleEntry | None  # the campaign's latest chronicle entry
    generation: int = 0  # the campaign's, when loaded: see Campaigns.unchanged_since
    # Keys of the campaign's recent moves: a repeat waits for the original's commit.
    keys: OrderedDict[str, asyncio.Future[None] | None] = field(default_factory=OrderedDict)
    used: float = 0.0
    pending: int = 0

    @classmethod
    def of(cls, circle: Circle, session: Session | None, last: ChronicleEntry | None) -> Held:
        return cls(
            CircleRows.of(circle),
            circle.boundaries,
            circle.prompts,
            session.model_dump_json() if session else None,
            dict(session.texts) if session else {},
            set(session.texts) if session else set(),
            last,
        )

    def thaw(self) -> tuple[Circle, Session | None]:
        """The circle and session as objects of their own, for one move and its answer."""
        rows = self.rows
        characters = (Character.model_validate_json(row[5]) for row in rows.characters.values())
        circle = Circle.model_construct(
            campaign=Campaign.model_validate_json(rows.campaign),
            characters={c.id: c for c in characters},
            bonds=dict(rows.bonds),
            boundaries=dict(self.boundaries),
            prompts=list(self.prompts),
        )
        if self.session is None:
            return circle, None
        session = Session.model_validate_json(self.session)
        session.texts = dict(self.texts)
        return circle, session

    def wrote(
        self, rows: CircleRows, session: Session | None, text: str | None, stored: set[str]
    ) -> None:
        """What a move left: the rows it wrote, and its session (`text`, its JSON)."""
        self.rows, self.stored = rows, stored
        if session is None or session.phase in _OVER:  # over: no longer the current one
            self.session, self.texts, self.stored = None, {}, set()
        else:
            self.session, self.texts = text, dict(session.texts)


class Widen(Exception):
    """A change across campaigns touches more than it waited for: it is tried again."""

    def __init__(self, campaign_ids: Iterable[str]) -> None:
        super().__init__("a change touched campaigns it did not wait for")
        self.campaign_ids = set(campaign_ids)


class Live:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.held: dict[str, Held] = {}
        self.loading: dict[str, asyncio.Future[None]] = {}
        self.gates: dict[str, asyncio.Future[None]] = {}  # campaigns a change is around
        self.exclusive = asyncio.Lock()  # one change around campaigns at a time
        # Players by user id, as (player id, display name): a Player object costs four times
        # as much, and a live session brings four to six of them.
        self.players: OrderedDict[int, tuple[str, str]] = OrderedDict()
        self.changed_while_loading: set[str] = set()
        self._holds = 0

    async def listen(self) -> None:
        """Hear what other processes change (a player's rest or forget-me reaches campaigns
        this one holds): that state is let go, and read again by the next move."""
        await self.store.on_stale(self.heard)

    def heard(self, notice: Stale) -> None:
        for campaign_id in notice.campaign_ids:
            self.evict(campaign_id)
            if campaign_id in self.loading:
                self.changed_while_loading.add(campaign_id)
        for user_id in notice.user_ids:
            self.forget_player(user_id)

    # --- holding ---

    async def hold(self, campaign_id: str) -> Held:
        """The campaign's held state, loaded on first touch; waits while a change is around
        it. Raises NoSession if the campaign is gone."""
        while True:
            gate = self.gates.get(campaign_id)
            if gate is not None:
                await asyncio.shield(gate)
                continue
            held = self.held.get(campaign_id)
            if held is not None:
                held.used = time.monotonic()
                self._holds += 1
                if self._holds % SWEEP_EVERY == 0:
                    self.sweep(IDLE_SECONDS)
                return held
            loading = self.loading.get(campaign_id)
            if loading is None:
                loading = asyncio.ensure_future(self._load(campaign_id))
                self.loading[campaign_id] = loading
            await asyncio.shield(loading)

    async def _load(self, campaign_id: str) -> None:
        try:
            read = self.store.read
            # First: a change from another process after this read makes the circle's next
            # write fail, never overwrite it.
            campaign, generation = await read.campaigns.with_generation(campaign_id)
            if campaign is None:
                raise NoSession("This channel no longer has a Bedtime campaign.")
            circle = await read.circles.load(campaign)
            session = await read.sessions.current(campaign_id)
            keys = await read.moves.latest(campaign_id, KEYS_PER_CAMPAIGN)
            last = await read.chronicle.latest(campaign_id)
            held = Held.of(circle, session, last)
            held.generation = generation
            held.keys, held.used = OrderedDict.fromkeys(keys), time.monotonic()
            # Not if a change is about to replace it, or another process changed it meanwhile.
            if campaign_id not in self.gates and campaign_id not in self.changed_while_loading:
                self.held[campaign_id] = held
        finally:
            self.loading.pop(campaign_id, None)
            self.changed_while_loading.discard(campaign_id)

    def evict(self, campaign_id: str) -> None:
        """Let go of the campaign's state: its next move loads it from the database."""
        self.held.pop(campaign_id, None)

    def sweep(self, idle: float) -> int:
        """Let go of campaigns with nothing in flight and no move for `idle` seconds."""
        cutoff = time.monotonic() - idle
        idle_ids = [i for i, h in self.held.items() if h.used < cutoff and not h.pending]
        for campaign_id in idle_ids:
            self.evict(campaign_id)
        return len(idle_ids)

    # --- a move ---

    def submit(
        self,
        campaign_id: str,
        held: Held,
        unit: Unit,
        key: str | None,
        player: Player | None,
        new: bool,
    ) -> asyncio.Future[None]:
        """Hand a move's recorded writes to the group commit. If it fails, the campaign's
        state and the player's record are let go, to be read again."""

        def failed() -> None:
            self.evict(campaign_id)
            if player is not None:
                self.players.pop(player.user_id, None)

        def settled(_: asyncio.Future[None]) -> None:
            held.pending -= 1
            if key is not None and held.keys.get(key) is done:
                held.keys[key] = None  # committed: a repeat needs to wait for nothing

        done = self.store.submit(unit, failed)
        held.pending += 1
        done.add_done_callback(settled)
        if new and player is not None:
            self._remember(player)
        if key is not None:
            held.keys[key] = done
            while len(held.keys) > KEYS_PER_CAMPAIGN:
                held.keys.popitem(last=False)
        return done

    async def known_player(self, user_id: int) -> Player | None:
        """The user's player record: remembered, or read once."""
        known = self.players.get(user_id)
        if known is not None:
            return _player(user_id, known)
        player = await self.store.read.players.by_user(user_id)
        if player is not None:
            self._remember(player)
        return player

    def player(
        self, user_id: int, display_name: str, new_id: Callable[[], str]
    ) -> tuple[Player, Player | None]:
        """Without awaiting: the remembered player, or a new one for the move to add (also
        given second)."""
        known = self.players.get(user_id)
        if known is not None:
            return _player(user_id, known), None
        new = Player(id=new_id(), user_id=user_id, display_name=display_name[:64])
        return new, new

    def _remember(self, player: Player) -> None:
        self.players[player.user_id] = (player.id, player.display_name)
        self.players.move_to_end(player.user_id)
        while len(self.players) > PLAYERS:
            self.players.popitem(last=False)

    def forget_player(self, user_id: int) -> None:
        self.players.pop(user_id, None)

    # --- changes outside moves ---

    @asynccontextmanager
    async def around(self, campaign_ids: Iterable[str]) -> AsyncIterator[set[str]]:
        """For a change to these campaigns outside a move: their moves wait, the moves in
        flight commit first, and their held state is let go when the change is done."""
        ids = set(campaign_ids)
        async with self.exclusive:
            gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            for campaign_id in ids:
                self.gates[campaign_id] = gate
            try:
                await self.store.flush()
                for loading in [self.loading[i] for i in ids if i in self.loading]:
                    with suppress(Exception):
                        await asyncio.shield(loading)
                yield ids
            finally:
                for campaign_id in ids:
                    self.evict(campaign_id)
                    del self.gates[campaign_id]
                gate.set_result(None)

    async def across_player(
        self, user_id: int, change: Callable[[Unit, set[str]], Awaitable[T]]
    ) -> T:
        """A change to what is the user's in every campaign (rest, forget-me), in one unit of
        work around those campaigns. `change` gets the campaigns waited for, to `check`."""
        read = self.store.read
        player = await read.players.by_user(user_id)
        ids = await read.players.campaigns(player.id) if player is not None else set()
        while True:
            try:
                async with self.around(ids) as waited, self.store.work() as unit:
                    done = await change(unit, waited)
                    await unit.announce(waited, {user_id})
                    return done
            except Widen as wider:
                ids = wider.campaign_ids
            finally:
                self.forget_player(user_id)

    @staticmethod
    def check(waited_for: set[str], touched: Iterable[str]) -> None:
        """Inside `around`: raise Widen if the change touches a campaign it did not wait for."""
        more = set(touched) - waited_for
        if more:
            raise Widen(waited_for | more)


def _player(user_id: int, known: tuple[str, str]) -> Player:
    """A remembered player as an object of its own (read from the database once: valid)."""
    player_id, display_name = known
    return Player.model_construct(id=player_id, user_id=user_id, display_name=display_name)


_owners: weakref.WeakKeyDictionary[Store, Live] = weakref.WeakKeyDictionary()


def live_of(store: Store) -> Live:
    """The store's one owner of live sessions."""
    live = _owners.get(store)
    if live is None:
        live = _owners[store] = Live(store)
    return live
