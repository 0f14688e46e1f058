"""Play Bedtime in the terminal: hot-seat for people, or scripted dreamers with --auto.

It uses the same services and the same kind of database as the bot, with its own file and a
simulated clock, so that a seed reproduces the transcript. Running it again on the same database
plays the next month, after some simulated rest.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from bot.content import Content, load_content
from bot.core import prompts
from bot.core.errors import GameError
from bot.core.events import Audience
from bot.core.models import Campaign, Circle, Condition, Confession, ConfessionStatus, Session
from bot.core.phases import Phase
from bot.render.text import Cast, render
from bot.services import Bedtime, MoveResult
from bot.services.clock import SimClock
from bot.store import Database

PLAY_DB = Path("data/play.db")
FIRST_NIGHT = datetime(2026, 1, 3, 21, 0, tzinfo=UTC)
GUILD, CHANNEL = 0, 0  # the terminal's one campaign
LOOK_AWAY = "\n" * 40

Out = Callable[[str], None]
Ask = Callable[[str], str]


async def play(
    db_path: Path = PLAY_DB,
    *,
    players: int = 4,
    seed: int | None = None,
    auto: bool = False,
    out: Out = print,
    ask: Ask = input,
) -> None:
    content = load_content()
    if not content.rules.players.min <= players <= content.rules.players.max:
        raise GameError(
            f"--players must be from {content.rules.players.min} to {content.rules.players.max}."
        )
    database = await Database.open(db_path)
    try:
        clock = SimClock(FIRST_NIGHT)
        service = Bedtime(database, content, clock, random.Random(seed))
        campaign = await service.campaign(GUILD, CHANNEL)
        if campaign is None:
            campaign = await service.setup(GUILD, CHANNEL)
        last = await service.chronicle(campaign)
        script = random.Random(f"{seed}:{last.number if last else 0}")
        game = Terminal(
            service, content, clock, campaign, list(range(1, players + 1)), script, auto, out, ask
        )
        if last is not None:
            await game.month_of_rest(last.ended_at)
            next_night = last.ended_at + timedelta(days=28)
            clock.now = next_night.replace(hour=21, minute=0, second=0, microsecond=0)
        await game.run()
    finally:
        await database.close()


@dataclass
class Terminal:
    service: Bedtime
    content: Content
    clock: SimClock
    campaign: Campaign
    seats: list[int]
    script: random.Random
    auto: bool
    out: Out
    ask: Ask

    # --- output ---

    def show(self, result: MoveResult) -> None:
        cast = Cast(self.content, result.circle)
        for event in result.events:
            if event.audience is Audience.DREAMER:
                continue  # private: prompts are shown on their owner's turn
            prefix = "[host] " if event.audience is Audience.ADMINS else ""
            for line in render(event, cast):
                self.out(prefix + line)

    async def move(self, action: Callable[[], Awaitable[MoveResult]]) -> MoveResult | None:
        """Apply one move and show what happened, or show why it was refused."""
        try:
            result = await action()
        except GameError as error:
            self.out(f"  ✋ {error}")
            return None
        self.show(result)
        return result

    async def table(self) -> tuple[Circle, Session | None]:
        table = await self.service.table(self.campaign)
        return table.circle, table.session

    # --- between sessions ---

    async def month_of_rest(self, since: datetime) -> None:
        """A simulated month: each player logs a few nights of real rest."""
        self.out("A month passes in the waking world.")
        for seat in self.seats:
            nights = self.script.randint(0, 4)
            for night in range(1, nights + 1):
                self.clock.now = (since + timedelta(days=night * 3)).replace(hour=7, minute=30)
                await self.service.rest(seat)
            circle, _ = await self.table()
            player = await self.service.player(seat)
            character = circle.character_of(player.id) if player else None
            if character is not None:
                rested = Condition.RESTED in character.conditions
                state = "Rested" if rested else "not yet Rested"
                self.out(f"  {character.name} logged {nights} night(s) of real rest: {state}.")
        self.out("")

    # --- the session ---

    async def run(self) -> None:
        self.show(await self.service.open(self.campaign))
        for seat in self.seats:
            self.clock.advance(seconds=30)
            await self.join(seat)
        self.clock.advance(minutes=2)
        await self.move(partial(self.service.start, self.campaign))
        linger_round = self.script.randint(2, 4) if self.auto else 0
        while True:
            circle, session = await self.table()
            if session is None:
                break
            self.clock.advance(seconds=20)
            if session.phase is Phase.DREAMING:
                await self.dream(circle, session, linger_round)
            elif session.phase is Phase.CONFESSING:
                await self.confess(circle, session)
            elif session.phase is Phase.RESONANCE:
                await self.resonate(circle, session)
            else:
                break
        self.out("")
        self.out("See you next Bedtime. (Run the same command again to play next month.)")

    async def join(self, seat: int) -> None:
        while True:
            circle, _ = await self.table()
            player = await self.service.player(seat)
            if player is not None and circle.character_of(player.id) is not None:
                await self.move(partial(self.service.join, self.campaign, seat))
                return
            archetype, name = self.new_character(seat, circle)
            join = partial(self.service.join, self.campaign, seat, archetype=archetype, name=name)
            result = await self.move(join)
            if result is not None:
                return

    def new_character(self, seat: int, circle: Circle) -> tuple[str, str]:
        archetypes = self.content.archetypes
        if self.auto:
            taken = {c.name for c in circle.active_characters()}
            names = [n for n in self.content.dreamer_names if n not in taken]
            return self.script.choice(archetypes).key, names[0]
        self.out(f"\nPlayer {seat}, you are new to the circle. Choose an archetype:")
        for n, a in enumerate(archetypes, start=1):
            self.out(f"  {n}. {a.name}: {a.theme}. Signature: {a.signature.label}.")
        choice = self.number(f"Player {seat}, archetype [1-{len(archetypes)}]: ", len(archetypes))
        return archetypes[choice - 1].key, self.ask(f"Player {seat}, your character's name: ")

    def number(self, question: str, high: int, *, blank_ok: bool = False) -> int:
        while True:
            answer = self.ask(question).strip()
            if blank_ok and not answer:
                return 0
            if answer.isdigit() and 1 <= int(answer) <= high:
                return int(answer)
            self.out(f"  Please type a number from 1 to {high}.")

    async def seat_of(self, character_id: str, circle: Circle) -> int:
        player_id = circle.characters[character_id].player_id
        for seat in self.seats:
            player = await self.service.player(seat)
            if player is not None and player.id == player_id:
                return seat
        raise LookupError(character_id)

    # --- rounds ---

    async def dream(self, circle: Circle, session: Session, linger_round: int) -> None:
        round_number = session.round
        for dreamer in session.acting():
            if dreamer.character_id in session.choices:
                continue
            seat = await self.seat_of(dreamer.character_id, circle)
            if (
                self.auto
                and round_number == linger_round
                and dreamer.seat == len(session.dreamers) - 1
            ):
                continue  # this dreamer drifts off, and the round's timer will run out
            while True:
                action, target = self.choose_action(circle, session, dreamer.character_id)
                self.clock.advance(seconds=15)
                result = await self.move(
                    partial(self.service.act, self.campaign, seat, action, target)
                )
                if result is not None or self.auto:
                    break
            _, now = await self.table()
            if now is None or now.phase is not Phase.DREAMING or now.round != round_number:
                return
        _, now = await self.table()
        if now is not None and now.phase is Phase.DREAMING and now.deadline is not None:
            self.out("   …the round's time runs out.")
            self.clock.now = now.deadline
            await self.move(partial(self.service.expire, self.campaign))

    def choose_action(self, circle: Circle, session: Session, me: str) -> tuple[str, str | None]:
        others = [d.character_id for d in session.acting() if d.character_id != me]
        if self.auto:
            return self.scripted_action(circle, session, me, others)
        character = circle.characters[me]
        archetype = self.content.archetype_by_key[character.archetype]
        menu = [(a.key, f"{a.label}: {a.description}") for a in self.content.actions]
        if not session.dreamers[me].signature_used:
            menu.append(
                ("signature", f"{archetype.signature.label}: {archetype.signature.description}")
            )
        self.out(f"\n{character.name} ({archetype.name}, lucidity {character.lucidity}), choose:")
        for n, (_, label) in enumerate(menu, start=1):
            self.out(f"  {n}. {label}")
        action = menu[self.number(f"{character.name}'s action: ", len(menu)) - 1][0]
        target = None
        if self.content.action_by_key.get(action, archetype.signature).effect.needs_target:
            for n, other in enumerate(others, start=1):
                self.out(f"  {n}. {circle.characters[other].name}")
            target = others[self.number("Toward whom? ", len(others)) - 1]
        return action, target

    def scripted_action(
        self, circle: Circle, session: Session, me: str, others: list[str]
    ) -> tuple[str, str | None]:
        adrift = [o for o in others if circle.characters[o].adrift]
        if circle.characters[me].adrift:
            return ("share", self.script.choice(others)) if others else ("anchor", None)
        if adrift:
            return "share", adrift[0]
        if not session.dreamers[me].signature_used and self.script.random() < 0.25:
            archetype = self.content.archetype_by_key[circle.characters[me].archetype]
            return "signature", self.script.choice(
                others
            ) if archetype.signature.effect.needs_target else None
        if session.stability < 12:
            return "anchor", None
        action = self.script.choices(["explore", "anchor", "share", "dive"], [3, 2, 3, 3])[0]
        return action, self.script.choice(others) if action == "share" else None

    # --- the glitch ---

    async def confess(self, circle: Circle, session: Session) -> None:
        glitch = session.glitches[-1]
        for author, confession in sorted(
            glitch.confessions.items(), key=lambda i: session.dreamers[i[0]].seat
        ):
            if confession.status is not ConfessionStatus.DEALT:
                continue
            seat = await self.seat_of(author, circle)
            if self.auto:
                await self.scripted_confession(circle, seat, author)
            else:
                await self.hot_seat_confession(seat, author, circle)
            _, now = await self.table()
            if now is None or now.phase is not Phase.CONFESSING:
                return

    def prompt_text(self, circle: Circle, confession: Confession) -> str:
        prompt = prompts.find(self.content, circle, confession.prompt_id)
        other = circle.characters.get(confession.other or "")
        name = other.name if other else "someone"
        return f"[{prompt.category.value}] " + prompt.text.format(other=name)

    async def scripted_confession(self, circle: Circle, seat: int, author: str) -> None:
        confession, _ = await self.service.my_prompt(self.campaign, seat)
        name = circle.characters[author].name
        self.out(f"   🔒 {name} alone sees: {self.prompt_text(circle, confession)}")
        roll = self.script.random()
        answers = self.content.dreamer_answers.get(confession.category) or ["…"]
        self.clock.advance(seconds=40)
        if roll < 0.75:
            text = self.script.choice(answers)
            share = roll < 0.5
            await self.move(partial(self.service.answer, self.campaign, seat, text, share=share))
        else:
            await self.move(partial(self.service.pass_prompt, self.campaign, seat))

    async def hot_seat_confession(self, seat: int, author: str, circle: Circle) -> None:
        name = circle.characters[author].name
        self.ask(f"\nPass the keyboard to {name}. Everyone else, look away. {name}, press Enter. ")
        while True:
            confession, _ = await self.service.my_prompt(self.campaign, seat)
            self.out(f"\n{name}, the Mesh asks you:\n  {self.prompt_text(circle, confession)}")
            self.out("  1. Answer, and share it with the circle")
            self.out("  2. Answer, and keep it private (nobody will ever see it)")
            self.out("  3. Pass (it looks exactly like a private answer)")
            self.out("  4. X: ask for gentler prompts for everyone (nobody learns who)")
            choice = self.number("Your choice: ", 4)
            if choice == 4:
                result = await self.move(partial(self.service.soften, self.campaign, seat))
                if result is not None and any(e.kind == "passed" for e in result.events):
                    break
                continue
            if choice == 3:
                result = await self.move(partial(self.service.pass_prompt, self.campaign, seat))
            else:
                text = self.ask("Your confession: ")
                answer = partial(self.service.answer, self.campaign, seat, text, share=choice == 1)
                result = await self.move(answer)
            if result is not None:
                break
        self.out(LOOK_AWAY + "Thank you. Pass the keyboard on.")

    async def resonate(self, circle: Circle, session: Session) -> None:
        glitch = session.glitches[-1]
        for dreamer in session.acting():
            seat = await self.seat_of(dreamer.character_id, circle)
            # Everyone is asked about every card, their own included: a skipped card would
            # point at its author.
            for n, card in enumerate(glitch.reveal_order, start=1):
                if self.auto:
                    hear = self.script.random() < 0.6
                else:
                    name = circle.characters[dreamer.character_id].name
                    hear = self.ask(f"{name}, resonate with {n}? [y/N] ").strip().lower() == "y"
                if hear:
                    await self.move(partial(self.service.resonate, self.campaign, seat, card))
            self.clock.advance(seconds=10)
            await self.move(partial(self.service.ready, self.campaign, seat))
