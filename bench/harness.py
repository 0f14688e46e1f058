"""What every benchmark shares: the bot as its own process, and honest statistics.

The bot under test runs as a separate `python -m bot` process (or the floor bot), so that the
loopback fake Discord, which measures, never competes with it for the same event loop.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from fakecord import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class BotProcess:
    """A bot process connected to the fake: `python -m bot`, or the floor bot."""

    process: asyncio.subprocess.Process
    spawned: float  # perf_counter() just before the process was started

    @classmethod
    async def start(
        cls,
        fake: FakeDiscord,
        db: Path,
        module: str = "bot",
        url: str | None = None,
        stages: Path | None = None,
    ) -> BotProcess:
        """The bot in `db`'s folder, on the SQLite file `db` or, given `url`, on PostgreSQL
        (its confession key file beside `db`). Given `stages`, the moments of each press are
        marked in that file (see bench/stages.py)."""
        identified = len(fake.identifies)
        # BENCH_PROFILE=DIR runs the bot under cProfile, one .prof file per process.
        profile = os.environ.get("BENCH_PROFILE")
        profiler = [
            "-m",
            "cProfile",
            "-o",
            f"{profile}/{module}-{os.getpid()}-{time.time_ns()}.prof",
        ]
        settings = {"LOG_LEVEL": "WARNING", **({"BENCH_STAGES": str(stages)} if stages else {})}
        spawned = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *(profiler if profile else []),
            "-m",
            *(("bench.stages", module) if stages else (module,)),
            env=(
                fake.environment(url, CONFESSION_KEYS_PATH=str(db), **settings)
                if url
                else fake.environment(db, **settings)
            ),
            cwd=db.parent,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=(db.parent / f"{module}.log").open("ab"),
        )
        started = cls(process, spawned)
        deadline = time.perf_counter() + 60
        while len(fake.identifies) == identified or not fake._sockets:
            if process.returncode is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"{module} did not connect; see {db.parent}/{module}.log")
            await asyncio.sleep(0.01)
        await fake.wait_ready(within=30)
        await asyncio.sleep(2.2)  # discord.py waits 2 s for more guilds before it is ready
        return started

    def rss(self) -> int:
        """Resident memory in bytes, from /proc."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    def cpu(self) -> float:
        """Seconds of CPU the process has used, user and system, from /proc."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), 30)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: p99 of 200 values is the 198th smallest."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class Spread:
    """A figure measured in several runs: the median, and the lowest and highest."""

    runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def low(self) -> float:
        return min(self.runs)

    @property
    def high(self) -> float:
        return max(self.runs)

    def ms(self, digits: int = 1) -> str:
        """Seconds, shown as milliseconds."""
        return self.show(" ms", digits, 1000.0)

    def show(self, unit: str = "", digits: int = 1, scale: float = 1.0) -> str:
        m, lo, hi = (x * scale for x in (self.median, self.low, self.high))
        return f"{m:.{digits}f}{unit} ({lo:.{digits}f}–{hi:.{digits}f}, {len(self.runs)} runs)"
