"""Beyond one process: three `python -m bot` processes run two gateway shards each, over one
fake Discord with six shards and one PostgreSQL.

Twelve guilds, two on each shard, each have a session in its first round whose deadline has
passed: a timer due in every guild. The processes for shards 0-3 (A and B) start first: they
fire the timers of their own guilds and none of the others'. Then the process for shards 4-5
(C) starts, fires its guilds' timers, and is SIGKILLed while it holds their owed posts (its
first post hangs in the fake, so every post it claimed is still claimed). The dreamers of all
twelve guilds then press at once: C's presses wait in its gateway sessions for a RESUME that
never comes. C is started again, and its dreamers press again. Checks:

- every press delivered to a process is answered at most once, and every press delivered to a
  process that was not killed before answering is answered exactly once (no 40060, nothing
  twice);
- every owed post is posted once (one nonce'd post each, none twice), by the process that owns
  its guild, and every timer fires once (one deadline move for each session);
- every acknowledged press is in the store, and each session agrees with its recorded moves;
- PostgreSQL has no row that points at nothing.

A second test starts processes together and checks that their IDENTIFYs keep Discord's pace
in one concurrency bucket across processes.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.content import Content
from bot.services import Bedtime, SimClock
from bot.store.postgres import PostgresDatabase
from fakecord import FakeDiscord, Fault, Sent, User
from fakecord.gateway import guild_on_shard
from pgtemp import keys_for
from tests.conftest import NIGHT
from tests.e2e.conftest import ORPHANS, environment, query, stopped

SHARDS = 6
PROCESSES = ((0, 1), (2, 3), (4, 5))
PER_SHARD = 2
DREAMERS = 4
FIRST_CHANNEL = 960_000_000_000_000_001
FIRST_USER = 400_000_000_000_000_000
PACE = 0.5  # IDENTIFY_INTERVAL in the tests: Discord's is 5 s
# What the fake and the checks allow below it: an IDENTIFY can leave late on a loaded machine,
# which shortens the gap after the one before (without pacing, gaps are under 0.01 s).
SLACK = 0.2


class Guild:
    def __init__(self, shard: int, n: int, index: int) -> None:
        self.shard = shard
        self.id = guild_on_shard(shard, SHARDS, n)
        self.channel = FIRST_CHANNEL + index
        users = range(FIRST_USER + index * DREAMERS, FIRST_USER + (index + 1) * DREAMERS)
        self.users = [User(u, f"D{u % 1000}") for u in users]
        self.campaign = ""
        self.session = ""


class Member:
    """One `python -m bot` of the cluster, on its shards."""

    def __init__(self, fake: FakeDiscord, url: str, shards: tuple[int, ...], cwd: Path) -> None:
        self.fake, self.url, self.shards, self.cwd = fake, url, shards, cwd
        self.process: asyncio.subprocess.Process | None = None
        self.log = cwd / f"bot-{shards[0]}-{shards[-1]}.log"

    async def start(self, *, wait: bool = True) -> None:
        before = {s: self.fake._current.get(s) for s in self.shards}
        env = environment(self.fake, self.url) | {
            "SHARD_COUNT": str(SHARDS),
            "SHARD_IDS": ",".join(str(s) for s in self.shards),
            "IDENTIFY_INTERVAL": str(PACE),
        }
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            env=env,
            cwd=self.cwd,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=self.log.open("ab"),
        )
        if wait:
            await self.ready(before)

    async def ready(self, before: dict[int, object] | None = None) -> None:
        def fresh() -> bool:
            current = self.fake._current
            return all(
                s in self.fake.ready_shards() and (before is None or current[s] is not before[s])
                for s in self.shards
            )

        await self.fake._until(fresh, 60)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        await self.fake._until(lambda: not any(self.fake._current[s].live for s in self.shards), 10)

    async def stop(self) -> str:
        return await stopped(self.process, self.log)


async def _prepare(url: str, content: Content, guilds: list[Guild]) -> None:
    """A session in its first round in every guild, its deadline long past."""
    store = await PostgresDatabase.open(url, keys_for(url), exclusive=False)
    try:
        service = Bedtime(store, content, SimClock(NIGHT), random.Random(3))
        for guild in guilds:
            campaign = await service.setup(guild.id, guild.channel)
            campaign = await service.configure(campaign, "glitch_chance", "0")
            await service.open(campaign)
            for seat, user in enumerate(guild.users):
                archetype = content.archetypes[seat].key
                await service.join(campaign, user.id, archetype=archetype, name=user.name)
            result = await service.start(campaign)
            assert result.session is not None
            guild.campaign, guild.session = campaign.id, result.session.id
    finally:
        await store.close()


async def _press(fake: FakeDiscord, guild: Guild, user: User, round_: int) -> Sent:
    custom_id = f"bt:act:{guild.session}:{round_}:anchor"
    button = {"type": 2, "style": 2, "label": "Anchor", "custom_id": custom_id}
    row = {"type": 1, "components": [button]}
    message = int(fake._store(guild.channel, {"components": [row]})["id"])
    data = {"custom_id": custom_id, "component_type": 2}
    return await fake.send_component(user, message, data, guild.channel)


def _acknowledged(sent: Sent) -> bool:
    return bool(sent.responses) and not sent.ephemeral


async def _rounds(url: str, guilds: list[Guild]) -> dict[str, tuple[int, int]]:
    """Each session's (round, choices made in it)."""
    out = {}
    for guild in guilds:
        (state,) = (await query(url, "SELECT state FROM sessions WHERE id = ?", guild.session))[0]
        session = json.loads(state)
        out[guild.campaign] = (session["round"], len(session["choices"]))
    return out


