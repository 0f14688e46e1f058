"""Where one press's time goes: the bot (or the floor bot) run with a few moments marked.

`python -m bench.stages MODULE` runs `python -m MODULE` with marks at the moments a press passes:
its gateway frame read, discord.py's Interaction made, the move's commit asked for and done, and
its answer's request begun. Each mark is `time.perf_counter()`, which on Linux is the same
monotonic clock in every process, so the marks line up with the fake's own times for the press
(sent, answered). The marks are written to the file named by BENCH_STAGES as the run goes.

`breakdown` splits each press's time into stages by the marks that fall inside it, and gives
the median of each stage over the presses.
"""

from __future__ import annotations

import json
import math
import os
import runpy
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The stages of a press, each from one mark to the next; a floor press has no commit.
GAME_STAGES = (
    ("the fake to the bot's gateway reader", "sent", "frame"),
    ("discord.py reads it into an Interaction", "frame", "parsed"),
    ("dispatch, lookups and the move, to its commit asked for", "parsed", "submitted"),
    ("the commit (the writer's thread, the sync, back)", "submitted", "committed"),
    ("drawing the answer, to its request begun", "committed", "request"),
    ("the request, to the fake's having it", "request", "answered"),
)
# The game's stages from its Interaction to its answer's request, which the floor has as one.
BETWEEN = GAME_STAGES[2:-1]
FLOOR_STAGES = (
    GAME_STAGES[0],
    GAME_STAGES[1],
    ("dispatch and drawing the answer, to its request begun", "parsed", "request"),
    GAME_STAGES[-1],
)

Marks = list[tuple[str, float]]


def breakdown(
    marks: Marks, presses: list[tuple[float, float]], stages: tuple[tuple[str, str, str], ...]
) -> dict[str, float]:
    """Each stage's median, in µs, over the presses (sent, answered) whose marks are all found:
    for each, the first of each mark after the one before it, within the press's time."""
    spans: dict[str, list[float]] = {name: [] for name, _, _ in stages}
    ordered = sorted(marks, key=lambda mark: mark[1])
    for sent, answered in presses:
        at = {"sent": sent, "answered": answered}
        for _, start, end in stages:
            if end not in at:
                found = (t for name, t in ordered if name == end and at[start] <= t <= answered)
                at[end] = next(found, math.inf)
        if any(at[end] > answered for _, _, end in stages):
            continue  # a mark missing: the press is left out
        for name, start, end in stages:
            spans[name].append((at[end] - at[start]) * 1e6)
    return {name: statistics.median(values) if values else 0.0 for name, values in spans.items()}


def read(path: Path) -> Marks:
    return [(name, at) for name, at in json.loads(path.read_text())] if path.exists() else []


def _install(path: Path) -> None:
    """Mark the moments of a press, writing the marks to `path` every hundred and at exit."""
    import atexit

    import aiohttp
    import discord.gateway
    import discord.state

    from bot.store.batch import GroupCommit

    marks: Marks = []

    def dump() -> None:
        path.write_text(json.dumps(marks))

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter()))
        if len(marks) % 100 == 0:
            dump()

    atexit.register(dump)

    def replace(owner: Any, attribute: str, make: Callable[[Any], Callable[..., Any]]) -> None:
        setattr(owner, attribute, make(getattr(owner, attribute)))

    def frame(read: Any) -> Callable[..., Any]:
        def marked(*args: Any) -> Any:
            mark("frame")
            return read(*args)

        return marked

    def parsed(parse: Any) -> Callable[..., Any]:
        def marked(*args: Any) -> None:
            parse(*args)
            mark("parsed")

        return marked

    def submitted(submit: Any) -> Callable[..., Any]:
        def marked(*args: Any, **kwargs: Any) -> Any:
            mark("submitted")
            done = submit(*args, **kwargs)
            done.add_done_callback(lambda _: mark("committed"))
            return done

        return marked

    def requested(request: Any) -> Callable[..., Any]:
        def marked(session: Any, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
            if "/interactions/" in str(url):
                mark("request")
            return request(session, method, url, *args, **kwargs)

        return marked

    replace(discord.gateway.DiscordWebSocket, "received_message", frame)
    replace(discord.state.ConnectionState, "parse_interaction_create", parsed)
    replace(GroupCommit, "submit", submitted)
    replace(aiohttp.ClientSession, "_request", requested)


if __name__ == "__main__":
    _install(Path(os.environ["BENCH_STAGES"]))
    module = sys.argv[1]
    sys.argv = [module]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
