"""docs/PERFORMANCE.md, written from one run's figures."""

from __future__ import annotations

import dataclasses
import json
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from bench.burst import Burst
from bench.engine import AtOnce, Engine
from bench.harness import Spread
from bench.latency import Latency
from bench.stages import BETWEEN, FLOOR_STAGES, GAME_STAGES
from bench.startup import Startup
from bot.discord.timing import ANSWER_SLOTS, BACKLOG, IN_FLIGHT, LAG, MOVE_SLOTS

KIB, MIB = 1024, 1024 * 1024
PRESS_OVER_BUTTON = 1.3  # the press p50 target, as a multiple of floor_button's
# The press targets: each one's bound, the floor it is measured against, and where.
PRESS_TARGETS = {
    "press_p50_over_floor_button": (PRESS_OVER_BUTTON, "floor_button", "p50"),
    "press_p50_over_ping": (1.5, "/ping", "p50"),
    "press_p99_over_ping": (2.0, "/ping", "p99"),
}


def render(
    lat: Latency,
    bursts: list[Burst],
    rss: dict[int, int],
    start: Startup,
    eng: Engine,
    machine: str,
    seconds: float,
    quick: bool,
    postgres: str | None = None,
    before: dict[str, Any] | None = None,
) -> str:
    p50_ratio, p99_ratio = _ratios(lat)
    met = {name: bool(t["met"]) for name, t in targets(lat, bursts, rss, start, eng).items()}
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
        f"dawn), after one warm-up session. A *press* is one of those interactions: a dreamer's "
        "action button in a round. There are two floors, discord.py bots with no game and no "
        "database: `/ping` answers a static message, and `floor_button` is a persistent button "
        "(a DynamicItem, as the game's are) whose press redraws its message as an embed with "
        "five controls. A third, `floor_durable`, is floor_button whose press first does the "
        "least a move must do before it is answered, with no game: one transaction of two "
        "statements (a 2.3 KB state and a key), synced to disk (WAL, `synchronous=FULL`) by "
        "plain `sqlite3` on a thread of its own, as the bot's writer does "
        f"({lat.floor_count} of each per run). Game and floor runs alternate; each ratio pairs "
        "a run with the floor run beside it.",
        "",
        "| | p50 | p99 |",
        "|---|---|---|",
        f"| every game interaction | {lat.game_p50.ms(2)} | {lat.game_p99.ms(2)} |",
        *_press_rows(lat),
        f"| the floor, /ping | {lat.floor_p50.ms(2)} | {lat.floor_p99.ms(2)} |",
        f"| every game interaction ÷ /ping | {p50_ratio.show('×', 2)} | {p99_ratio.show('×', 2)} |",
        f"| target | ≤ 1.5× ({_verdict(met['interaction_p50_over_floor'])}) "
        f"| ≤ 2× ({_verdict(met['interaction_p99_over_floor'])}) |",
        *_press_targets(lat, met),
        "",
        *_stage_rows(lat),
        "## Concurrency",
        "",
        "N sessions of four dreamers in one bot process. In each burst every dreamer presses an "
        "action button of the current round at a random moment within one second; the fourth "
        "press of a round resolves it and posts the next round, as in play. One run is one burst "
        "(rounds 1, 2, 3 of the same sessions). Beside each, the floor bot takes as many /ping "
        "commands on the same kind of schedule. Throughput counts answers from the first press "
        "to the last answer. p50, p99 and the slowest are the time to the first response, which "
        "acknowledges the press; a press acknowledged first (deferred, see below) is answered "
        "when its move is done and its round message shows it, which the p99 to the answer in "
        "full shows: the press's own redraw, or a newer one of the same round that answered for "
        "it. A press that never shows counts as infinitely slow. CPU is the share of one core "
        "each process used during the burst.",
        "",
        "| sessions | bot | throughput | p50 | p99 | slowest | after 3 s | deferred "
        "| p99 to the answer in full | bot's CPU | fake's CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for b in bursts:
        for name, load in (("game", b.game), ("floor", b.floor)):
            total = b.interactions * len(load.p50.runs)
            unanswered = f", {load.unanswered} unanswered" if load.unanswered else ""
            lines.append(
                f"| {b.sessions:,} | {name} | {load.throughput.show('/s', 0)} "
                f"| {load.p50.ms(0)} | {load.p99.ms(0)} | {load.worst.ms(0)} "
                f"| {load.late:,} of {total:,}{unanswered} | {load.deferred:,} "
                f"| {load.done_p99.ms(0)} | {load.bot_busy.show('%', 0, 100)} "
                f"| {load.fake_busy.show('%', 0, 100)} |"
            )
    steps = sorted(rss)
    lines += [
        "",
        "## Memory",
        "",
        f"The bot's resident set size (VmRSS), started on a database of {steps[-1]:,} sessions "
        "in their first round, as the dreamers of more and more of them press a button, one "
        "press at a time. One run.",
        "",
        "| sessions played | RSS |",
        "|---|---|",
    ]
    lines += [f"| {n:,} | {rss[n] / MIB:.1f} MiB |" for n in steps]
    low, high = steps[-2], steps[-1]
    each = _per_session(rss)
    peak = max(bursts, key=lambda b: b.sessions)
    lines += [
        "",
        f"From {low:,} to {high:,} sessions the bot grew by **{each / KIB:.1f} KiB per active "
        f"session** (target ≤ 10 KiB of game state: {_verdict(met['memory_kib_per_session'])}). "
        "That is "
        "everything the process grew by, discord.py's caches included. After the bursts at "
        f"{peak.sessions:,} sessions, with thousands of requests in flight at once, the RSS "
        f"stood at {peak.rss_peak / MIB:.1f} MiB: Python keeps the memory of a burst's peak "
        "for the next one.",
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
        f"Target ≤ 2 s: {_verdict(met['startup_full_database_s'])}. Full ÷ empty: "
        f"{Spread(start.full).median / Spread(start.empty).median:.2f}×.",
        "",
        "## The engine alone",
        "",
        f"Whole sessions through the services with no Discord ({eng.sessions} per run, the "
        f"terminal game's auto-play, one move at a time), against the same store committing "
        f"one-row transactions as fast as it can through aiosqlite, in the same run.",
        "",
        "| | rate |",
        "|---|---|",
        f"| whole sessions | {Spread(eng.sessions_per_second).show('/s', 1)} |",
        f"| moves and other changes per session | {eng.moves_per_session:.0f} |",
        f"| SQL statements written per move, over whole sessions | {eng.statements_per_move:.2f} |",
        f"| moves | {moves.show('/s', 0)} |",
        "| raw SQLite commits (synchronous=NORMAL) "
        f"| {Spread(eng.commits_per_second).show('/s', 0)} |",
        f"| moves ÷ raw commits | {against_raw.show('', 2)} |",
        "",
        *_at_once(eng, met),
    ]
    if before is not None:
        after = json.loads(figures(lat, bursts, rss, start, eng, machine, seconds, quick))
        lines += before_and_after(before, after)
    lines += _postgres(lat, eng, postgres)
    lines += _findings(lat, bursts, eng, met)
    lines += [
        "",
        "## Figures as JSON",
        "",
        "`python -m bench --json PATH` (with `--quick` too) also writes every figure of the run "
        "as JSON, so that runs can be compared: `date`, `machine`, `seconds`, `quick`, "
        "`latency`, `bursts` (one object a burst size), `rss_bytes_by_sessions`, `startup`, "
        "`engine`, each with every run's value (times in seconds), and `cluster` (one object "
        "for each number of processes, as in *Beyond one process*). `targets` holds, for each "
        "target, its measured `value`, its bound as `target`, `at_least` (true where the value "
        "must reach the bound, false where it must stay at or under it) and `met`: "
        + ", ".join(f"`{name}`" for name in targets(lat, bursts, rss, start, eng))
        + ". The three press targets also hold `floor_durable`: what floor_durable, which does "
        "no game, measures against the same bound. Where it is over the bound, no design that "
        "answers only after the sync can meet that target on the machine.",
    ]
    return "\n".join(lines)


