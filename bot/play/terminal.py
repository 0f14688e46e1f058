"""Play Bedtime in the terminal: hot-seat for people, or scripted dreamers with --auto.

It uses the same services and the same kind of database as the bot, with its own file and a
simulated clock, so that a seed reproduces the transcript. Running it again on the same database
plays the next month, after the players log their rest. An interrupted night resumes where it
stood on the next run, or is dropped with --abandon.

Nothing private survives the hand-over: each player's turn with their prompt, their answer and
the cards they heard is theirs alone, between two wipes of the screen and its scrollback, and
every player gets the same turns, so that no one's turn gives an author, a pass or an X away.
"""

from __future__ import annotations

import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from platformdirs import user_data_path

from bot.content import Content, load_content
from bot.core import house_rules, prompts
from bot.core.errors import GameError
from bot.core.events import Audience, Event, Passed, PromptDealt, Softened, SoftenSpent, first
from bot.core.models import Campaign, Circle, Condition, Confession, ConfessionStatus, Session
from bot.core.phases import OPEN_PHASES, Phase, describe
from bot.play.screen import Screen
from bot.render.text import Cast, plural, render
from bot.services import Bedtime, MoveResult
from bot.services.clock import SimClock
from bot.store import Database

FIRST_NIGHT = datetime(2026, 1, 3, 21, 0, tzinfo=UTC)
GUILD, CHANNEL = 0, 0  # the terminal's one campaign
MOST_NIGHTS = 14  # nights of rest one player can log between two months
ASCII_NUMBER = re.compile(r"[0-9]{1,3}")
YES, NO = ("y", "yes"), ("n", "no", "")
COMMANDS = """\
Commands work at any question:
  /glitch        force the glitch now
  /reset         the emergency protocol: ends a glitch, frees the Adrift, at a price
  /end           dawn now
  /kick NAME     take a dreamer out of tonight's session
  /rule          show the house rules; /rule KEY VALUE changes one (from next month)
  /help          this list"""


def default_database() -> Path:
    """The terminal game's own file, in the user's data folder: never the bot's database."""
    return user_data_path("bedtime", appauthor=False) / "play.db"


class LeaveTable(Exception):
    """The players chose to stop: the night is saved and resumes on the next run."""


class TableCommand(Exception):
    """A command at a question changed the night: the session loop looks at it afresh."""


async def play(
    db_path: Path | None = None,
    *,
    players: int = 4,
    seed: int | None = None,
    auto: bool = False,
    abandon: bool = False,
    screen: Screen | None = None,
) -> None:
    content = load_content()
    if not content.rules.players.min <= players <= content.rules.players.max:
        raise GameError(
            f"--players must be from {content.rules.players.min} to {content.rules.players.max}."
        )
    screen = screen or Screen.console()
    database = await Database.open(db_path or default_database())
    try:
        clock = SimClock(FIRST_NIGHT)
        # The game's randomness, and the ids it draws, follow the seed and how far the
        # campaign has come: each month (and each resumed night) draws afresh, never the ids
        # an earlier run drew.
        history = await _history(database)
        service = Bedtime(database, content, clock, random.Random(f"{seed}:{history}"))
        campaign = await service.campaign(GUILD, CHANNEL) or await service.setup(GUILD, CHANNEL)
        last = await service.chronicle(campaign)
        unfinished = (await service.table(campaign)).session
        script = random.Random(f"{seed}:{last.number if last else 0}")
        seats = list(range(1, players + 1))
        if unfinished is not None and unfinished.phase in OPEN_PHASES:
            clock.now = _resume_time(unfinished)
            if abandon:
                await service.abandon(campaign)
                screen.out(f"Session {unfinished.number} was abandoned: it gets no chronicle.")
                unfinished = None
            else:
                screen.out(f"Resuming session {unfinished.number}: {describe(unfinished.phase)}.")
                seats = list(range(1, max(players, len(unfinished.dreamers)) + 1))
        elif abandon:
            screen.out("There is no unfinished night to abandon.")
            unfinished = None
        game = Terminal(service, content, clock, campaign, seats, script, auto, screen)
        try:
            if unfinished is None and last is not None:
                await game.month_of_rest(last.ended_at)
                next_night = last.ended_at + timedelta(days=28)
                clock.now = next_night.replace(hour=21, minute=0, second=0, microsecond=0)
            await game.run(resume=unfinished is not None)
        except LeaveTable:
            screen.out(
                "\nThe night is saved. Run the same command to carry on where you stopped, "
                "or add --abandon to drop it."
            )
    finally:
        await database.close()


