"""Beyond one process, measured: the same burst of presses taken by 1, 2 and 3 `python -m bot`
processes that share six shards on one PostgreSQL, with PostgreSQL's commit rate beside it.

On this 2-core machine the processes, PostgreSQL and the fake all share the two cores: the
figures show what contention costs, not how the bot scales out. The plan in the report works
from the per-process rate and the commit rate.
"""

from __future__ import annotations

import asyncio
import random
import signal
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.burst import answered_in_full, shown_in
from bench.postgres import Postgres
from bot.cluster import plan, shard_list
from bot.content import load_content
from bot.services import Bedtime, SimClock
from bot.store.postgres import PostgresDatabase
from fakecord import FakeDiscord, Sent, User
from fakecord.gateway import guild_on_shard

SHARDS = 6
DREAMERS = 4
FIRST_CHANNEL = 970_000_000_000_000_001
FIRST_USER = 500_000_000_000_000_000
# Write transactions (each takes the next transaction id; reads take none) and the WAL written.
# pg_stat_database's counters would count reads too, and reach the view only seconds later.
COUNTERS = (
    "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint, "
    "pg_current_wal_lsn() - '0/0'::pg_lsn"
)


@dataclass
class Run:
    processes: int
    presses: int
    seconds: float  # from the first press sent to the last answered in full
    p50_ms: float  # acknowledgements
    p99_ms: float
    late: int  # acknowledged after 3 s
    full_p99_ms: float  # answers in full (a deferred press's edit or follow-up)
    commits: int  # write transactions PostgreSQL began meanwhile (each commits or fails)
    wal_bytes: int  # and the WAL it wrote

    @property
    def rate(self) -> float:
        return self.presses / self.seconds

    @property
    def per_process(self) -> float:
        return self.rate / self.processes

    @property
    def commit_rate(self) -> float:
        return self.commits / self.seconds

    def figures(self) -> dict[str, Any]:
        return {
            "processes": self.processes,
            "presses": self.presses,
            "seconds": round(self.seconds, 3),
            "presses_per_second": round(self.rate, 1),
            "per_process": round(self.per_process, 1),
            "p50_ms": round(self.p50_ms, 1),
            "p99_ms": round(self.p99_ms, 1),
            "late": self.late,
            "full_p99_ms": round(self.full_p99_ms, 1),
            "commits": self.commits,
            "commits_per_second": round(self.commit_rate, 1),
            "wal_kib_per_press": round(self.wal_bytes / 1024 / self.presses, 2),
        }


async def measure(work: Path, pg: Postgres | None, sessions: int) -> list[Run]:
    if pg is None:
        return []
    work.mkdir(parents=True, exist_ok=True)
    return [await _one(work, pg, sessions, processes) for processes in (1, 2, 3)]


async def _one(work: Path, pg: Postgres, sessions: int, processes: int) -> Run:
    url = await pg.fresh()
    try:
        table = await _prepare(url, pg.keys(url), sessions)
        guilds = {guild: (channel,) for guild, channel, _, _ in table}
        fake = FakeDiscord(guilds=guilds, shards=SHARDS, check_schema=False)
        await fake.start()
        bots = []
        try:
            for shards in plan(SHARDS, processes):
                bots.append(await _start(fake, url, pg.keys(url), shards, work))
            await _until(lambda: fake.ready_shards() == set(range(SHARDS)), 120)
            # A first round, unmeasured: every session and player is then known and held, as
            # in an evening under way (a first touch reads a session and a player once).
            warm = await _round(fake, table, 1)
            await _until(lambda: all(s.done.is_set() for s in warm), 120)
            _acted(warm)
            await asyncio.sleep(1.0)  # the answers' follow-ups, and a scheduler tick
            before = await _counters(url)
            sent = await _round(fake, table, 2)
            await _until(lambda: all(s.done.is_set() for s in sent), 120)
            await answered_in_full(fake, sent)
            _acted(sent)
            after = await _counters(url)
        finally:
            for bot in bots:
                bot.send_signal(signal.SIGTERM)
            for bot in bots:
                await bot.wait()
            await fake.stop()
        latencies = sorted((s.latency or 0.0) * 1000 for s in sent)
        full = sorted(shown_in(fake, s) * 1000 for s in sent)
        began = min(s.sent_at for s in sent)
        seconds = max(s.sent_at + shown_in(fake, s) for s in sent) - began
        return Run(
            processes,
            len(sent),
            seconds,
            statistics.median(latencies),
            _p99(latencies),
            sum(latency > 3000 for latency in latencies),
            _p99(full),
            after[0] - before[0],
            after[1] - before[1],
        )
    finally:
        await pg.drop(url)


