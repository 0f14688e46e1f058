"""The benchmark's JSON: every figure, and each target with its value, its bound and a verdict
that follows them (figures made up here: the measuring is the benchmark's job)."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace
from typing import Any

from bench import cluster, report
from bench.burst import Burst, Load, shown_in
from bench.engine import AtOnce, Engine
from bench.harness import Spread
from bench.latency import Latency
from bench.stages import FLOOR_STAGES, GAME_STAGES, breakdown
from bench.startup import Startup
from fakecord import Sent, User


def load(late: int) -> Load:
    s = Spread([0.001, 0.002])
    return Load(
        s, s, s, s, deferred=0, throughput=s, late=late, unanswered=0, bot_busy=s, fake_busy=s
    )


def latency(**postgres: Spread) -> Latency:
    return Latency(
        game_p50=Spread([0.004, 0.005]),
        game_p99=Spread([0.008, 0.010]),
        floor_p50=Spread([0.004, 0.004]),
        floor_p99=Spread([0.002, 0.002]),
        game_count=72,
        floor_count=100,
        sessions=2,
        **postgres,  # type: ignore[arg-type]
    )


def test_the_json_holds_every_figure_and_a_verdict_per_target() -> None:
    lat = latency()
    bursts = [Burst(10, 80, load(0), load(0), 1), Burst(100, 800, load(3), load(0), 1)]
    rss = {0: 60 * 1024 * 1024, 10: 61 * 1024 * 1024, 100: 61 * 1024 * 1024 + 90 * 5 * 1024}
    start = Startup(empty=[0.5, 0.6], full=[2.5, 2.7], active=100, archived=1000, size=1)
    eng = Engine([7.0, 8.0], 46.0, 20.0, [3000.0, 3100.0], 10)
    data = json.loads(report.figures(lat, bursts, rss, start, eng, "test", 90.0, True))
    assert data["quick"] is True
    assert data["engine"]["commits_per_second"] == [3000.0, 3100.0]
    targets = data["targets"]
    assert targets["interaction_p50_over_floor"]["value"] == 1.125
    assert targets["interaction_p50_over_floor"]["met"] is True
    assert targets["interaction_p99_over_floor"] == {
        "value": 4.5,
        "target": 2.0,
        "at_least": False,
        "met": False,
    }
    assert targets["burst_100_acknowledged_after_3s"]["met"] is False  # 3 late
    assert targets["memory_kib_per_session"]["value"] == 5.0
    assert targets["startup_full_database_s"]["met"] is False  # 2.6 s
    written = report.render(lat, bursts, rss, start, eng, "test", 90.0, True)
    assert "Target ≤ 2 s: **missed**" in written  # the report's verdicts are the targets'
    assert "`startup_full_database_s`" in written
    assert "PostgreSQL was not installed" in written  # no PostgreSQL figures: said so


def test_postgresql_is_reported_beside_sqlite_run_by_run() -> None:
    lat = latency(postgres_p50=Spread([0.008, 0.015]), postgres_p99=Spread([0.016, 0.020]))
    bursts = [Burst(10, 80, load(0), load(0), 1), Burst(100, 800, load(0), load(0), 1)]
    rss = {0: 60 * 1024 * 1024, 10: 61 * 1024 * 1024, 100: 62 * 1024 * 1024}
    start = Startup(empty=[0.5, 0.6], full=[1.0, 1.1], active=100, archived=1000, size=1)
    eng = Engine([8.0, 8.0], 46.0, 20.0, [3000.0, 3000.0], 10, [4.0, 2.0], [1500.0, 600.0])
    written = report.render(lat, bursts, rss, start, eng, "test", 90.0, True, "PostgreSQL 15")
    section = written.split("## PostgreSQL beside SQLite")[1].split("\n## ")[0]
    assert "on PostgreSQL 15" in section
    # each ratio pairs a PostgreSQL run with its SQLite twin: 2.0 and 3.0, median 2.5
    assert "| interaction p50 | 4.50 ms" in section
    assert "2.50× (2.00–3.00, 2 runs)" in section
    assert "0.38× (0.25–0.50, 2 runs)" in section  # whole sessions: 4/8 and 2/8
    data = json.loads(report.figures(lat, bursts, rss, start, eng, "test", 90.0, True))
    assert data["engine"]["postgres_commits_per_second"] == [1500.0, 600.0]


def test_the_targets_of_a_press_and_of_sessions_moving_at_once() -> None:
    lat = latency(
        press_p50=Spread([0.003, 0.006]),
        press_p99=Spread([0.004, 0.004]),
        button_p50=Spread([0.002, 0.004]),
        button_p99=Spread([0.003, 0.003]),
    )
    bursts = [Burst(10, 80, load(0), load(0), 1)]
    rss = {0: 60 * 1024 * 1024, 10: 61 * 1024 * 1024}
    start = Startup(empty=[0.5, 0.6], full=[1.0, 1.1], active=100, archived=1000, size=1)
    together = AtOnce(1000, [3000.0, 5000.0], [4000.0, 4000.0], 2.0, 0, 1, 30.0)
    eng = Engine([8.0, 8.0], 46.0, 2.0, [3000.0, 3000.0], 10, at_once=together)
    targets = json.loads(report.figures(lat, bursts, rss, start, eng, "t", 1.0, True))["targets"]
    assert targets["press_p50_over_floor_button"]["value"] == 1.5  # 1.5 and 1.5
    assert targets["press_p50_over_floor_button"]["met"] is False  # bound 1.3
    assert targets["press_p50_over_ping"]["value"] == 1.125  # 0.75 and 1.5
    assert targets["press_p99_over_ping"]["met"] is True  # 2.0 and 2.0, bound 2
    assert targets["press_statements"]["met"] is True
    assert targets["press_aiosqlite_calls"]["met"] is False  # one call is one too many
    at_once = targets["engine_at_once_over_raw_commits"]
    assert at_once == {"value": 1.0, "target": 1.0, "at_least": True, "met": True}  # 0.75, 1.25
    written = report.render(lat, bursts, rss, start, eng, "t", 1.0, True)
    assert "| moves ÷ raw commits | 1.00× (0.75–1.25, 2 runs) | ≥ 1× (met) |" in written
    assert "| target | ≤ 1.3× (**missed**) | |" in written


def test_a_run_before_a_change_is_shown_beside_this_one() -> None:
    lat = latency()
    bursts = [Burst(10, 80, load(0), load(0), 1), Burst(100, 800, load(3), load(0), 1)]
    rss = {0: 60 * 1024 * 1024, 10: 61 * 1024 * 1024, 100: 61 * 1024 * 1024 + 90 * 5 * 1024}
    start = Startup(empty=[0.5, 0.6], full=[1.0, 1.2], active=100, archived=1000, size=1)
    eng = Engine([7.0, 8.0], 46.0, 20.0, [3000.0, 3100.0], 10)
    before = json.loads(report.figures(lat, bursts, rss, start, eng, "old", 60.0, False))
    before["bursts"][1]["game"]["late"] = 1234  # the old tree was late more often
    before["startup"]["full"] = [3.0, 3.0]
    written = report.render(lat, bursts, rss, start, eng, "t", 1.0, False, None, before)
    section = written.split("## Before and after")[1].split("\n## ")[0]
    assert "| burst of 100: acknowledged after 3 s | 1,234 | 3 |" in section
    assert "| start-up, full database | 3000 ms | 1100 ms |" in section
    assert "| interaction p50 ÷ /ping | 1.12× | 1.12× |" in section


def test_the_cluster_section_shows_each_run_and_plans_from_the_measured_rates() -> None:
    runs = [
        cluster.Run(1, 1000, 2.0, 40.0, 900.0, 0, 1800.0, 300, 1000 * 2048),
        cluster.Run(3, 1000, 2.5, 60.0, 1500.0, 2, 2400.0, 420, 1000 * 2048),
    ]
    text = cluster.render(runs)
    assert "| 1 | 500 | 500 | 40 ms | 900 ms | 0 | 1,800 ms | 150 | 3.3 | 2.0 KiB |" in text
    assert "| 3 | 400 | 133 | 60 ms | 1,500 ms | 2 | 2,400 ms | 168 | 2.4 | 2.0 KiB |" in text
    assert "**26 processes on 26 cores**, 1 shard(s) each" in text  # 13,000 a second at 500
    assert "about **3,900 write transactions/s" in text
    assert "contention, not scale-out" in text
    assert "Not measured" in cluster.render([])


def test_a_press_is_split_into_stages_by_the_marks_inside_it() -> None:
    marks = [
        ("frame", 10.0001),
        ("parsed", 10.0002),
        ("submitted", 10.0005),
        ("committed", 10.0009),
        ("request", 10.0010),
        ("frame", 20.0001),  # a press whose commit was never marked is left out
        ("parsed", 20.0002),
        ("frame", 30.0002),
        ("parsed", 30.0003),
        ("submitted", 30.0006),
        ("committed", 30.0012),
        ("request", 30.0014),
    ]
    presses = [(10.0, 10.0012), (20.0, 20.0009), (30.0, 30.0017)]
    stages = breakdown(marks, presses, GAME_STAGES)
    spans = [round(stages[name]) for name, _, _ in GAME_STAGES]
    assert spans == [150, 100, 300, 500, 150, 250]  # µs, the median of the two whole presses


def test_the_stages_of_a_press_are_shown_beside_the_floors() -> None:
    game = {name: 100.0 * n for n, (name, _, _) in enumerate(GAME_STAGES, 1)}
    floor = {name: 10.0 * n for n, (name, _, _) in enumerate(FLOOR_STAGES, 1)}
    lat = latency(
        press_p50=Spread([0.003, 0.003]),
        press_p99=Spread([0.004, 0.004]),
        button_p50=Spread([0.002, 0.002]),
        button_p99=Spread([0.003, 0.003]),
        press_stages=game,  # type: ignore[arg-type]
        button_stages=floor,  # type: ignore[arg-type]
    )
    start = Startup(empty=[0.5], full=[1.0], active=100, archived=1000, size=1)
    eng = Engine([8.0], 46.0, 2.0, [3000.0], 10)
    written = report.render(
        lat, [Burst(10, 80, load(0), load(0), 1)], {0: 1, 10: 2}, start, eng, "t", 1.0, True
    )
    assert f"| {GAME_STAGES[3][0]} | 400 | |" in written  # the commit: the floor has none
    assert f"| {FLOOR_STAGES[2][0]} | 1,200 (the three above) | 30 |" in written
    assert "| all stages | 2,100 | 100 |" in written
    assert "a press spent 1,200 µs from its Interaction to its answer's request" in written


def test_the_durable_floor_says_which_press_targets_the_sync_alone_overruns() -> None:
    """floor_durable (floor_button after a synced commit, no game) is measured against each
    press target's bound, in the report and in the JSON: where it alone is over a bound, no
    design that answers after the sync can meet that target on the machine."""
    start = Startup(empty=[0.5], full=[1.0], active=100, archived=1000, size=1)
    eng = Engine([8.0], 46.0, 2.0, [3000.0], 10)
    burst = [Burst(10, 80, load(0), load(0), 1)]

    def run(durable_p50: float, durable_p99: float) -> tuple[str, dict[str, Any]]:
        lat = latency(  # /ping: 4 ms at p50, 2 ms at p99
            press_p50=Spread([0.005, 0.005]),
            press_p99=Spread([0.006, 0.006]),
            button_p50=Spread([0.002, 0.002]),
            button_p99=Spread([0.003, 0.003]),
            durable_p50=Spread([durable_p50] * 2),
            durable_p99=Spread([durable_p99] * 2),
        )
        text = report.render(lat, burst, {0: 1, 10: 2}, start, eng, "t", 1.0, True)
        figures = json.loads(report.figures(lat, burst, {0: 1, 10: 2}, start, eng, "t", 1, True))
        return text, figures["targets"]

    overrun, targets = run(0.003, 0.004)
    assert "| floor_button after a synced commit, floor_durable | 3.00 ms" in overrun
    assert "| floor_durable ÷ floor_button (no game) | 1.50×" in overrun
    assert "| floor_durable ÷ /ping (no game) | 0.75× (0.75–0.75, 2 runs) | 2.00×" in overrun
    assert "floor_durable is 1.50× floor_button and 0.75× /ping at the median" in overrun
    assert "the synced commit adds 1.00 ms, against the 0.60 ms" in overrun
    assert (
        "alone overruns ≤ 1.3× floor_button at p50: this target cannot be met while every "
        "answered move is on disk" in overrun
    )
    assert "leaves the game" not in overrun  # exactly at its p99 bound: no room left
    assert targets["press_p50_over_floor_button"]["floor_durable"] == 1.5
    assert targets["press_p99_over_ping"]["floor_durable"] == 2.0
    assert "floor_durable" not in targets["memory_kib_per_session"]

    every, targets = run(0.007, 0.005)
    assert (
        "overruns ≤ 1.3× floor_button at p50, ≤ 1.5× /ping at p50 and ≤ 2× /ping at p99: "
        "these targets cannot be met" in every
    )
    assert targets["press_p99_over_ping"]["floor_durable"] == 2.5

    room, _ = run(0.0022, 0.003)
    assert "floor_durable is 1.10× floor_button" in room
    assert "overruns none of the press targets" in room
    assert "floor_durable leaves the game 1.00 ms within ≤ 2× /ping at p99" in room
    assert "cannot be met" not in room


def test_a_press_is_answered_in_full_once_its_message_shows_its_move() -> None:
    """By its own redraw, or by a newer one that answered for it; never, if none shows it."""
    ada, bo = User(1, "Ada"), User(2, "Bo")
    dreamers = {"name": "Dreamers", "value": "✅ Ada\n💭 Bo"}
    fake = SimpleNamespace(
        edited={
            5: [(9.0, [{"title": "round 1", "fields": [dreamers]}])],  # before the presses
            7: [(10.5, [{"title": "round 1", "fields": [dreamers]}])],
        }
    )
    answered_by_another = Sent(1, 3, ada, 10.0, [{"type": 6}], 10.1, message_id=7)
    waiting = Sent(2, 3, bo, 10.0, [{"type": 6}], 10.1, message_id=7)
    old_news = Sent(3, 3, ada, 10.0, [{"type": 6}], 10.1, message_id=5)
    ping = Sent(4, 2, bo, 10.0, [{"type": 4}], 10.2)

    assert math.isclose(shown_in(fake, answered_by_another), 0.5)  # type: ignore[arg-type]
    assert shown_in(fake, waiting) == math.inf  # type: ignore[arg-type]
    assert shown_in(fake, old_news) == math.inf  # type: ignore[arg-type]
    assert math.isclose(shown_in(fake, ping), 0.2)  # type: ignore[arg-type]
