"""`python -m bench`: every benchmark in one run, written to docs/PERFORMANCE.md and its chart.

`python -m bench --quick` is a smaller run for trying changes; its figures are not the record.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import burst, chart, cluster, engine, latency, postgres, report, startup
from bench.harness import ROOT


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs and sessions")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "PERFORMANCE.md")
    parser.add_argument(
        "--json", type=Path, default=None, help="also write every figure, and the targets, as JSON"
    )
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="the --json of a run on the tree before a change, to show beside this run's",
    )
    args = parser.parse_args()
    before = json.loads(args.before.read_text()) if args.before else None
    asyncio.run(run(args.out, quick=args.quick, json_path=args.json, before=before))


async def run(
    out: Path, *, quick: bool, json_path: Path | None = None, before: dict[str, Any] | None = None
) -> None:
    runs = 2 if quick else 3
    sizes = [10, 100] if quick else [10, 100, 1000]
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bedtime-bench-") as scratch:
        work = Path(scratch)
        step("a PostgreSQL cluster of our own, if PostgreSQL is installed")
        async with postgres.cluster() as server:
            step("cost per interaction, against the floor (SQLite and PostgreSQL)")
            lat = await latency.measure(
                work / "latency", runs, 2 if quick else 5, 100 if quick else 200, server
            )
            step("the engine alone, against raw commits (SQLite and PostgreSQL)")
            eng = await engine.measure(
                work / "engine", runs, 10 if quick else 20, 2000, server, 200 if quick else 1000
            )
            engine_server = server.version if server else None
            step("beyond one process: 1, 2 and 3 processes on one PostgreSQL")
            spread = await cluster.measure(work / "cluster", server, 60 if quick else 250)
        bursts = []
        for size in sizes:
            step(f"a burst at {size} sessions")
            bursts.append(await burst.measure(work / f"burst-{size}", size, runs))
        step("memory as sessions come into play")
        live = (0, 100, 1000) if quick else (0, 1000, 10_000)
        rss = await burst.memory(work / "memory", live)
        step("start-up with a full database")
        start = await startup.measure(work / "startup", runs, 100 if quick else 1000)
    chart_path = out.with_name("performance.png")
    chart.draw(chart_path, bursts)
    machine = (
        f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
    )
    seconds = time.perf_counter() - began
    out.write_text(
        report.render(lat, bursts, rss, start, eng, machine, seconds, quick, engine_server, before)
        + cluster.render(spread)
    )
    step(f"wrote {out} and {chart_path}")
    if json_path is not None:
        figures = json.loads(report.figures(lat, bursts, rss, start, eng, machine, seconds, quick))
        figures["cluster"] = [run.figures() for run in spread]
        json_path.write_text(json.dumps(figures, indent=2) + "\n")
        step(f"wrote {json_path}")


def step(text: str) -> None:
    print(f"[bench] {time.strftime('%H:%M:%S')} {text}", flush=True)


if __name__ == "__main__":
    main()
