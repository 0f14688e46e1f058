"""The dealer: fitted prompts, unseen first, boundaries honoured, and never nothing."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.models import Category, Prompt, Rating
from bot.core import dealer
from bot.core.models import Boundaries
from tests.core.circle import CONTENT

POOL = CONTENT.prompts
TOPICS = [t.key for t in CONTENT.topics]


def seat(**kwargs: object) -> dealer.Seat:
    return dealer.Seat(leans=frozenset({"memory"}), **kwargs)  # type: ignore[arg-type]


def test_unseen_prompts_come_first() -> None:
    seen = {p.id: n for n, p in enumerate(POOL[:-1])}
    dealt = dealer.deal(POOL, seat(seen=seen), [], dealer.Table(), random.Random(1))
    assert dealt.prompt.id == POOL[-1].id


def test_when_all_are_seen_the_one_seen_longest_ago_comes_back() -> None:
    solo = [p for p in POOL if not p.names_other]
    seen = {p.id: n + 10 for n, p in enumerate(solo)}
    seen[solo[7].id] = 0
    dealt = dealer.deal(solo, seat(seen=seen), [], dealer.Table(), random.Random(1))
    assert dealt.prompt.id == solo[7].id


def test_gratitude_names_the_strongest_bond_and_frustration_the_weakest() -> None:
    others = [dealer.Other("a", 1), dealer.Other("b", 7), dealer.Other("c", -2)]
    thanks = [p for p in POOL if p.category is Category.GRATITUDE and p.names_other]
    gripes = [p for p in POOL if p.category is Category.FRUSTRATION and p.names_other]
    assert dealer.deal(thanks, seat(), others, dealer.Table(), random.Random(1)).other == "b"
    assert dealer.deal(gripes, seat(), others, dealer.Table(), random.Random(1)).other == "c"


def test_a_prompt_that_names_someone_needs_someone_to_name() -> None:
    naming = [p for p in POOL if p.names_other]
    fallback = next(p for p in POOL if dealer.is_fallback(p))
    dealt = dealer.deal([*naming, fallback], seat(), [], dealer.Table(), random.Random(1))
    assert dealt.prompt == fallback
    assert dealt.other is None


def test_with_nothing_allowed_the_dreamer_still_gets_the_gentle_fallback() -> None:
    everything = Boundaries(lines=frozenset(TOPICS))
    dealt = dealer.deal(POOL, seat(boundaries=everything), [], dealer.Table(), random.Random(1))
    assert dealt.prompt.rating is Rating.GENTLE
    assert not dealt.prompt.topics
    assert dealt.other is None


def test_the_theme_leans_the_deal() -> None:
    rng = random.Random(2)
    solo = [p for p in POOL if not p.names_other]
    leaning = sum(
        "memory" in dealer.deal(solo, seat(), [], dealer.Table(), rng).prompt.topics
        for _ in range(400)
    )
    share = sum("memory" in p.topics for p in solo) / len(solo)
    assert leaning / 400 > share * 1.5


@settings(max_examples=300, deadline=None)
@given(
    lines=st.frozensets(st.sampled_from(TOPICS)),
    veils=st.frozensets(st.sampled_from(TOPICS)),
    excluded=st.frozensets(st.sampled_from(TOPICS)),
    other_lines=st.frozensets(st.sampled_from(TOPICS)),
    ceiling=st.sampled_from(list(Rating)),
    pool=st.lists(st.sampled_from(POOL), min_size=1, unique_by=lambda p: p.id),
    seed=st.integers(0, 1000),
)
def test_no_deal_ever_crosses_a_boundary(
    lines: frozenset[str],
    veils: frozenset[str],
    excluded: frozenset[str],
    other_lines: frozenset[str],
    ceiling: Rating,
    pool: list[Prompt],
    seed: int,
) -> None:
    fallback = next(p for p in POOL if dealer.is_fallback(p))
    pool = [*pool, fallback]
    table = dealer.Table(ceiling=ceiling, excluded=excluded)
    me = seat(boundaries=Boundaries(lines=lines, veils=veils))
    other = dealer.Other("them", 0, Boundaries(lines=other_lines))
    dealt = dealer.deal(pool, me, [other], table, random.Random(seed))
    topics = set(dealt.prompt.topics)
    assert not topics & lines
    assert not topics & excluded
    assert dealt.prompt.rating.level <= max(ceiling.level, Rating.GENTLE.level)
    if topics & veils:
        assert dealt.prompt.rating is Rating.GENTLE
    if dealt.other is not None:
        assert not topics & other_lines
    if dealt.fallback:
        assert dealer.is_fallback(dealt.prompt)


def _prompt(n: int, category: Category, rating: Rating, topics: list[str], named: bool) -> Prompt:
    text = f"Prompt {n} for {{other}}?" if named else f"Prompt {n}?"
    return Prompt(id=f"c-{n}", category=category, rating=rating, topics=topics, text=text)


custom_pools = st.lists(
    st.builds(
        _prompt,
        n=st.integers(0, 10_000),
        category=st.sampled_from(list(Category)),
        rating=st.sampled_from(list(Rating)),
        topics=st.lists(st.sampled_from(TOPICS), max_size=3, unique=True),
        named=st.booleans(),
    ),
    max_size=30,
    unique_by=lambda p: p.id,
).map(lambda pool: [p for p in pool if not dealer.is_fallback(p)])


@settings(max_examples=300, deadline=None)
@given(
    lines=st.frozensets(st.sampled_from(TOPICS)),
    veils=st.frozensets(st.sampled_from(TOPICS)),
    excluded=st.frozensets(st.sampled_from(TOPICS)),
    other_lines=st.frozensets(st.sampled_from(TOPICS)),
    ceiling=st.sampled_from(list(Rating)),
    pool=custom_pools,
    gentle_only=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_custom_pools_keep_every_boundary_and_nobody_is_left_without_a_prompt(
    lines: frozenset[str],
    veils: frozenset[str],
    excluded: frozenset[str],
    other_lines: frozenset[str],
    ceiling: Rating,
    pool: list[Prompt],
    gentle_only: bool,
    seed: int,
) -> None:
    fallback = next(p for p in POOL if dealer.is_fallback(p))
    table = dealer.Table(ceiling=ceiling, excluded=excluded)
    mine = Boundaries(lines=lines, veils=veils)
    other = dealer.Other("them", 0, Boundaries(lines=other_lines))
    dealt = dealer.deal(
        [*pool, fallback],
        seat(boundaries=mine),
        [other],
        table,
        random.Random(seed),
        gentle_only=gentle_only,
    )
    topics = set(dealt.prompt.topics)
    assert dealer.allowed(dealt.prompt, table, mine, gentle_only) or dealt.fallback
    assert not topics & (lines | excluded)
    if dealt.other is not None:
        assert not topics & other_lines
    fits = [
        p
        for p in pool
        if dealer.allowed(p, table, mine, gentle_only)
        and (not p.names_other or not set(p.topics) & other_lines)
    ]
    if not fits:  # nothing of the campaign's fits: the gentle prompt that names no one
        assert dealer.is_fallback(dealt.prompt)
        assert dealt.other is None
    else:
        assert dealt.prompt in fits or dealt.prompt == fallback
