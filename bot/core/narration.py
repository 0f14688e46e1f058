"""Which words tell the dream: an index into each pool of lines, none told twice in one night
until its pool is spent. Pure, like the rest of the core: a choice is indices into the
content, and the words are put together at the edge (names change; indices do not)."""

from __future__ import annotations

import zlib

from bot.core.models import Session
from bot.core.move import Move


def pick(move: Move, session: Session, pool: str, size: int) -> int:
    """An index into a pool of `size` lines, one not yet told this night if any is left."""
    if size <= 1:
        return 0
    told = session.told.setdefault(pool, [])
    if len(told) >= size:
        told.clear()  # every line has been told: the pool starts again
    fresh = [i for i in range(size) if i not in told]
    choice = move.rng.choice(fresh)
    told.append(choice)
    return choice


def pick_line(move: Move, session: Session, pool: str, lines: list[str]) -> int:
    """An index into `lines` whose words have not been told this night under `pool` (which
    may gather several lists: a place's action, whatever the variant or archetype), until
    every one of these lines has been."""
    told = session.told.setdefault(pool, [])
    marks = [zlib.crc32(line.encode()) for line in lines]
    fresh = [i for i, mark in enumerate(marks) if mark not in told]
    if not fresh:
        told[:] = [mark for mark in told if mark not in set(marks)]
        fresh = list(range(len(lines)))
    choice = move.rng.choice(fresh)
    told.append(marks[choice])
    return choice


def scene(move: Move, seen: dict[str, list[int]], dreamscape: str, scenes: int) -> int:
    """The next scene of a dreamscape: one the campaign has not seen since it last saw them
    all, across every night dreamed there."""
    shown = seen.setdefault(dreamscape, [])
    if len(shown) >= scenes:
        shown.clear()
    choice = move.rng.choice([i for i in range(scenes) if i not in shown])
    shown.append(choice)
    return choice