def before_and_after(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The figures both runs measured, side by side: `before` from a run of `python -m bench
    --json` on the tree before."""

    median = _median

    def ratio(figures: dict[str, Any], top: str, bottom: str) -> float:
        lat = figures["latency"]
        pairs = zip(lat[top]["runs"], lat[bottom]["runs"], strict=True)
        return median([a / b for a, b in pairs])

    def engine(figures: dict[str, Any]) -> tuple[float, float]:
        eng = figures["engine"]
        moves = [r * eng["moves_per_session"] for r in eng["sessions_per_second"]]
        pairs = zip(moves, eng["commits_per_second"], strict=True)
        return median(eng["sessions_per_second"]), median([m / c for m, c in pairs])

    def per_session(figures: dict[str, Any]) -> float:
        rss: dict[int, int] = {int(n): v for n, v in figures["rss_bytes_by_sessions"].items()}
        low, high = sorted(rss)[-2:]
        return (rss[high] - rss[low]) / (high - low) / KIB

    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("interaction p50", lambda f: f"{median(f['latency']['game_p50']['runs']) * 1000:.2f} ms"),
        ("interaction p99", lambda f: f"{median(f['latency']['game_p99']['runs']) * 1000:.2f} ms"),
        ("interaction p50 ÷ /ping", lambda f: f"{ratio(f, 'game_p50', 'floor_p50'):.2f}×"),
        ("interaction p99 ÷ /ping", lambda f: f"{ratio(f, 'game_p99', 'floor_p99'):.2f}×"),
        ("whole sessions, engine alone", lambda f: f"{engine(f)[0]:.1f}/s"),
        ("moves ÷ raw commits (NORMAL), one at a time", lambda f: f"{engine(f)[1]:.2f}"),
    ]
    sizes = {b["sessions"] for b in before["bursts"]} & {b["sessions"] for b in after["bursts"]}
    for size in sorted(sizes):
        rows += [
            (f"burst of {size:,}: acknowledged after 3 s", partial(_burst_figure, size, "late")),
            (f"burst of {size:,}: p99 to the first response", partial(_burst_figure, size, "p99")),
            (
                f"burst of {size:,}: p99 to the answer in full",
                partial(_burst_figure, size, "done_p99"),
            ),
            (f"burst of {size:,}: throughput", partial(_burst_figure, size, "throughput")),
        ]
    rows += [
        ("RSS per session played, last step", lambda f: f"{per_session(f):.1f} KiB"),
        ("start-up, full database", lambda f: f"{median(f['startup']['full']) * 1000:.0f} ms"),
    ]
    lines = [
        "## Before and after",
        "",
        f"The same benchmark on the tree before this work (run {before['date']}, "
        f"{before['seconds'] / 60:.1f} minutes"
        + (", a --quick run" if before.get("quick") else "")
        + ") and on this one. They are two runs, not taken side by side, so the machine's drift "
        "can touch them differently: the ratios inside each run are the fairer comparison. "
        "Each figure is the median over its runs. The memory rows count different steps where "
        "the runs did "
        f"(before: {', '.join(before['rss_bytes_by_sessions'])} sessions played; after: "
        f"{', '.join(after['rss_bytes_by_sessions'])}).",
        "",
        "| | before | after |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {show(before)} | {show(after)} |" for name, show in rows]
    return [*lines, ""]


def _median(runs: list[float]) -> float:
    return float(statistics.median(runs))


def _burst_figure(size: int, name: str, figures: dict[str, Any]) -> str:
    """One figure of the game's burst of `size` sessions in a run's JSON."""
    game: dict[str, Any] = next(b for b in figures["bursts"] if b["sessions"] == size)["game"]
    if name == "late":
        return f"{game['late']:,}"
    if name == "throughput":
        return f"{_median(game[name]['runs']):.0f}/s"
    return f"{_median(game[name]['runs']) * 1000:.0f} ms"


def _findings(lat: Latency, bursts: list[Burst], eng: Engine, met: dict[str, bool]) -> list[str]:
    """What this run's figures say about the targets."""
    biggest = max(bursts, key=lambda b: b.sessions)
    none_late = met[f"burst_{biggest.sessions}_acknowledged_after_3s"]
    total = biggest.interactions * len(biggest.game.p50.runs)
    lines = [
        "## What the numbers say",
        "",
        "**How a move is written.** A campaign's circle and current session are held in memory "
        "from its first move until it goes idle. A move applies the rules to the held state "
        "with no await between reading and writing it, reads nothing from the database, "
        "records the rows it changed (a press that leaves the round waiting writes two: the "
        "session and the interaction's key), and waits for its group commit: every move ready "
        "while the writer is busy is committed in one transaction, with `synchronous=FULL`, "
        "by plain `sqlite3` on a thread of its own, and each move is answered only once its "
        "transaction is on disk. The SIGKILL tests (at 20 points of a session, and in the "
        "middle of batches of several sessions' moves) find every acknowledged move stored and "
        "none applied twice.",
        "",
    ]
    if lat.press_p50 is not None and lat.button_p50 is not None:
        extra = (lat.press_p50.median - lat.button_p50.median) * 1000
        move = ""
        if eng.at_once is not None:
            cpu = 1e6 / Spread(eng.at_once.moves_per_second).median
            move = (
                f"The move itself (the rules on its own copy of the state, its rows recorded "
                f"and committed) takes about {cpu:.0f} µs of the process when moves run side by "
                f"side (the engine's rate with {eng.at_once.sessions:,} sessions moving at "
                "once); one at a time it also waits for its commit's sync on the writer's "
                "thread. "
            )
        lines += [
            f"**Cost per press.** Against floor_button the p50 target is "
            f"{_verdict(met['press_p50_over_floor_button'])}; against /ping the p50 target is "
            f"{_verdict(met['press_p50_over_ping'])} and the p99 target "
            f"{_verdict(met['press_p99_over_ping'])}. A press costs {extra:.2f} ms more than "
            f"floor_button's at the median. {_durable_story(lat)}{move}{_stage_story(lat)}"
            "The rest of the difference "
            "is the game's "
            "Discord side, which floor_button does not have: finding the campaign and checking "
            "the control against it, drawing the round's embed and its controls (a button per "
            "action and a menu of dreamers per aimed action), the larger answer on the wire, "
            "and settling what the move owed the circle.",
            "",
        ]
    lines += [
        f"**Every interaction of a session.** The p50 target is "
        f"{_verdict(met['interaction_p50_over_floor'])}, the p99 target "
        f"{_verdict(met['interaction_p99_over_floor'])}, against /ping. These include the "
        "commands that draw the most (the lobby, the reveal, dawn's recap) and the changes "
        "that are not moves (settings, rest), which still run as transactions of their own. "
        "Like a press, each move among them is answered only after its sync, so what "
        "floor_durable measures against /ping (above) bounds them too.",
        "",
        f"**Concurrency at {biggest.sessions:,} sessions.** "
        f"{biggest.game.late:,} of {total:,} presses were acknowledged after 3 s (target 0: "
        f"{_verdict(none_late)}); every answer in full came by a p99 of "
        f"{biggest.game.done_p99.ms(0)} (target ≤ 8 s: "
        f"{_verdict(met[f'burst_{biggest.sessions}_answer_in_full_p99_s'])}). A press is "
        f"acknowledged first (deferred), before its move starts, when more than {IN_FLIGHT} "
        f"controls are in flight, the event loop runs more than {LAG * 1000:.0f} ms late, or "
        f"more than {BACKLOG:g} s of moves wait for the writer. Its move then takes one of "
        f"{MOVE_SLOTS} slots and waits in it for the loop to keep time, so that a burst's moves "
        "go through a few at a time while new presses are acknowledged; its answer takes one of "
        f"{ANSWER_SLOTS} slots of its own once no move is waiting. So a burst's moves are all "
        "made first, and each round message is then redrawn once, newest first: an older "
        "drawing still waiting is skipped, since the newer one shows its move too. A "
        "press whose move is not done 2.5 s after Discord made it is acknowledged then. "
        "In the same run the floor "
        f"bot, which does no work at all, answered the same burst with a p99 of "
        f"{biggest.floor.p99.ms(0)} and {biggest.floor.late:,} presses late, while the fake "
        f"Discord (in the benchmark's process) used {biggest.floor.fake_busy.median * 100:.0f}% "
        "of one of the two cores: on this machine a burst of that size is as much what one "
        "process can take in at all as what the game costs.",
        "",
        "**Memory and start-up.** A held session is kept as the text of its rows (the "
        "campaign, its characters, the session) plus its recent interaction keys; a move "
        "parses its own objects from them. An idle campaign is let go after 30 minutes. "
        "Start-up reads nothing in proportion to the data: a campaign is loaded on "
        "its first move.",
        "",
        "To profile a run, set `BENCH_PROFILE` to a folder: each bot process then runs under "
        "cProfile and leaves its `.prof` file there. cProfile sees only the event loop's "
        "thread; `py-spy record --threads --gil --pid PID` sees the writer's thread too.",
        "",
    ]
    return lines


def _postgres(lat: Latency, eng: Engine, server: str | None) -> list[str]:
    """PostgreSQL beside SQLite: the same game and the same engine, in the same loop."""
    lines = ["## PostgreSQL beside SQLite", ""]
    if server is None or lat.postgres_p50 is None or lat.postgres_p99 is None:
        return [*lines, "PostgreSQL was not installed on this machine: nothing measured.", ""]
    pg_p50, pg_p99 = lat.postgres_p50, lat.postgres_p99

    def over(a: list[float], b: list[float]) -> Spread:
        return Spread([x / y for x, y in zip(a, b, strict=True)])

    return [
        *lines,
        f"The same whole sessions over the fake, and the same engine, on {server} in a cluster "
        "the benchmark starts on this machine with PostgreSQL's durable defaults (fsync on, "
        "synchronous_commit on; SQLite runs WAL with synchronous=NORMAL). A fresh database "
        "for every run; each PostgreSQL run follows its SQLite twin in the same loop. "
        "Confession text is sealed on PostgreSQL (a key written to the key file per text).",
        "",
        "| | SQLite | PostgreSQL | PostgreSQL ÷ SQLite |",
        "|---|---|---|---|",
        f"| interaction p50 | {lat.game_p50.ms(2)} | {pg_p50.ms(2)} "
        f"| {over(pg_p50.runs, lat.game_p50.runs).show('×', 2)} |",
        f"| interaction p99 | {lat.game_p99.ms(2)} | {pg_p99.ms(2)} "
        f"| {over(pg_p99.runs, lat.game_p99.runs).show('×', 2)} |",
        f"| p50 ÷ the floor's | {over(lat.game_p50.runs, lat.floor_p50.runs).show('×', 2)} "
        f"| {over(pg_p50.runs, lat.floor_p50.runs).show('×', 2)} | |",
        f"| whole sessions, engine alone | {Spread(eng.sessions_per_second).show('/s', 1)} "
        f"| {Spread(eng.postgres_sessions_per_second).show('/s', 1)} "
        f"| {over(eng.postgres_sessions_per_second, eng.sessions_per_second).show('×', 2)} |",
        "| one-row commits through a unit of work "
        f"| {Spread(eng.commits_per_second).show('/s', 0)} "
        f"| {Spread(eng.postgres_commits_per_second).show('/s', 0)} "
        f"| {over(eng.postgres_commits_per_second, eng.commits_per_second).show('×', 2)} |",
        "",
        "A move on PostgreSQL pays a round trip to the server for each statement and an fsync "
        "of the WAL at each commit, where SQLite's statements are calls into the same process "
        "and its WAL is synced only at checkpoints. One process writes its moves in turn on "
        "either store, so these figures are the cost of one bot, not of many.",
        "",
    ]


def _at_once(eng: Engine, met: dict[str, bool]) -> list[str]:
    together = eng.at_once
    if together is None:
        return []
    return [
        f"**Sessions moving at once.** {together.sessions:,} sessions in a round, all pressing "
        "at the same moment through the services: three presses that leave the round waiting, "
        "then the fourth, which resolves it. A run is one round of every session, once every "
        "session is held in memory; the round before the runs, which reads each session from "
        "the database on its first move, is timed on its own. Beside each run, one-row "
        "transactions through aiosqlite with the move writer's own `synchronous=FULL`, one "
        "after another. What the benchmark process made before is frozen out of the garbage "
        "collector's sight, as the bot's start-up is.",
        "",
        "| | figure | target |",
        "|---|---|---|",
        f"| moves, the first round (sessions read on their first move) "
        f"| {together.first_round_moves_per_second:.0f}/s | |",
        f"| moves, sessions held | {Spread(together.moves_per_second).show('/s', 0)} | |",
        f"| raw one-row commits, synchronous=FULL "
        f"| {Spread(together.full_commits_per_second).show('/s', 0)} | |",
        f"| moves ÷ raw commits | {_engine_ratio(together).show('×', 2)} "
        f"| ≥ 1× ({_verdict(met['engine_at_once_over_raw_commits'])}) |",
        f"| moves per group commit | {together.moves_per_batch:.1f} | |",
        f"| statements per press that leaves the round waiting | {together.press_statements:.2f} "
        f"| ≤ 2 ({_verdict(met['press_statements'])}) |",
        f"| queries those presses ran | {together.press_reads} "
        f"| 0 ({_verdict(met['press_reads'])}) |",
        f"| calls to aiosqlite's thread those presses made | {together.press_aiosqlite_calls} "
        f"| 0 ({_verdict(met['press_aiosqlite_calls'])}) |",
        "",
    ]


def _press_rows(lat: Latency) -> list[str]:
    if lat.press_p50 is None or lat.press_p99 is None:
        return []
    rows = [f"| a press | {lat.press_p50.ms(2)} | {lat.press_p99.ms(2)} |"]
    if lat.button_p50 is not None and lat.button_p99 is not None:
        rows.append(
            f"| the floor, floor_button | {lat.button_p50.ms(2)} | {lat.button_p99.ms(2)} |"
        )
    if lat.durable_p50 is not None and lat.durable_p99 is not None:
        rows.append(
            f"| floor_button after a synced commit, floor_durable | {lat.durable_p50.ms(2)} "
            f"| {lat.durable_p99.ms(2)} |"
        )
    return rows


def _durable_story(lat: Latency) -> str:
    """What the sync before an answer costs on its own, against each press target's room."""
    durable = _durable_over(lat)
    if not durable or lat.button_p50 is None or lat.durable_p50 is None:
        return ""
    synced = (lat.durable_p50.median - lat.button_p50.median) * 1000
    over = [_bound(name) for name, value in durable.items() if value > PRESS_TARGETS[name][0]]
    verdict = (
        f"So on this machine the sync before the answer alone overruns {_and(over)}: "
        f"{'this target' if len(over) == 1 else 'these targets'} cannot be met while every "
        "answered move is on disk, whatever the game does. "
        if over
        else "The sync alone overruns none of the press targets: the rest of their room is "
        "the game's. "
    )
    p99 = "press_p99_over_ping"
    p99_room = (PRESS_TARGETS[p99][0] - durable[p99]) * lat.floor_p99.median * 1000
    room = (
        f"floor_durable leaves the game {p99_room:.2f} ms within {_bound(p99)}. "
        if p99_room > 0
        else ""
    )
    return (
        f"With no game at all, floor_durable is {durable['press_p50_over_floor_button']:.2f}× "
        f"floor_button and {durable['press_p50_over_ping']:.2f}× /ping at the median, and "
        f"{durable['press_p99_over_ping']:.2f}× /ping at p99: the synced commit adds "
        f"{synced:.2f} ms, against the "
        f"{(PRESS_OVER_BUTTON - 1) * lat.button_p50.median * 1000:.2f} ms that the "
        f"{PRESS_OVER_BUTTON:g}× target allows a press over floor_button. {verdict}{room}"
    )


def _durable_over(lat: Latency) -> dict[str, float]:
    """floor_durable (no game) measured as each press target measures a press."""
    if lat.durable_p50 is None or lat.durable_p99 is None or lat.button_p50 is None:
        return {}
    return {
        "press_p50_over_floor_button": _over(lat.durable_p50, lat.button_p50).median,
        "press_p50_over_ping": _over(lat.durable_p50, lat.floor_p50).median,
        "press_p99_over_ping": _over(lat.durable_p99, lat.floor_p99).median,
    }


def _limit(name: str) -> str:
    return f"≤ {PRESS_TARGETS[name][0]:g}×"


def _bound(name: str) -> str:
    _, floor, where = PRESS_TARGETS[name]
    return f"{_limit(name)} {floor} at {where}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _stage_story(lat: Latency) -> str:
    game, floor = lat.press_stages, lat.button_stages
    if not game or not floor:
        return ""
    move, commit, draw = (game[name] for name, _, _ in BETWEEN)
    return (
        f"In the marked run, a press spent {move + commit + draw:,.0f} µs from its Interaction "
        f"to its answer's request, against floor_button's {floor[FLOOR_STAGES[2][0]]:,.0f}: "
        f"{move:,.0f} to dispatch it, find its campaign and make the move, {commit:,.0f} for "
        f"the commit, {draw:,.0f} to draw the answer. "
    )


def _stage_rows(lat: Latency) -> list[str]:
    """Where a press's time goes, from one more run of each with its moments marked."""
    game, floor = lat.press_stages, lat.button_stages
    if not game or not floor:
        return []
    rows = [
        "**Where a press's time goes.** One more game run and one more floor run, with the "
        "moments of each press marked in the bot's process (bench/stages.py): the median of "
        "each stage, in µs, from the fake sending the press to its having the answer. The "
        "stages' medians need not add up to the press's median.",
        "",
        "| stage | a press | a floor_button press |",
        "|---|---|---|",
    ]
    for name, _, _ in GAME_STAGES[:-1]:
        beside = f" {floor[name]:,.0f} " if name in floor else " "
        rows.append(f"| {name} | {game[name]:,.0f} |{beside}|")
    drawn, last = FLOOR_STAGES[2][0], GAME_STAGES[-1][0]
    within = sum(game[name] for name, _, _ in BETWEEN)
    return [
        *rows,
        f"| {drawn} | {within:,.0f} (the three above) | {floor[drawn]:,.0f} |",
        f"| {last} | {game[last]:,.0f} | {floor[last]:,.0f} |",
        f"| all stages | {sum(game.values()):,.0f} | {sum(floor.values()):,.0f} |",
        "",
    ]


def _press_targets(lat: Latency, met: dict[str, bool]) -> list[str]:
    if lat.press_p50 is None or lat.press_p99 is None or lat.button_p50 is None:
        return []
    durable = []
    if lat.durable_p50 is not None and lat.durable_p99 is not None:
        durable = [
            f"| floor_durable ÷ floor_button (no game) "
            f"| {_over(lat.durable_p50, lat.button_p50).show('×', 2)} | |",
            f"| floor_durable ÷ /ping (no game) "
            f"| {_over(lat.durable_p50, lat.floor_p50).show('×', 2)} "
            f"| {_over(lat.durable_p99, lat.floor_p99).show('×', 2)} |",
        ]
    button, p50, p99 = PRESS_TARGETS  # over floor_button, over /ping at p50 and at p99
    return [
        *durable,
        f"| a press ÷ floor_button | {_over(lat.press_p50, lat.button_p50).show('×', 2)} | |",
        f"| target | {_limit(button)} ({_verdict(met[button])}) | |",
        f"| a press ÷ /ping | {_over(lat.press_p50, lat.floor_p50).show('×', 2)} "
        f"| {_over(lat.press_p99, lat.floor_p99).show('×', 2)} |",
        f"| target | {_limit(p50)} ({_verdict(met[p50])}) | {_limit(p99)} ({_verdict(met[p99])}) |",
    ]


def _ratios(lat: Latency) -> tuple[Spread, Spread]:
    """The game's p50 and p99 over the floor's, run by run."""
    p50 = Spread([g / f for g, f in zip(lat.game_p50.runs, lat.floor_p50.runs, strict=True)])
    p99 = Spread([g / f for g, f in zip(lat.game_p99.runs, lat.floor_p99.runs, strict=True)])
    return p50, p99


def _per_session(rss: dict[int, int]) -> float:
    """Bytes the bot grew by per session played, between the last two steps."""
    steps = sorted(rss)
    low, high = steps[-2], steps[-1]
    return (rss[high] - rss[low]) / (high - low)


def targets(
    lat: Latency,
    bursts: list[Burst],
    rss: dict[int, int],
    start: Startup,
    eng: Engine | None = None,
) -> dict[str, dict[str, float | bool]]:
    """Each target: its measured `value`, its `target` bound, `at_least` (whether the value
    must reach the bound rather than stay under it), and whether it is `met`; a press target
    also holds what `floor_durable` measures against it."""
    p50_ratio, p99_ratio = _ratios(lat)
    biggest = max(bursts, key=lambda b: b.sessions)
    measured: dict[str, tuple[float, float, bool]] = {
        "interaction_p50_over_floor": (p50_ratio.median, 1.5, False),
        "interaction_p99_over_floor": (p99_ratio.median, 2.0, False),
    }
    if lat.press_p50 and lat.press_p99 and lat.button_p50:
        measured |= {
            name: (value, PRESS_TARGETS[name][0], False)
            for name, value in (
                ("press_p50_over_floor_button", _over(lat.press_p50, lat.button_p50).median),
                ("press_p50_over_ping", _over(lat.press_p50, lat.floor_p50).median),
                ("press_p99_over_ping", _over(lat.press_p99, lat.floor_p99).median),
            )
        }
    measured |= {
        f"burst_{biggest.sessions}_acknowledged_after_3s": (float(biggest.game.late), 0.0, False),
        f"burst_{biggest.sessions}_answer_in_full_p99_s": (
            biggest.game.done_p99.median,
            8.0,
            False,
        ),
        "memory_kib_per_session": (_per_session(rss) / KIB, 10.0, False),
        "startup_full_database_s": (Spread(start.full).median, 2.0, False),
    }
    if eng is not None and eng.at_once is not None:
        together = eng.at_once
        measured |= {
            "press_statements": (together.press_statements, 2.0, False),
            "press_reads": (float(together.press_reads), 0.0, False),
            "press_aiosqlite_calls": (float(together.press_aiosqlite_calls), 0.0, False),
            "engine_at_once_over_raw_commits": (_engine_ratio(together).median, 1.0, True),
        }
    verdicts: dict[str, dict[str, float | bool]] = {
        name: {
            "value": value,
            "target": bound,
            "at_least": at_least,
            "met": value >= bound if at_least else value <= bound,
        }
        for name, (value, bound, at_least) in measured.items()
    }
    # Beside each press target: what floor_durable, with no game, measures against it.
    for name, value in _durable_over(lat).items():
        if name in verdicts:
            verdicts[name]["floor_durable"] = value
    return verdicts


def _over(a: Spread, b: Spread) -> Spread:
    """Run by run, `a` over `b`: each pair was measured side by side."""
    return Spread([x / y for x, y in zip(a.runs, b.runs, strict=True)])


def _engine_ratio(together: AtOnce) -> Spread:
    return Spread(
        [
            m / c
            for m, c in zip(
                together.moves_per_second, together.full_commits_per_second, strict=True
            )
        ]
    )


def figures(
    lat: Latency,
    bursts: list[Burst],
    rss: dict[int, int],
    start: Startup,
    eng: Engine,
    machine: str,
    seconds: float,
    quick: bool,
) -> str:
    """Every figure of the run as JSON, so that runs can be compared, with the targets."""
    return json.dumps(
        {
            "date": time.strftime("%Y-%m-%d"),
            "machine": machine,
            "seconds": seconds,
            "quick": quick,
            "latency": dataclasses.asdict(lat),
            "bursts": [dataclasses.asdict(b) for b in bursts],
            "rss_bytes_by_sessions": {str(n): v for n, v in sorted(rss.items())},
            "startup": dataclasses.asdict(start),
            "engine": dataclasses.asdict(eng),
            "targets": targets(lat, bursts, rss, start, eng),
        },
        indent=2,
        default=str,
    )


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"
