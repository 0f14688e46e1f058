"""`python -m bench.story`: how the story reads and balances over many months of auto-play.

- **Repetition**: over 10 seeds × 2 months of `python -m bot play --auto`, with the dreamers'
  names and every number replaced by placeholders, the share of narration lines (the beats of
  each round and the scene each round opens with) that repeat a line already told that session,
  and the most times one line was told in one session.
- **Balance**: over 20 seeds × 12 months, through the same services: lucidity, glitches per
  session, Adrift and rescues, and bonds.

Nothing here touches Discord; the games are the terminal's, each seed in a database of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import bot.play.terminal as terminal
from bot.content import load_content
from bot.core.events import Event, RoundResolved, RoundStarted
from bot.core.models import AdriftMoment, ChronicleEntry, Circle, RescueMoment
from bot.play.screen import Screen
from bot.render.text import Cast
from bot.store import Database

NUMBER = re.compile(r"[+-]?\d+")
Renderer = Callable[[Event, Cast], list[str]]


@dataclass
class Told:
    """The narration lines of each session, as they were told, in order."""

    sessions: list[list[str]] = field(default_factory=list)
    scenes: list[str] = field(default_factory=list)  # every round's scene, across the months

    def render(
        self, real: Callable[[Event, Cast], list[str]]
    ) -> Callable[[Event, Cast], list[str]]:
        def render(event: Event, cast: Cast) -> list[str]:
            lines = real(event, cast)
            if isinstance(event, RoundStarted):
                self.scenes.append(
                    cast.content.dreamscape_by_key[event.dreamscape].scenes[event.scene]
                )
                if event.round == 1:
                    self.sessions.append([])
            if isinstance(event, RoundResolved | RoundStarted) and self.sessions:
                names = [c.name for c in cast.circle.characters.values()]
                self.sessions[-1] += [
                    _placeholders(line, names) for line in _narration(event, lines)
                ]
            return lines

        return render


def _narration(event: Event, lines: list[str]) -> list[str]:
    """The story's lines of an event: a round's beats, or the scene a round opens with."""
    if isinstance(event, RoundResolved):
        return [line for line in lines if line.startswith("   ")]
    return [line for line in lines[2:] if line and not line.startswith("Stability")]


def _placeholders(line: str, names: list[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        line = line.replace(name, "{N}")
    return NUMBER.sub("#", line.strip())


async def _months(db: Path, seed: int, months: int, screen: Screen) -> None:
    for _ in range(months):
        await terminal.play(db, players=4, seed=seed, auto=True, screen=screen)


def quiet() -> Screen:
    return Screen.plain(lambda line: None, lambda question: "")


async def repetition(work: Path, seeds: int = 10, months: int = 2) -> dict[str, float]:
    told = Told()
    real: Renderer = getattr(terminal, "render")  # noqa: B009 - the terminal's, wrapped to listen
    setattr(terminal, "render", told.render(real))  # noqa: B010
    try:
        for seed in range(seeds):
            await _months(work / f"repeat-{seed}.db", seed, months, quiet())
    finally:
        setattr(terminal, "render", real)  # noqa: B010
    lines = repeats = 0
    most = 0
    for session in told.sessions:
        counts = Counter(session)
        lines += len(session)
        repeats += sum(c - 1 for c in counts.values())
        most = max(most, *counts.values())
    return {
        "sessions": len(told.sessions),
        "lines": lines,
        "repeated": repeats / lines if lines else 0.0,
        "most": most,
    }


@dataclass
class Balance:
    at_max_late: float  # share of characters at maximum lucidity, months 7-12
    lucidity_late: list[int]
    glitches: Counter[int]
    adrift_sessions: float
    rescued_within_two: float
    adrift_count: int
    scene_repeats: int  # scenes told again within a campaign's 12 months, over every seed
    bonds: list[int]
    sessions: int


async def balance(work: Path, seeds: int = 20, months: int = 12) -> Balance:
    content = load_content()
    top = content.rules.lucidity.max
    late: list[int] = []
    glitches: Counter[int] = Counter()
    adrift_sessions = sessions = 0
    claimed = rescued_soon = 0
    bonds: list[int] = []
    scene_repeats = 0
    real: Renderer = getattr(terminal, "render")  # noqa: B009
    for seed in range(seeds):
        db = work / f"balance-{seed}.db"
        told = Told()
        setattr(terminal, "render", told.render(real))  # noqa: B010
        try:
            for month in range(1, months + 1):
                await terminal.play(db, players=4, seed=seed, auto=True, screen=quiet())
                if month >= 7:
                    late += [c.lucidity for c in (await _circle(db)).characters.values()]
        finally:
            setattr(terminal, "render", real)  # noqa: B010
        scene_repeats += len(told.scenes) - len(set(told.scenes))
        entries = await _chronicle(db)
        for n, entry in enumerate(entries):
            sessions += 1
            glitches[len(entry.glitches)] += 1
            claims = [
                (i, m.character) for i, m in enumerate(entry.moments) if isinstance(m, AdriftMoment)
            ]
            adrift_sessions += bool(claims)
            for at, character in claims:
                if n + 2 >= len(entries):
                    continue  # claimed in the last two months: too soon to tell
                claimed += 1
                # found later that night, or in one of the two months after
                later = [
                    *entry.moments[at + 1 :],
                    *(m for e in entries[n + 1 : n + 3] for m in e.moments),
                ]
                rescued_soon += any(
                    isinstance(m, RescueMoment) and m.character == character for m in later
                )
        bonds += list((await _circle(db)).bonds.values())
    return Balance(
        at_max_late=sum(v >= top for v in late) / len(late) if late else 0.0,
        lucidity_late=late,
        glitches=glitches,
        adrift_sessions=adrift_sessions / sessions if sessions else 0.0,
        rescued_within_two=rescued_soon / claimed if claimed else 1.0,
        adrift_count=claimed,
        scene_repeats=scene_repeats,
        bonds=bonds,
        sessions=sessions,
    )


async def _circle(db: Path) -> Circle:
    database = await Database.open(db)
    try:
        campaign = await database.read.campaigns.by_channel(terminal.GUILD, terminal.CHANNEL)
        assert campaign is not None
        return await database.read.circles.load(campaign)
    finally:
        await database.close()


async def _chronicle(db: Path) -> list[ChronicleEntry]:
    database = await Database.open(db)
    try:
        campaign = await database.read.campaigns.by_channel(terminal.GUILD, terminal.CHANNEL)
        assert campaign is not None
        latest = await database.read.chronicle.latest(campaign.id)
        entries = []
        for number in range(1, (latest.number if latest else 0) + 1):
            entry = await database.read.chronicle.by_number(campaign.id, number)
            if entry is not None:
                entries.append(entry)
        return entries
    finally:
        await database.close()


def table(result: Balance) -> str:
    lucidity = Counter(result.lucidity_late)
    spread = ", ".join(f"{v}: {lucidity[v]}" for v in sorted(lucidity))
    glitches = ", ".join(f"{k}: {v}" for k, v in sorted(result.glitches.items()))
    bonds = sorted(result.bonds)
    quartiles = statistics.quantiles(bonds, n=4) if len(bonds) > 1 else [0, 0, 0]
    return "\n".join(
        [
            "| measure (20 seeds × 12 months of `--auto`) | value | target |",
            "|---|---|---|",
            f"| characters at maximum lucidity, months 7–12 | {result.at_max_late:.0%} | ≤ 30% |",
            f"| lucidity in months 7–12 (value: count) | {spread} | |",
            f"| sessions by glitches (glitches: sessions) | {glitches} | every one 1 or 2 |",
            f"| sessions with someone claimed Adrift | {result.adrift_sessions:.0%} | 10–40% |",
            f"| Adrift dreamers rescued within two months | {result.rescued_within_two:.0%}"
            f" (of {result.adrift_count} claimed before month 11) | most |",
            f"| bonds at the end: min, quartiles, max | {bonds[0] if bonds else 0}, "
            f"{', '.join(f'{q:g}' for q in quartiles)}, {bonds[-1] if bonds else 0} | |",
            f"| scenes told again within a campaign's year | {result.scene_repeats} | 0 |",
            f"| sessions | {result.sessions} | |",
        ]
    )


async def main(which: list[str], seeds: int | None) -> None:
    with tempfile.TemporaryDirectory(prefix="bedtime-story-") as scratch:
        work = Path(scratch)
        if "repetition" in which:
            found = await repetition(work, seeds or 10)
            print(
                f"repetition over {found['sessions']:.0f} sessions, {found['lines']:.0f} lines: "
                f"{found['repeated']:.1%} repeat a line told earlier that night; "
                f"the most one line was told in a night: {found['most']:.0f}"
            )
        if "balance" in which:
            print(table(await balance(work, seeds or 20)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.story", description=__doc__)
    parser.add_argument("which", nargs="*", default=["repetition", "balance"])
    parser.add_argument("--seeds", type=int, default=None)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.which, arguments.seeds))
