"""SIGKILL at random points of a session: `python -m bot` restarts and the session finishes.

The bot runs as a real process against the fake. Before most steps of a whole session the test
kills it a random moment after sending the step's interaction, so the kill lands before, inside
or after the move's transaction, or between the answer and the follow-ups. Then it starts the
bot again and retries the step as a player would. At the end:

- every move the bot acknowledged is in the store (its key `i:{interaction id}`), and every
  confession the bot thanked someone for sharing is in the reveal;
- the store's own checks are clean (SQLite's integrity and foreign keys; on PostgreSQL, no
  row that points at nothing);
- buttons on messages an earlier process posted still work;
- a deadline that passed while the bot was down fires after the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from fakecord import FakeDiscord, Sent, User
from tests.e2e.conftest import ADMIN, PLAYERS, checks, environment, query, stopped

KILLS_WANTED = 22
Step = Callable[[], Awaitable[None]]


class Crashy:
    """The bot as a process the test can kill and start again, and what each life left."""

    def __init__(self, fake: FakeDiscord, db: Path | str, cwd: Path, seed: int) -> None:
        self.fake = fake
        self.db = db
        self.cwd = cwd
        self.rng = random.Random(seed)
        self.seed = seed
        self.process: asyncio.subprocess.Process | None = None
        self.kills = 0
        self.born_after = 0  # the first message id the current process could have made
        # Interactions that carry a move, each with how to tell its answer said it was made.
        self.moves: list[tuple[Sent, Callable[[Sent], bool]]] = []
        self.old_clicks = 0  # clicks on an earlier life's message that the bot answered well
        self.log = cwd / "bot.log"  # every life's log, one after another

    async def start(self) -> None:
        identified = len(self.fake.identifies)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            env=environment(self.fake, self.db),
            cwd=self.cwd,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=self.log.open("ab"),
        )
        await self.fake._until(
            lambda: len(self.fake.identifies) > identified and len(self.fake._sockets) == 1, 30
        )
        await self.fake.wait_ready(within=30)
        self.born_after = max(self.fake.messages, default=0)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.kills += 1
        await self.fake._until(lambda: not self.fake._sockets, 10)

    async def stop(self) -> str:
        return await stopped(self.process, self.log)

    async def step(self, name: str, step: Step, *, kill: bool = True) -> None:
        """Run a step; maybe kill the bot partway, then start it again and retry the step."""
        if kill:
            attempt = asyncio.create_task(step())
            await asyncio.sleep(self.rng.uniform(0.0, 0.12))
            await self.kill()
            attempt.cancel()
            # Whatever the half-done step ran into as the bot died is the point of the test.
            with contextlib.suppress(
                asyncio.CancelledError, TimeoutError, AssertionError, ConnectionError
            ):
                await attempt
            await self.start()
        try:
            await step()
        except Exception as error:
            failed = f"step {name!r} failed after a restart (seed {self.seed})"
            raise AssertionError(failed) from error

    async def move(self, sent: Awaitable[Sent], ok: Callable[[Sent], bool] | None = None) -> Sent:
        """Send an interaction that makes a move, remembering it for the final check with the
        test for an answer that says the move was made (by default: anything but a refusal)."""
        task = asyncio.ensure_future(sent)
        await asyncio.sleep(0)
        newest = max(self.fake.interactions)
        self.moves.append((self.fake.interactions[newest], ok or _made))
        return await task

    def clicked(self, message_id: int, sent: Sent) -> None:
        if message_id <= self.born_after and sent.responses and _made(sent):
            self.old_clicks += 1

    @property
    def acknowledged(self) -> list[Sent]:
        """Moves whose answer reached Discord and told the player the move was made."""
        return [sent for sent, ok in self.moves if sent.responses and ok(sent)]


def _shows(fake: FakeDiscord, label: str) -> bool:
    try:
        fake.latest(label)
    except KeyError:
        return False
    return True


def _made(sent: Sent) -> bool:
    return not _refused(sent)


def _refused(sent: Sent) -> bool:
    """A private, plain-text answer: the bot said why it would not (or need not) do it."""
    response = sent.response
    data = response.get("data") or {}
    return (
        response["type"] == 4
        and bool((data.get("flags") or 0) & 64)
        and not data.get("embeds")
        and not data.get("components")
    )


async def test_sigkill_at_random_points_loses_no_acknowledged_move(
    fake: FakeDiscord, tmp_path: Path, target: Path | str
) -> None:
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1 << 30)))
    db = target
    bot = Crashy(fake, db, tmp_path, seed)
    channel = fake.channels[0]
    shared: dict[int, str] = {}  # interaction id -> the text a player shared

    async def setup() -> None:
        await fake.slash(ADMIN, "bedtime", "setup", channel=str(channel))

    async def open_session() -> None:
        await bot.move(fake.slash(ADMIN, "bedtime", "open"))

    def join(user: User, archetype: str) -> Step:
        async def joining() -> None:
            await fake._until(lambda: _shows(fake, "Join"), 20)  # owed posts: see acting()
            lobby = fake.latest("Join")
            picked = await fake.click(user, lobby, "Join")
            bot.clicked(lobby, picked)
            if "Choose your archetype" not in str(picked.response):
                return  # the first try got in
            select = await fake.choose(
                user, picked.message_id or 0, "Choose your archetype", [archetype]
            )
            modal = select.response["data"]
            name = {"name": f"{user.name} the {archetype}"}
            await bot.move(fake.submit(user, modal, name), lambda s: "You are in" in s.text)

        return joining

    def admin(*path: str) -> Step:
        async def command() -> None:
            await bot.move(fake.slash(ADMIN, "bedtime", *path))

        return command

    def act(user: User) -> Step:
        async def acting() -> None:
            # A round owed at the moment of a kill (its answer sent, its follow-up not) is
            # posted by the restarted bot's scheduler: the retry waits for it, as a player would.
            # The fourth press may have resolved the round before the kill, and the Mesh may
            # then have glitched by chance: the round is over, and there is nothing to press.
            await fake._until(
                lambda: _shows(fake, "Anchor") or _shows(fake, "Face your prompt"), 20
            )
            if not _shows(fake, "Anchor"):
                return
            round_message = fake.latest("Anchor")
            sent = await bot.move(fake.click(user, round_message, "Anchor"))
            bot.clicked(round_message, sent)

        return acting

    def confess(user: User, text: str) -> Step:
        async def confessing() -> None:
            await fake._until(lambda: _shows(fake, "Face your prompt"), 20)
            glitch = fake.latest("Face your prompt")
            faced = await fake.click(user, glitch, "Face your prompt")
            bot.clicked(glitch, faced)
            if "Answer" not in str(faced.response):
                return  # answered before the kill
            prompt = faced.message_id or 0
            opened = await fake.click(user, prompt, "Answer")
            values = {"text": text, "share": ["share"]}
            sent = await bot.move(fake.submit(user, opened.response["data"], values, prompt))
            shared[sent.id] = text

        return confessing

    def back(user: User) -> Step:
        async def returning() -> None:
            try:
                reveal = fake.latest("Return to the dream")
            except KeyError:
                return  # the last one back closed the reveal before the kill
            sent = await bot.move(fake.click(user, reveal, "Return to the dream"))
            bot.clicked(reveal, sent)

        return returning

    steps: list[tuple[str, Step]] = [("setup", setup), ("open", open_session)]
    archetypes = ["skeptic", "parent", "artist", "sleeper"]
    steps += [(f"join {u.name}", join(u, a)) for u, a in zip(PLAYERS, archetypes, strict=False)]
    steps.append(("start", admin("start")))
    steps += [(f"act {u.name}", act(u)) for u in PLAYERS[:4]]
    steps.append(("glitch", admin("glitch")))
    steps += [(f"confess {u.name}", confess(u, f"{u.name} dreams of the sea")) for u in PLAYERS[:4]]
    after_reveal = [(f"return {u.name}", back(u)) for u in PLAYERS[:4]]
    after_reveal += [(f"act again {u.name}", act(u)) for u in PLAYERS[:3]]

    await bot.start()
    try:
        for number, (name, step) in enumerate(steps):
            await bot.step(name, step, kill=number >= 1)  # setup runs once, unharmed
        # If the last confession's kill came after its commit, the reveal is owed: posted by
        # the restarted bot a moment after it answers the confession's retry.
        await fake._until(lambda: _shows(fake, "Return to the dream"), 20)
        reveal = str(fake.messages[fake.latest("Return to the dream")]["embeds"])
        for name, step in after_reveal:
            await bot.step(name, step)
        # The bot dies while the round waits for its last dreamer; the deadline passes meanwhile.
        await bot.kill()
        timed_out = _timed_out(fake)
        await _deadline_passed(db)
        await bot.start()
        await fake._until(lambda: _timed_out(fake) > timed_out, 20)
        await bot.step("end", admin("end"))
        await fake.settle()
    finally:
        logs = await bot.stop()

    assert bot.kills >= KILLS_WANTED - 1, bot.kills
    keys = {row[0] for row in await query(db, "SELECT key FROM moves")}
    acknowledged = bot.acknowledged
    lost = [s.id for s in acknowledged if f"i:{s.id}" not in keys]
    assert not lost, f"acknowledged moves lost: {lost} (seed {seed})"
    assert len(acknowledged) >= 10
    assert any(k.startswith("t:") for k in keys)  # the timer fired after the restart
    thanked = [shared[s.id] for s in acknowledged if s.id in shared]
    assert thanked
    assert all(text in reveal for text in thanked), (thanked, seed)
    assert bot.old_clicks >= 3, bot.old_clicks
    assert await checks(db) == ("ok", [])
    assert await query(db, "SELECT number, phase FROM sessions") == [(1, "archived")]
    assert not fake.violations, fake.violations
    assert "Traceback" not in logs


async def _deadline_passed(db: Path | str) -> None:
    """While the bot is down, its current session's deadline comes and goes."""
    json = "json_set(state, '$.deadline', ?)"
    if isinstance(db, str):
        json = "jsonb_set(state::jsonb, '{deadline}', to_jsonb(?::text))::text"
    await query(
        db,
        f"UPDATE sessions SET deadline = ?, state = {json} WHERE deadline IS NOT NULL",
        "2000-01-01T00:00:00.000000+00:00",
        "2000-01-01T00:00:00Z",
    )


def _timed_out(fake: FakeDiscord) -> int:
    """Round results posted to the channel: only timers post there; moves answer in place."""
    return sum(
        "what happened" in str(body)
        for method, path, body in fake.requests
        if method == "POST" and path.startswith("/channels/")
    )