async def test_three_processes_two_shards_each_lose_and_double_nothing_across_a_sigkill(
    postgres_url: str, content: Content, tmp_path: Path
) -> None:
    url = postgres_url
    guilds = [
        Guild(shard, n, shard * PER_SHARD + n) for shard in range(SHARDS) for n in range(PER_SHARD)
    ]
    await _prepare(url, content, guilds)
    fake = FakeDiscord(
        guilds={g.id: (g.channel,) for g in guilds},
        shards=SHARDS,
        identify_interval=PACE - SLACK,
        check_schema=False,
    )
    await fake.start()
    members = [Member(fake, url, shards, tmp_path) for shards in PROCESSES]
    c = members[-1]  # the one that is killed
    c_guilds = [g for g in guilds if g.shard in c.shards]
    # C's first post hangs, whichever it is: everything it claimed stays claimed until it dies.
    for guild in c_guilds:
        fake.faults.append(Fault("POST", f"channels/{guild.channel}/messages", 500, delay=60))
    logs = []
    try:
        c_campaigns = [g.campaign for g in c_guilds]

        async def fired() -> set[str]:
            rows = await query(url, "SELECT campaign_id FROM moves WHERE key LIKE 't:%'")
            return {row[0] for row in rows}

        async def fired_all_but_c() -> bool:
            return len(await fired()) >= len(guilds) - len(c_guilds)

        # A and B first: they fire the timers of their own guilds, and none of C's.
        await asyncio.gather(*(m.start() for m in members[:2]))
        await _poll(fired_all_but_c, 30)
        await asyncio.sleep(1.0)
        assert await fired() == {g.campaign for g in guilds} - set(c_campaigns)

        async def fired_all() -> bool:
            return len(await fired()) == len(guilds)

        await c.start()
        await _poll(fired_all, 30)

        async def c_holds_its_posts() -> bool:
            rows = await query(url, "SELECT campaign_id, claimed_by FROM outbox")
            held = [r for r in rows if r[0] in c_campaigns and r[1] is not None]
            others = [r for r in rows if r[0] not in c_campaigns]
            return len(held) == len(c_guilds) and not others

        await _poll(c_holds_its_posts, 30)
        await c.kill()
        fake.faults.clear()

        rounds = await _rounds(url, guilds)
        assert set(rounds.values()) == {(2, 0)}, rounds  # each deadline fired once
        presses = {(g.id, u.id): await _press(fake, g, u, 2) for g in guilds for u in g.users}
        to_c = [s for (gid, _), s in presses.items() if gid in {g.id for g in c_guilds}]
        others = [s for s in presses.values() if s not in to_c]
        await fake._until(lambda: all(s.done.is_set() for s in others), 30)
        assert all(_acknowledged(s) for s in others)

        await c.start()
        # C's sessions waited for a RESUME that never came: its new IDENTIFYs lost them, as
        # Discord loses what a bot never received. Nobody answered them.
        assert all(s.lost and not s.responses for s in to_c)
        for guild in c_guilds:  # its dreamers press again, as players would
            for user in guild.users:
                presses[(guild.id, user.id)] = await _press(fake, guild, user, 2)
        await fake._until(lambda: all(s.done.is_set() for s in presses.values()), 30)

        async def nothing_owed() -> bool:
            return not await query(url, "SELECT id FROM outbox")

        await _poll(nothing_owed, 30)
        await fake.settle(quiet=0.3, within=10)
    finally:
        for member in members:
            logs.append(await member.stop())
        await fake.stop()
    for log in logs:
        assert "Traceback" not in log, log[-3000:]

    answered_twice = [v for v in fake.violations if "twice" in v or "40060" in v]
    assert answered_twice == []
    delivered = [s for s in fake.interactions.values() if s.delivered and not s.lost]
    assert all(len(s.responses) == 1 for s in delivered)
    assert all(_acknowledged(s) for s in presses.values())
    # Every acknowledged press is stored, once; every session's round resolved once.
    keys = {row[0] for row in await query(url, "SELECT key FROM moves")}
    assert [s.id for s in presses.values() if f"i:{s.id}" not in keys] == []
    assert set((await _rounds(url, guilds)).values()) == {(3, 0)}
    timers = await query(
        url, "SELECT campaign_id, count(*) FROM moves WHERE key LIKE 't:%' GROUP BY 1"
    )
    assert sorted(n for _, n in timers) == [1] * len(guilds)
    # Each owed post went out once, in its own guild's channel.
    assert fake.nonce_posts
    assert set(fake.nonce_posts.values()) == {1}, fake.nonce_posts
    posted = {fake.messages[m]["channel_id"] for m in fake._nonces.values()}
    assert posted == {str(g.channel) for g in guilds}
    assert await query(url, ORPHANS) == []


