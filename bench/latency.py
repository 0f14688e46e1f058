"""Cost per interaction: whole sessions over the fake, against the floor bot's static answer.

Each run plays whole sessions one interaction at a time (setup, joins, rounds, a glitch,
confessions, the return, dawn) and times every interaction from the fake sending
INTERACTION_CREATE to the fake receiving the bot's first response. The floor run sends /ping to
a bot that answers a static message. Game and floor runs alternate, so drift in the machine's
speed touches both alike.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.harness import BotProcess, Spread, percentile
from bench.postgres import Postgres
from bench.stages import FLOOR_STAGES, GAME_STAGES, breakdown, read
from fakecord import MANAGE_GUILD, FakeDiscord, Sent, User

ADMIN = User(100_000_000_000_000_001, "Admin", permissions=MANAGE_GUILD | 0x64C40)
DREAMERS = [
    User(100_000_000_000_000_010 + n, name) for n, name in enumerate(["Ada", "Bo", "Cy", "Di"])
]
ARCHETYPES = ["skeptic", "parent", "artist", "sleeper"]


@dataclass
class Latency:
    game_p50: Spread
    game_p99: Spread
    floor_p50: Spread
    floor_p99: Spread
    game_count: int  # interactions per game run
    floor_count: int
    sessions: int  # whole sessions per game run
    postgres_p50: Spread | None = None  # the same game on PostgreSQL, in the same loop
    postgres_p99: Spread | None = None
    press_p50: Spread | None = None  # the round's action buttons alone
    press_p99: Spread | None = None
    button_p50: Spread | None = None  # floor_button: a persistent button redrawing its message
    button_p99: Spread | None = None
    durable_p50: Spread | None = None  # floor_durable: floor_button after a synced commit
    durable_p99: Spread | None = None
    press_stages: dict[str, float] | None = None  # µs, the median of each stage of a press
    button_stages: dict[str, float] | None = None  # the same for a floor_button press


async def measure(
    work: Path, runs: int, sessions: int, pings: int, postgres: Postgres | None = None
) -> Latency:
    game: list[list[float]] = []
    presses: list[list[float]] = []
    floor: list[list[float]] = []
    button: list[list[float]] = []
    durable: list[list[float]] = []
    on_postgres: list[list[float]] = []
    for run in range(runs):
        pinged, pressed, committed = await _floor_run(work / f"floor-{run}", pings)
        floor.append(_latencies(pinged))
        button.append(_latencies(pressed))
        durable.append(_latencies(committed))
        every, actions = await _game_run(work / f"game-{run}", sessions)
        game.append(_latencies(every))
        presses.append(_latencies(actions))
        if postgres is not None:
            url = await postgres.fresh()
            try:
                pg_every, _ = await _game_run(work / f"postgres-{run}", sessions, url)
                on_postgres.append(_latencies(pg_every))
            finally:
                await postgres.drop(url)
    stages = await _stages(work / "stages", sessions, pings)
    pg_p50 = Spread([percentile(r, 0.50) for r in on_postgres]) if on_postgres else None
    pg_p99 = Spread([percentile(r, 0.99) for r in on_postgres]) if on_postgres else None
    return Latency(
        game_p50=Spread([percentile(r, 0.50) for r in game]),
        game_p99=Spread([percentile(r, 0.99) for r in game]),
        floor_p50=Spread([percentile(r, 0.50) for r in floor]),
        floor_p99=Spread([percentile(r, 0.99) for r in floor]),
        game_count=len(game[0]),
        floor_count=len(floor[0]),
        sessions=sessions,
        postgres_p50=pg_p50,
        postgres_p99=pg_p99,
        press_p50=Spread([percentile(r, 0.50) for r in presses]),
        press_p99=Spread([percentile(r, 0.99) for r in presses]),
        button_p50=Spread([percentile(r, 0.50) for r in button]),
        button_p99=Spread([percentile(r, 0.99) for r in button]),
        durable_p50=Spread([percentile(r, 0.50) for r in durable]),
        durable_p99=Spread([percentile(r, 0.99) for r in durable]),
        press_stages=stages[0],
        button_stages=stages[1],
    )


async def _stages(
    work: Path, sessions: int, pings: int
) -> tuple[dict[str, float], dict[str, float]]:
    """One more game run and floor run, each press's moments marked: the medians, in µs, of
    a press's stages and of a floor_button press's (see bench/stages.py)."""
    work.mkdir(parents=True)
    _, pressed, _ = await _floor_run(work / "floor", pings, stages=work / "floor.marks")
    _, actions = await _game_run(work / "game", sessions, stages=work / "game.marks")

    def timed(sent: list[Sent]) -> list[tuple[float, float]]:
        return [(s.sent_at, s.answered_at) for s in sent if s.answered_at is not None]

    return (
        breakdown(read(work / "game.marks"), timed(actions), GAME_STAGES),
        breakdown(read(work / "floor.marks"), timed(pressed), FLOOR_STAGES),
    )


async def _floor_run(
    work: Path, pings: int, stages: Path | None = None
) -> tuple[list[Sent], list[Sent], list[Sent]]:
    """The floor bot's /ping, then as many presses of floor_button, and of floor_durable, one
    at a time."""
    work.mkdir(parents=True)
    fake = FakeDiscord(check_schema=False)
    await fake.start()
    bot = await BotProcess.start(fake, work / "floor.db", "bench.floor", stages=stages)
    try:
        for _ in range(5):  # warm up, as the game run's first session does
            await fake.slash(ADMIN, "ping")
        first = len(fake.interactions)
        for _ in range(pings):
            sent = await fake.slash(ADMIN, "ping")
            assert sent.text == "pong", sent.responses
        pinged = list(fake.interactions.values())[first:]
        return pinged, await _presses(fake, "fb:1", pings), await _presses(fake, "fd:1", pings)
    finally:
        await bot.stop()
        await fake.stop()


async def _presses(fake: FakeDiscord, custom_id: str, presses: int) -> list[Sent]:
    """Presses of a floor button on a message of its own, one at a time, after a warm-up."""
    button = {"type": 2, "style": 2, "label": "Press", "custom_id": custom_id}
    stored = fake._store(fake.channels[0], {"components": [{"type": 1, "components": [button]}]})
    message = int(stored["id"])
    for _ in range(5):
        await fake.click(ADMIN, message, "Press")
    first = len(fake.interactions)
    for _ in range(presses):
        sent = await fake.click(ADMIN, message, "Press")
        assert sent.response["type"] == 7, sent.responses
    return list(fake.interactions.values())[first:]


async def _game_run(
    work: Path, sessions: int, url: str | None = None, stages: Path | None = None
) -> tuple[list[Sent], list[Sent]]:
    """Every interaction, then the action presses alone."""
    work.mkdir(parents=True)
    fake = FakeDiscord(check_schema=False)
    await fake.start()
    file = work / ("confession-keys.db" if url else "bedtime.db")
    bot = await BotProcess.start(fake, file, url=url, stages=stages)
    db: Path | str = url or file
    try:
        await fake.slash(ADMIN, "bedtime", "setup", channel=str(fake.channels[0]))
        await whole_session(fake, db)  # warm up: the first session loads what it needs
        first = len(fake.interactions)
        for _ in range(sessions):
            await whole_session(fake, db)
        sent = list(fake.interactions.values())[first:]
        return sent, [s for s in sent if _custom_id(s).startswith(PRESS)]
    finally:
        await bot.stop()
        await fake.stop()


PRESS = "bt:act:"  # a round's action buttons


def _custom_id(sent: Sent) -> str:
    return str((sent.payload.get("data") or {}).get("custom_id", ""))


def _latencies(sent: list[Sent]) -> list[float]:
    missing = [s.id for s in sent if s.latency is None]
    if missing:
        raise RuntimeError(f"{len(missing)} interactions were never answered")
    return [s.latency for s in sent if s.latency is not None]


async def whole_session(fake: FakeDiscord, db: Path | str) -> None:
    """Open, join, dream, glitch, confess, return, dawn: as four players and a host would."""
    _ok(await fake.slash(ADMIN, "bedtime", "open"))
    for user, archetype in zip(DREAMERS, ARCHETYPES, strict=True):
        picked = await fake.click(user, fake.latest("Join"), "Join")
        if "Choose your archetype" in str(picked.response):
            select = await fake.choose(
                user, picked.message_id or 0, "Choose your archetype", [archetype]
            )
            await fake.submit(
                user, select.response["data"], {"name": f"{user.name} the {archetype}"}
            )
    _ok(await fake.slash(ADMIN, "bedtime", "start"))
    for _ in range(2):
        if await _phase(db) == "dreaming":
            await _round(fake)
    if await _phase(db) == "dreaming":
        _ok(await fake.slash(ADMIN, "bedtime", "glitch"))
    for _ in range(3):  # the Mesh may glitch again by itself in the round after
        if await _phase(db) != "confessing":
            break
        await _glitch(fake)
        if await _phase(db) == "dreaming":
            await _round(fake)
    if await _phase(db) == "dreaming":  # otherwise the rounds ran out and dawn came by itself
        _ok(await fake.slash(ADMIN, "bedtime", "end"))


async def _phase(db: Path | str) -> str:
    """The newest session's phase, read beside the bot (the bench's bookkeeping, not timed)."""
    sql = "SELECT phase FROM sessions ORDER BY number DESC LIMIT 1"
    if isinstance(db, str):
        connection = await asyncpg.connect(db)
        try:
            return str(await connection.fetchval(sql))
        finally:
            await connection.close()
    with contextlib.closing(sqlite3.connect(db)) as lite:
        return str(lite.execute(sql).fetchone()[0])


async def _glitch(fake: FakeDiscord) -> None:
    """Every dreamer faces their prompt (answering, shared or kept private), then returns."""
    glitch = fake.latest("Face your prompt")
    for n, user in enumerate(DREAMERS):
        faced = await fake.click(user, glitch, "Face your prompt")
        if "Answer" not in str(faced.response):
            continue  # this dreamer was dealt no prompt
        prompt = faced.message_id or 0
        opened_modal = await fake.click(user, prompt, "Answer")
        share = ["share" if n % 2 == 0 else "private"]
        values = {"text": f"{user.name} is afraid of the quiet.", "share": share}
        await fake.submit(user, opened_modal.response["data"], values, message_id=prompt)
    reveal = fake.latest("Return to the dream")
    for user in DREAMERS:
        await fake.click(user, reveal, "Return to the dream")


async def _round(fake: FakeDiscord) -> None:
    round_message = fake.latest("Anchor")
    for user in DREAMERS:
        await fake.click(user, round_message, "Anchor")


def _refused(sent: Sent) -> bool:
    return sent.ephemeral and not sent.response.get("data", {}).get("embeds")


def _ok(sent: Sent) -> None:
    if _refused(sent):
        raise RuntimeError(f"the bot refused: {sent.text}")