async def _prepare(url: str, keys: Path, sessions: int) -> list[tuple[int, int, str, list[User]]]:
    """Sessions in their first round, spread over the shards, due nothing for a while."""
    store = await PostgresDatabase.open(url, keys, exclusive=False)
    content = load_content()
    made = []
    try:
        service = Bedtime(store, content, SimClock(datetime.now(UTC)), random.Random(1))
        for n in range(sessions):
            guild, channel = guild_on_shard(n % SHARDS, SHARDS, n // SHARDS), FIRST_CHANNEL + n
            campaign = await service.setup(guild, channel)
            campaign = await service.configure(campaign, "glitch_chance", "0")  # rounds go on
            await service.open(campaign)
            users = [User(FIRST_USER + n * DREAMERS + s, f"B{n}-{s}") for s in range(DREAMERS)]
            for seat, user in enumerate(users):
                archetype = content.archetypes[seat].key
                await service.join(campaign, user.id, archetype=archetype, name=user.name)
            result = await service.start(campaign)
            assert result.session is not None
            made.append((guild, channel, result.session.id, users))
    finally:
        await store.close()
    return made


async def _start(
    fake: FakeDiscord, url: str, keys: Path, shards: tuple[int, ...], work: Path
) -> asyncio.subprocess.Process:
    env = fake.environment(url, CONFESSION_KEYS_PATH=str(keys)) | {
        "SHARD_COUNT": str(SHARDS),
        "SHARD_IDS": shard_list(shards),
        "IDENTIFY_INTERVAL": "0.1",
        "LOG_LEVEL": "WARNING",
    }
    log = (work / f"bot-{shard_list(shards)}.log").open("ab")
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=env,
        cwd=work,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log,
    )


def _p99(ordered: list[float]) -> float:
    return ordered[max(0, int(len(ordered) * 0.99) - 1)]


def _acted(presses: list[Sent]) -> None:
    """Every press moved its round (a refusal is private): else the figures mean nothing."""
    refused = [s for s in presses if s.ephemeral]
    if refused:
        raise RuntimeError(f"{len(refused)} presses were refused, e.g. {refused[0].text!r}")


async def _round(
    fake: FakeDiscord, table: list[tuple[int, int, str, list[User]]], round_: int
) -> list[Sent]:
    """Every dreamer of every session presses at once."""
    return [
        await _press(fake, channel, session, user, round_)
        for _, channel, session, users in table
        for user in users
    ]


async def _press(fake: FakeDiscord, channel: int, session: str, user: User, round_: int) -> Sent:
    custom_id = f"bt:act:{session}:{round_}:anchor"
    button = {"type": 2, "style": 2, "label": "Anchor", "custom_id": custom_id}
    message = int(fake._store(channel, {"components": [{"type": 1, "components": [button]}]})["id"])
    return await fake.send_component(
        user, message, {"custom_id": custom_id, "component_type": 2}, channel
    )