async def _poll(done: Callable[[], Awaitable[bool]], within: float) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await done():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{done} did not come true in {within}s")
        await asyncio.sleep(0.1)


async def test_identify_keeps_its_pace_across_processes(postgres_url: str, tmp_path: Path) -> None:
    """Three processes start at once; in one concurrency bucket, no two IDENTIFYs come closer
    than the interval, whichever process sends them."""
    fake = FakeDiscord(shards=SHARDS, identify_interval=PACE - SLACK, check_schema=False)
    await fake.start()
    members = [Member(fake, postgres_url, shards, tmp_path) for shards in PROCESSES]
    try:
        await asyncio.gather(*(m.start() for m in members))
    finally:
        logs = [await m.stop() for m in members]
        await fake.stop()
    assert sorted(shard for shard, _ in fake.identified_at) == list(range(SHARDS))
    times = sorted(t for _, t in fake.identified_at)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= PACE - SLACK, gaps
    assert fake.violations == []
    for log in logs:
        assert "Traceback" not in log, log[-3000:]


def _children(pid: int) -> list[int]:
    """The processes `pid` started (Linux)."""
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_the_cluster_command_restarts_a_process_that_dies_and_stops_on_sigterm(
    postgres_url: str, tmp_path: Path
) -> None:
    fake = FakeDiscord(shards=4, identify_interval=PACE - SLACK, check_schema=False)
    await fake.start()
    env = environment(fake, postgres_url) | {
        "SHARD_COUNT": "4",
        "PROCESSES": "2",
        "IDENTIFY_INTERVAL": str(PACE),
    }
    log = tmp_path / "cluster.log"
    cluster = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "cluster",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log.open("ab"),
    )
    try:
        await fake._until(lambda: fake.ready_shards() == {0, 1, 2, 3}, 60)
        children = _children(cluster.pid)
        assert len(children) == 2
        first = {s: fake._current[s] for s in range(4)}
        identified = len(fake.identifies)
        os.kill(children[0], signal.SIGKILL)
        # Its two shards come back, in a new process, with new sessions.
        await fake._until(lambda: len(fake.identifies) >= identified + 2, 30)
        await fake._until(lambda: fake.ready_shards() == {0, 1, 2, 3}, 30)
        renewed = {s for s in range(4) if fake._current[s] is not first[s]}
        assert len(renewed) == 2
        assert children[1] in _children(cluster.pid)
        assert children[0] not in _children(cluster.pid)
        running = _children(cluster.pid)
        cluster.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(cluster.wait(), 40) == 0
        assert [pid for pid in running if _alive(pid)] == []
    finally:
        if cluster.returncode is None:
            cluster.kill()
            await cluster.wait()
        await fake.stop()
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    assert "exited with -9" in text
    assert fake.violations == []
