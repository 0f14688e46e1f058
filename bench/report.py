"""docs/PERFORMANCE.md, written from one run's figures."""

from __future__ import annotations

import time

from bench.burst import Burst
from bench.engine import Engine
from bench.harness import Spread
from bench.latency import Latency
from bench.startup import Startup

KIB, MIB = 1024, 1024 * 1024


def render(
    lat: Latency,
    bursts: list[Burst],
    idle: int,
    start: Startup,
    eng: Engine,
    machine: str,
    seconds: float,
    quick: bool,
) -> str:
    p50_ratio = Spread([g / f for g, f in zip(lat.game_p50.runs, lat.floor_p50.runs, strict=True)])
    p99_ratio = Spread([g / f for g, f in zip(lat.game_p99.runs, lat.floor_p99.runs, strict=True)])
    lines = [
        "# Performance",
        "",
        "Every figure here comes from one run of `python -m bench` "
        + ("(**a --quick run, not the record**) " if quick else "")
        + f"on {time.strftime('%Y-%m-%d')}, on the project's 2-core machine ({machine}), "
        f"in {seconds / 60:.1f} minutes. Each figure gives the median over its runs, then the "
        "lowest and highest run in brackets. The bot always runs as its own `python -m bot` "
        "process; the loopback fake Discord in the benchmark's process sends the interactions "
        "and times them, from sending INTERACTION_CREATE to receiving the bot's first response.",
        "",
        "![Latency against concurrency](performance.png)",
        "",
        "## Cost per interaction",
        "",
        f"Whole sessions, one interaction at a time: {lat.sessions} sessions per run "
        f"({lat.game_count} interactions: open, joins, rounds, a glitch, confessions, the return, "
        f"dawn), after one warm-up session. The floor is a discord.py bot whose one command "
        f"answers a static message, with no game and no database ({lat.floor_count} commands "
        "per run). Game and floor runs alternate.",
        "",
        "| | p50 | p99 |",
        "|---|---|---|",
        f"| the game | {lat.game_p50.ms(2)} | {lat.game_p99.ms(2)} |",
        f"| the floor | {lat.floor_p50.ms(2)} | {lat.floor_p99.ms(2)} |",
        f"| game ÷ floor | {p50_ratio.show('×', 2)} | {p99_ratio.show('×', 2)} |",
        f"| target | ≤ 1.5× ({_verdict(p50_ratio.median <= 1.5)}) "
        f"| ≤ 2× ({_verdict(p99_ratio.median <= 2)}) |",
        "",
        "## Concurrency",
        "",
        "N sessions of four dreamers in one bot process. In each burst every dreamer presses an "
        "action button of the current round at a random moment within one second; the fourth "
        "press of a round resolves it and posts the next round, as in play. One run is one burst "
        "(rounds 1, 2, 3 of the same sessions). Throughput counts answers from the first press "
        "to the last answer.",
        "",
        "| sessions | presses per burst | throughput | p50 | p99 | slowest "
        "| answered after 3 s | bot's CPU | fake's CPU |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for b in bursts:
        lines.append(
            f"| {b.sessions:,} | {b.interactions:,} | {b.throughput.show('/s', 0)} "
            f"| {b.p50.ms(0)} | {b.p99.ms(0)} "
            f"| {b.worst.ms(0)} | {b.late} of {b.interactions * len(b.p50.runs):,}"
            f"{f', {b.unanswered} unanswered' if b.unanswered else ''} "
            f"| {b.bot_busy.show('%', 0, 100)} | {b.fake_busy.show('%', 0, 100)} |"
        )
    by_size = {b.sessions: b for b in bursts}
    lines += ["", "## Memory", ""]
    lines += [
        "The bot's resident set size (VmRSS) with no sessions, and after the bursts above.",
        "",
        "| active sessions | RSS |",
        "|---|---|",
        f"| 0 | {idle / MIB:.1f} MiB |",
    ]
    lines += [f"| {n:,} | {b.rss_after / MIB:.1f} MiB |" for n, b in by_size.items()]
    if 100 in by_size and 1000 in by_size:
        each = (by_size[1000].rss_after - by_size[100].rss_after) / 900
        lines += [
            "",
            f"From 100 to 1,000 sessions the bot grew by **{each / KIB:.1f} KiB per active "
            f"session** (target ≤ 10 KiB of game state: {_verdict(each <= 10 * KIB)}). "
            "This is everything the process grew by, discord.py's caches included: the game "
            "keeps no session in memory, as each move reads its session from SQLite and writes "
            "it back. One run each.",
        ]
    moves = Spread([r * eng.moves_per_session for r in eng.sessions_per_second])
    against_raw = Spread([m / c for m, c in zip(moves.runs, eng.commits_per_second, strict=True)])
    lines += [
        "",
        "## Start-up",
        "",
        "From process start to the bot opening the gateway: the store open and migrated, "
        "every cog and persistent control loaded, the commands synced. Discord's part after "
        "that (the handshake and the guilds arriving) is not counted.",
        "",
        "| database | time to serve |",
        "|---|---|",
        f"| empty | {Spread(start.empty).ms(0)} |",
        f"| {start.active:,} active and {start.archived:,} archived sessions "
        f"({start.size / MIB:.0f} MiB) | {Spread(start.full).ms(0)} |",
        "",
        f"Target ≤ 2 s: {_verdict(Spread(start.full).median <= 2)}. Full ÷ empty: "
        f"{Spread(start.full).median / Spread(start.empty).median:.2f}×.",
        "",
        "## The engine alone",
        "",
        f"Whole sessions through the services with no Discord ({eng.sessions} per run, the "
        f"terminal game's auto-play), against the same store committing one-row transactions "
        f"as fast as it can, in the same run.",
        "",
        "| | rate |",
        "|---|---|",
        f"| whole sessions | {Spread(eng.sessions_per_second).show('/s', 1)} |",
        f"| moves (write transactions) per session | {eng.moves_per_session:.0f} |",
        f"| moves | {moves.show('/s', 0)} |",
        f"| raw SQLite commits | {Spread(eng.commits_per_second).show('/s', 0)} |",
        f"| moves ÷ raw commits | {against_raw.show('', 2)} |",
        "",
    ]
    return "\n".join(lines)


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"