def render(runs: list[Run]) -> str:
    """The report's section: the runs, and the plan for 20,000 guilds drawn from them."""
    if not runs:
        return "\n## Beyond one process\n\nNot measured: PostgreSQL is not installed here.\n"
    lines = [
        "",
        "## Beyond one process",
        "",
        f"The same burst ({runs[0].presses:,} presses, {runs[0].presses // DREAMERS} sessions "
        f"in their first round, spread over {SHARDS} shards) taken by 1, 2 and 3 `python -m bot` "
        "processes on one PostgreSQL (`bench/cluster.py`). **On this 2-core machine the "
        "processes, PostgreSQL and the fake share two cores: these figures show contention, not "
        "scale-out.** Transactions are write transactions (counted by transaction id: reads take "
        "none), measured in a second round, once every session is held.",
        "",
        "| processes | presses/s, in full | per process | acknowledged p50 | p99 | after 3 s "
        "| in full p99 | write transactions/s | presses a transaction | WAL a press |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        lines.append(
            f"| {run.processes} | {run.rate:,.0f} | {run.per_process:,.0f} | "
            f"{run.p50_ms:,.0f} ms | {run.p99_ms:,.0f} ms | {run.late} | "
            f"{run.full_p99_ms:,.0f} ms | "
            f"{run.commit_rate:,.0f} | {run.presses / max(run.commits, 1):.1f} | "
            f"{run.wal_bytes / 1024 / run.presses:.1f} KiB |"
        )
    one = runs[0]
    per_core = one.rate  # one process, with PostgreSQL and the fake beside it on two cores
    per_press = one.commits / one.presses
    wal = one.wal_bytes / one.presses
    peak = 13_000  # acknowledgements a second for a 10,000-session burst (issue 17)
    processes = -(-peak // int(per_core))
    shards = max(24, processes)  # a process runs one shard at least
    connections = processes * 9
    fewest, most = shards // processes, -(-shards // processes)
    each = f"{fewest} shard(s)" if fewest == most else f"{fewest} or {most} shards"
    lines += [
        "",
        "### 20,000 guilds, on paper",
        "",
        "- **Shards.** Discord allows at most 2,500 guilds a shard and recommends about one "
        f"shard per 1,000: **{shards} shards** (8 would be the floor; {shards} leave room to "
        f"grow to about {shards},000 guilds before resharding, which stops every process).",
        f"- **Processes and cores.** One process took **{per_core:,.0f} presses/s** here while "
        "sharing two cores with PostgreSQL and the fake; give each process a core of its own "
        "and count on that rate (presses answered in full), not more. A burst of 10,000 "
        f"sessions at once is about {peak:,} presses a second: **{processes} processes on "
        f"{processes} cores**, "
        f"{each} each. A usual "
        "evening, with a tenth of the guilds in a session and a press every few seconds a "
        "dreamer, is a small fraction of that.",
        f"- **PostgreSQL.** {1 / max(per_press, 1e-9):.1f} presses a write transaction "
        f"(group commit) and {wal / 1024:.1f} KiB of WAL a press here, sessions held. At "
        f"{peak:,} presses/s that is about **{peak * per_press:,.0f} write transactions/s "
        f"and {peak * wal / 1024 / 1024:,.1f} MiB/s of WAL**: one server with a "
        "fast fsync (a good NVMe disk). Connections: 8 a process (the pool) and one for the "
        f"shard locks, about {connections} in all"
        + (
            ": raise `max_connections` above that (the default is 100), or run fewer, "
            "larger processes."
            if connections > 90
            else ", within PostgreSQL's default 100."
        ),
        f"- **A cold start** IDENTIFYs {shards} shards, one per 5 s in each concurrency bucket "
        f"(`max_concurrency` is 1 for a bot of this size): **about {shards * 5} s** until every "
        "shard is connected, whatever the number of processes.",
        f"- **The daily IDENTIFY budget** is 1,000. A full outage and restart spends {shards}: "
        f"about {1000 // shards} full restarts a day. A process that keeps dying is restarted "
        "at most every 5 minutes by `python -m bot cluster`, which spends 288 a day for each of "
        "its shards: three shards looping all day fit in the budget, four do not. Alert on "
        "restarts.",
    ]
    return "\n".join(lines) + "\n"


async def _counters(url: str) -> tuple[int, int]:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        row = await connection.fetchrow(COUNTERS)
        return int(row[0]), int(row[1])
    finally:
        await connection.close()


async def _until(done: Any, within: float) -> None:
    deadline = time.perf_counter() + within
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError("the cluster benchmark did not finish in time")
        await asyncio.sleep(0.05)


async def main(sessions: int) -> None:
    import json
    import tempfile

    from bench import postgres

    with tempfile.TemporaryDirectory(prefix="bedtime-cluster-") as scratch:
        async with postgres.cluster() as pg:
            runs = await measure(Path(scratch), pg, sessions)
    for run in runs:
        print(json.dumps(run.figures()), flush=True)
    print(render(runs))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 120))