async def _history(database: Database) -> str:
    """How far the terminal's campaign has come: its sessions and the moves of the last."""
    campaign = await database.read.campaigns.by_channel(GUILD, CHANNEL)
    if campaign is None:
        return "new"
    current = await database.read.sessions.current(campaign.id)
    moves = current.moves if current is not None else 0
    return f"{campaign.session_count}:{moves}"


def _resume_time(session: Session) -> datetime:
    """A moment after the last move the saved night knows of."""
    if session.deadline is not None:
        return session.deadline - timedelta(minutes=1)
    return (session.started_at or session.opened_at or FIRST_NIGHT) + timedelta(minutes=1)


@dataclass
class Terminal:
    service: Bedtime
    content: Content
    clock: SimClock
    campaign: Campaign
    seats: list[int]
    script: random.Random
    auto: bool
    screen: Screen
    inbox: dict[str, list[str]] = field(default_factory=dict)  # private notes by character

    # --- output and input ---

    def out(self, text: str) -> None:
        self.screen.out(text)

    def show(self, result: MoveResult) -> None:
        cast = Cast(self.content, result.circle)
        for event in result.events:
            if event.audience is Audience.DREAMER:
                self.keep_private(event)  # shown on its owner's next turn
                continue
            prefix = "[host] " if event.audience is Audience.ADMINS else ""
            for line in render(event, cast):
                self.out(prefix + line)

    def keep_private(self, event: Event) -> None:
        if event.dreamer is None:
            return
        note = None
        if isinstance(event, PromptDealt) and event.redealt:
            note = "Someone pressed X: your prompt was re-dealt, gentler, with more time."
        elif isinstance(event, SoftenSpent):
            note = "X is used up for this glitch."
        if note:
            self.inbox.setdefault(event.dreamer, []).append(note)

    async def move(self, action: Callable[[], Awaitable[MoveResult]]) -> MoveResult | None:
        """Apply one move and show what happened, or show why it was refused."""
        try:
            result = await action()
        except GameError as error:
            self.out(f"  ✋ {error}")
            return None
        self.show(result)
        return result

    async def prompt(self, question: str, *, secret: bool = False) -> str:
        """One answer from the table. Ctrl-C asks whether to leave; the end of input leaves;
        a /command does what the admin would, and may change the night under the question."""
        while True:
            try:
                answer = (self.screen.secret if secret else self.screen.ask)(question)
            except EOFError:
                raise LeaveTable from None
            except KeyboardInterrupt:
                if self.leaving():
                    raise LeaveTable from None
                continue
            if answer.strip().startswith("/") and not secret:
                await self.command(answer.strip())
                continue
            return answer

    def leaving(self) -> bool:
        try:
            answer = self.screen.ask("\nLeave the table? The night is saved. [y/N] ")
        except (EOFError, KeyboardInterrupt):
            return True
        return answer.strip().lower() in YES

    async def number(self, question: str, high: int, low: int = 1) -> int:
        """A whole number in plain digits (no "²", no thousand-digit numbers)."""
        while True:
            answer = (await self.prompt(question)).strip()
            if ASCII_NUMBER.fullmatch(answer) and low <= int(answer) <= high:
                return int(answer)
            self.out(f"  Please type a number from {low} to {high}.")

    async def yes(self, question: str) -> bool:
        while True:
            answer = (await self.prompt(question)).strip().lower()
            if answer in YES or answer in NO:
                return answer in YES
            self.out("  Please answer y (yes) or n (no).")

    async def table(self) -> tuple[Circle, Session | None]:
        table = await self.service.table(self.campaign)
        return table.circle, table.session

    # --- what the admin would do ---

    async def command(self, text: str) -> None:
        name, _, rest = text[1:].partition(" ")
        name = name.lower()
        if name == "help":
            self.out(COMMANDS)
            return
        if name == "rule":
            await self.rule(rest.strip())
            return
        moves: dict[str, Callable[[], Awaitable[MoveResult]]] = {
            "glitch": partial(self.service.force_glitch, self.campaign),
            "reset": partial(self.service.reset, self.campaign),
            "end": partial(self.service.end, self.campaign),
        }
        if name == "kick":
            seat = await self.seat_named(rest.strip())
            if seat is None:
                self.out(f"  ✋ No dreamer here is called {rest.strip()[:32]!r}.")
                return
            moves["kick"] = partial(self.service.kick, self.campaign, seat)
        if name not in moves:
            self.out(f"  ✋ There is no command /{name[:20]}. Type /help for the list.")
            return
        self.screen.wipe()  # a command ends whatever private turn it was typed in
        if await self.move(moves[name]) is not None:
            if name == "kick":  # out for tonight: the lobby does not call them back in
                self.seats = [s for s in self.seats if s != seat]
            raise TableCommand(name)

    async def rule(self, text: str) -> None:
        key, _, value = text.partition(" ")
        if not key:
            current = house_rules.current(self.content, self.campaign.settings)
            for rule in house_rules.rules(self.content).values():
                self.out(f"  {rule.key}: {current.get(rule.key)} ({rule.description})")
            return
        try:
            self.campaign = await self.service.configure(self.campaign, key, value)
        except GameError as error:
            self.out(f"  ✋ {error}")
            return
        self.out(f"  {key} is now {value.strip()}; it applies from the next session.")

    async def seat_named(self, name: str) -> int | None:
        circle, session = await self.table()
        for character in circle.active_characters():
            here = session is not None and character.id in session.dreamers
            if here and character.name.casefold() == name.casefold():
                return await self.seat_of(character.id, circle)
        return None

    # --- between sessions ---

    async def month_of_rest(self, since: datetime) -> None:
        """A month in the waking world: each player logs the nights of real rest they had."""
        self.out("A month passes in the waking world.")
        circle, _ = await self.table()
        for seat in self.seats:
            player = await self.service.player(seat)
            character = circle.character_of(player.id) if player else None
            if character is None:
                continue
            if self.auto:
                nights = self.script.randint(0, 4)
            else:
                question = f"{character.name}, how many nights of real rest did you get? [0-14] "
                nights = await self.number(question, MOST_NIGHTS, low=0)
            for night in range(1, nights + 1):
                self.clock.now = (since + timedelta(days=night)).replace(hour=7, minute=30)
                try:
                    await self.service.rest(seat)
                except GameError as error:  # rest is a gift, never a reason to stop the game
                    self.out(f"  ✋ {error}")
                    break
            circle, _ = await self.table()
            rested = Condition.RESTED in circle.characters[character.id].conditions
            state = "Rested: the Mesh will be steadier" if rested else "not yet Rested"
            self.out(f"  {character.name} logged {plural(nights, 'night')} of real rest: {state}.")
        self.out(
            f"  (Rested takes {plural(self.content.rules.rest.rests_for_rested, 'night')} of rest "
            f"since the last session: the Mesh starts the next one "
            f"{self.content.rules.stability.rested_bonus} steadier for each Rested dreamer.)"
        )
        self.out("")

    # --- the session ---

    async def run(self, *, resume: bool = False) -> None:
        if not resume:
            self.show(await self.service.open(self.campaign))
        if not self.auto:
            self.out("Type /help at any question for what the table can do as its own host.")
        linger_round = self.script.randint(2, 4) if self.auto else 0
        while True:
            circle, session = await self.table()
            if session is None:
                break
            self.clock.advance(seconds=20)
            try:
                if session.phase in (Phase.SCHEDULED, Phase.POSTPONED):
                    self.show(await self.service.open(self.campaign))
                elif session.phase is Phase.LOBBY:
                    await self.gather(circle, session)
                elif session.phase is Phase.DREAMING:
                    await self.dream(circle, session, linger_round)
                elif session.phase is Phase.CONFESSING:
                    await self.confess(circle, session)
                elif session.phase is Phase.RESONANCE:
                    await self.resonate(circle, session)
                else:
                    break
            except TableCommand:
                continue
        self.out("")
        self.out("Run the same command again to play next month.")

    async def gather(self, circle: Circle, session: Session) -> None:
        in_session = {c.player_id for c in circle.characters.values() if c.id in session.dreamers}
        for seat in self.seats:
            player = await self.service.player(seat)
            if player is None or player.id not in in_session:
                self.clock.advance(seconds=30)
                await self.join(seat)
        self.clock.advance(minutes=2)
        await self.move(partial(self.service.start, self.campaign))

    async def join(self, seat: int) -> None:
        while True:
            circle, _ = await self.table()
            player = await self.service.player(seat)
            if player is not None and circle.character_of(player.id) is not None:
                await self.move(partial(self.service.join, self.campaign, seat))
                return
            archetype, name = await self.new_character(seat, circle)
            join = partial(self.service.join, self.campaign, seat, archetype=archetype, name=name)
            if await self.move(join) is not None:
                return

    async def new_character(self, seat: int, circle: Circle) -> tuple[str, str]:
        archetypes = self.content.archetypes
        if self.auto:
            taken = {c.name for c in circle.active_characters()}
            names = [n for n in self.content.dreamer_names if n not in taken]
            return self.script.choice(archetypes).key, self.script.choice(names)
        self.out(f"\nPlayer {seat}, you are new to the circle. Choose an archetype:")
        for n, a in enumerate(archetypes, start=1):
            self.out(f"  {n}. {a.name}: {a.theme}. Signature: {a.signature.label}.")
        question = f"Player {seat}, archetype [1-{len(archetypes)}]: "
        choice = await self.number(question, len(archetypes))
        name = await self.prompt(f"Player {seat}, your character's name: ")
        return archetypes[choice - 1].key, name

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
                action, target = await self.choose_action(circle, session, dreamer.character_id)
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

    async def choose_action(
        self, circle: Circle, session: Session, me: str
    ) -> tuple[str, str | None]:
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
        action = menu[await self.number(f"{character.name}'s action: ", len(menu)) - 1][0]
        target = None
        if self.content.action_by_key.get(action, archetype.signature).effect.needs_target:
            for n, other in enumerate(others, start=1):
                self.out(f"  {n}. {circle.characters[other].name}")
            target = others[await self.number("Toward whom? ", len(others)) - 1]
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
        actions = self.content.actions
        leaning = self.temperament(me)
        action = self.script.choices(actions, [leaning.get(a.key, 3) for a in actions])[0]
        return action.key, self.script.choice(others) if action.effect.needs_target else None

    def temperament(self, character_id: str) -> dict[str, int]:
        """How a scripted dreamer leans (data/dreamers.toml): theirs for good, drawn by id."""
        kinds = sorted(self.content.dreamer_temperaments)
        if not kinds:
            return {}
        return self.content.dreamer_temperaments[random.Random(character_id).choice(kinds)]

    # --- private turns ---

    async def private_turn(
        self, name: str, character_id: str, turn: Callable[[], Awaitable[None]]
    ) -> None:
        """One player's turn alone with the screen, between two wipes of it and its
        scrollback. Notes kept for them come first."""
        self.screen.wipe()
        self.screen.heading(f"Pass the keyboard to {name}")
        await self.prompt(f"Everyone else, look away. {name}, press Enter when it's only you. ")
        self.screen.wipe()
        try:
            notes = self.inbox.pop(character_id, [])
            if notes:
                self.screen.private("For you alone", notes)
            await turn()
            await self.prompt("Press Enter, then pass the keyboard on. ")
        finally:
            self.screen.wipe()

    # --- the glitch ---

    async def confess(self, circle: Circle, session: Session) -> None:
        glitch = session.glitches[-1]
        for author, confession in sorted(
            glitch.confessions.items(), key=lambda i: session.dreamers[i[0]].seat
        ):
            if confession.status is not ConfessionStatus.DEALT:
                continue
            seat = await self.seat_of(author, circle)
            name = circle.characters[author].name
            if self.auto:
                await self.scripted_confession(circle, seat, author)
            else:
                await self.private_turn(
                    name, author, partial(self.hot_seat_confession, seat, author, circle)
                )
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
        limit = self.content.rules.confession_max_chars
        while True:
            confession, _ = await self.service.my_prompt(self.campaign, seat)
            if confession.status is not ConfessionStatus.DEALT:
                return
            self.screen.private(
                f"{name}, the Mesh asks you",
                [
                    self.prompt_text(circle, confession),
                    "",
                    "1. Answer, and share it with the circle (without your name)",
                    "2. Answer, and keep it private (nobody will ever see it)",
                    "3. Pass (it looks exactly like a private answer)",
                    "4. X: ask for gentler prompts for everyone (nobody learns who)",
                ],
            )
            choice = await self.number("Your choice: ", 4)
            self.screen.wipe()  # the digit itself would tell a pass from an answer
            if choice == 4:
                if await self.soften(seat):
                    return
                continue
            if choice == 3:
                if await self.move(partial(self.service.pass_prompt, self.campaign, seat)):
                    self.screen.private("Done", ["You passed. To everyone else it looks private."])
                    return
                continue
            text = await self.confession(limit)
            if text is None:
                continue
            share = choice == 1
            answer = partial(self.service.answer, self.campaign, seat, text, share=share)
            if await self.move(answer) is not None:
                kept = "Shared, without your name." if share else "Kept private."
                self.screen.private("Done", [f"Thank you. {kept}"])
                return

    async def confession(self, limit: int) -> str | None:
        """The confession, typed without echo; one that is too long is kept to cut or redo."""
        text = await self.prompt("Your confession (what you type stays hidden): ", secret=True)
        if not text.strip():
            self.out("  ✋ That was empty. Choose again.")
            return None
        if len(text.strip()) <= limit:
            return text
        self.out(f"  Your confession has {len(text.strip())} characters; at most {limit} fit.")
        if await self.yes(f"  Keep the first {limit} characters? (n types it again) [y/n] "):
            return text.strip()[:limit]
        return None

    async def soften(self, seat: int) -> bool:
        """X. True if it settled this player's prompt (X used up: they passed quietly)."""
        result = await self.move(partial(self.service.soften, self.campaign, seat))
        if result is None:
            return False
        if first(result.events, Passed):
            self.screen.private(
                "X", ["X is used up for this glitch, so you passed quietly. Nobody can tell."]
            )
            return True
        if first(result.events, Softened):
            self.screen.private(
                "X", ["Gentler prompts for everyone still to answer, and more time."]
            )
        return False

    async def resonate(self, circle: Circle, session: Session) -> None:
        """Each dreamer alone hears the cards (their own among them), then each alone learns
        how many heard them: the same two turns for everyone."""
        glitch = session.glitches[-1]
        acting = session.acting()
        for dreamer in acting:
            seat = await self.seat_of(dreamer.character_id, circle)
            name = circle.characters[dreamer.character_id].name
            turn = partial(self.hear, seat, glitch.reveal_order, circle, session)
            if self.auto:
                await turn()
            else:
                await self.private_turn(name, dreamer.character_id, turn)
        if not self.auto:
            for dreamer in acting:
                name = circle.characters[dreamer.character_id].name
                seat = await self.seat_of(dreamer.character_id, circle)
                await self.private_turn(name, dreamer.character_id, partial(self.heard, seat))
        for dreamer in acting:
            self.clock.advance(seconds=10)
            seat = await self.seat_of(dreamer.character_id, circle)
            await self.move(partial(self.service.ready, self.campaign, seat))

    async def hear(self, seat: int, cards: list[str], circle: Circle, session: Session) -> None:
        if not self.auto:
            cast = Cast(self.content, circle)
            lines = [
                f"{n}. [{c.category.value}] {cast.escape(session.texts.get(c.id, ''))}"
                for n, c in enumerate(session.glitches[-1].revealed(), start=1)
            ]
            self.screen.private("The collective consciousness", lines)
        for n, card in enumerate(cards, start=1):
            if self.auto:
                hear = self.script.random() < 0.6
            else:
                hear = await self.yes(f"Does {n} reach you? I hear you [y/n] ")
            if hear:
                await self.move(partial(self.service.resonate, self.campaign, seat, card))

    async def heard(self, seat: int) -> None:
        heard = await self.service.heard(self.campaign, seat)
        if heard is None:
            self.screen.private("After the reveal", ["The Mesh settles around you."])
        else:
            self.screen.private("After the reveal", [f"💜 {plural(heard, 'dreamer')} heard you."])
