"""A pure test circle: a campaign, players and a session, driven through the core's moves."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from bot.content import Content, load_content
from bot.core import glitch, lobby, protocols, rounds
from bot.core.events import Event, first
from bot.core.models import Campaign, Circle, Player, Session
from bot.core.move import Move
from bot.core.phases import Phase

CONTENT = load_content()
E = TypeVar("E", bound=Event)


def the(events: list[Event], kind: type[E]) -> E:
    """The first event of a kind among a move's events, which must be there."""
    found = first(events, kind)
    assert found is not None, f"no {kind.__name__} among {[type(e).__name__ for e in events]}"
    return found


START = datetime(2026, 3, 7, 21, 0, tzinfo=UTC)


@dataclass
class Dream:
    seed: int = 1
    content: Content = CONTENT
    rng: random.Random = field(init=False)
    now: datetime = START
    circle: Circle = field(init=False)
    players: list[Player] = field(default_factory=list)
    session: Session | None = None
    log: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.circle = Circle(
            campaign=Campaign(
                id="campaign",
                guild_id=1,
                channel_id=2,
                baseline=self.content.rules.stability.first_baseline,
                unlocked=[d.key for d in self.content.dreamscapes if d.unlocked],
                created_at=START,
            )
        )

    def move(self) -> Move:
        self.now += timedelta(seconds=10)
        return Move(self.content, self.rng, self.now)

    @property
    def s(self) -> Session:
        assert self.session is not None
        return self.session

    def player(self, n: int) -> Player:
        while len(self.players) <= n:
            self.players.append(Player(id=f"player-{len(self.players)}", user_id=len(self.players)))
        return self.players[n]

    def name(self, n: int) -> str:
        return self.circle.characters[self.character(n)].name

    def character(self, n: int) -> str:
        character = self.circle.character_of(self.player(n).id)
        assert character is not None
        return character.id

    def open(self) -> list[Event]:
        self.session, events = lobby.open_session(self.move(), self.circle, self.session, None)
        self.log += events
        return events

    def join(self, n: int, archetype: str | None = None, name: str | None = None) -> list[Event]:
        if archetype is None and self.circle.character_of(self.player(n).id) is None:
            archetype = self.content.archetypes[n % len(self.content.archetypes)].key
            name = name or f"Dreamer {n}"
        return self._log(
            lobby.join(self.move(), self.circle, self.s, self.player(n), archetype, name)
        )

    def start(self) -> list[Event]:
        return self._log(lobby.start(self.move(), self.circle, self.s))

    def act(self, n: int, action: str, target: int | None = None) -> list[Event]:
        target_id = self.character(target) if target is not None else None
        move = self.move()
        return self._log(rounds.act(move, self.circle, self.s, self.player(n), action, target_id))

    def answer(self, n: int, text: str = "something true", *, share: bool) -> list[Event]:
        move = self.move()
        return self._log(
            glitch.answer(move, self.circle, self.s, self.player(n), text, share=share)
        )

    def pass_(self, n: int) -> list[Event]:
        return self._log(glitch.pass_prompt(self.move(), self.circle, self.s, self.player(n)))

    def force_glitch(self) -> list[Event]:
        return self._log(protocols.force_glitch(self.move(), self.circle, self.s))

    def _log(self, events: list[Event]) -> list[Event]:
        self.log += events
        return events

    def begin(self, dreamers: int = 4) -> None:
        """Open, join `dreamers` players and start dreaming."""
        self.open()
        for n in range(dreamers):
            self.join(n)
        self.start()

    def everyone(self, action: str = "anchor") -> list[Event]:
        """Every acting dreamer who has not chosen takes the same action."""
        events: list[Event] = []
        round_number = self.s.round
        for n, player in enumerate(self.players):
            character = self.circle.character_of(player.id)
            if character is None or character.id not in self.s.dreamers:
                continue
            dreamer = self.s.dreamers[character.id]
            if dreamer in self.s.acting() and character.id not in self.s.choices:
                if self.s.phase is not Phase.DREAMING or self.s.round != round_number:
                    break
                events += self.act(n, action)
        return events
