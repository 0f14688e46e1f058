"""The dealer: a pure choice of one confession prompt for one dreamer.

It honours the campaign's rating ceiling and excluded topics, the dreamer's lines (never) and
veils (gentle only), and the lines of any character a prompt would name. It deals unseen prompts
first; when they are used up, the one seen longest ago comes back. If nothing fits, the dreamer
gets a gentle prompt that names no one and touches no topic. Nobody is ever left without one.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from bot.content.models import Category, Prompt, Rating
from bot.core.models import Boundaries

# How much more likely a prompt is when it touches the dreamer's archetype theme.
THEME_WEIGHT = 3


@dataclass(frozen=True, slots=True)
class Other:
    """Another dreamer a prompt could name."""

    character_id: str
    bond: int
    boundaries: Boundaries = field(default_factory=Boundaries)


@dataclass(frozen=True, slots=True)
class Table:
    """The campaign's limits on every deal."""

    ceiling: Rating = Rating.INTENSE
    excluded: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Seat:
    """The dreamer being dealt to."""

    leans: frozenset[str]
    seen: Mapping[str, int] = field(default_factory=dict)
    boundaries: Boundaries = field(default_factory=Boundaries)
    avoid: Collection[str] = ()  # prompt ids dealt to others this glitch


@dataclass(frozen=True, slots=True)
class Deal:
    prompt: Prompt
    other: str | None
    fallback: bool = False


def allowed(prompt: Prompt, table: Table, boundaries: Boundaries, gentle_only: bool) -> bool:
    """Whether a prompt may reach this dreamer, before thinking about who it names."""
    topics = set(prompt.topics)
    if prompt.rating.level > table.ceiling.level:
        return False
    if gentle_only and prompt.rating is not Rating.GENTLE:
        return False
    if topics & table.excluded or topics & boundaries.lines:
        return False
    return not (topics & boundaries.veils and prompt.rating is not Rating.GENTLE)


def deal(
    pool: Sequence[Prompt],
    seat: Seat,
    others: Sequence[Other],
    table: Table,
    rng: random.Random,
    *,
    gentle_only: bool = False,
) -> Deal:
    candidates: list[tuple[Prompt, list[Other]]] = []
    for prompt in pool:
        if not allowed(prompt, table, seat.boundaries, gentle_only):
            continue
        if not prompt.names_other:
            candidates.append((prompt, []))
            continue
        topics = set(prompt.topics)
        namable = [o for o in others if not topics & o.boundaries.lines]
        if namable:
            candidates.append((prompt, namable))
    if not candidates:
        return Deal(_fallback(pool, seat, rng), None, fallback=True)

    fresh = [c for c in candidates if c[0].id not in seat.seen and c[0].id not in seat.avoid]
    if not fresh:
        fresh = [c for c in candidates if c[0].id not in seat.seen]
    if fresh:
        weights = [THEME_WEIGHT if set(p.topics) & seat.leans else 1 for p, _ in fresh]
        prompt, namable = rng.choices(fresh, weights=weights)[0]
    else:
        prompt, namable = min(candidates, key=lambda c: (seat.seen[c[0].id], c[0].id))
    return Deal(prompt, _choose_other(prompt, namable, rng))


def _choose_other(prompt: Prompt, namable: list[Other], rng: random.Random) -> str | None:
    """Gratitude goes to the strongest bond, frustration to the weakest, the rest by chance."""
    if not namable:
        return None
    if prompt.category is Category.GRATITUDE:
        best = max(o.bond for o in namable)
        namable = [o for o in namable if o.bond == best]
    elif prompt.category is Category.FRUSTRATION:
        worst = min(o.bond for o in namable)
        namable = [o for o in namable if o.bond == worst]
    return rng.choice(sorted(namable, key=lambda o: o.character_id)).character_id


def is_fallback(prompt: Prompt) -> bool:
    return prompt.rating is Rating.GENTLE and not prompt.topics and not prompt.names_other


def _fallback(pool: Sequence[Prompt], seat: Seat, rng: random.Random) -> Prompt:
    safe = [p for p in pool if is_fallback(p)]
    if not safe:
        raise ValueError("the prompt pool has no gentle prompt free of topics and names")
    unseen = [p for p in safe if p.id not in seat.seen]
    if unseen:
        return rng.choice(unseen)
    return min(safe, key=lambda p: (seat.seen[p.id], p.id))
