"""The story's rules: lines not told twice in a night too soon, two dreamers who turn to each
other told once, rounds that say why the Mesh moved, and dreamscapes that progress."""

from __future__ import annotations

import random

from bot.core import dawn, lobby, narration, protocols
from bot.core.events import Dawn, Recovered, RoundResolved, RoundStarted
from bot.core.move import Move
from bot.core.phases import Phase
from bot.render import text
from bot.render.embeds import cast_for
from tests.core.circle import CONTENT, START, Dream, the


def test_a_pool_tells_every_line_once_before_any_twice() -> None:
    dream = Dream()
    dream.begin(2)
    move = dream.move()
    drawn = [narration.pick(move, dream.s, "a pool", 5) for _ in range(10)]
    assert sorted(drawn[:5]) == [0, 1, 2, 3, 4]
    assert sorted(drawn[5:]) == [0, 1, 2, 3, 4]


def test_two_dreamers_who_share_with_each_other_are_one_line() -> None:
    dream = Dream()
    dream.begin(2)
    dream.act(0, "share", target=1)
    resolved = the(dream.act(1, "share", target=0), RoundResolved)
    assert len(resolved.beats) == 1
    (beat,) = resolved.beats
    assert beat.variant == "mutual"
    beats = text.render(resolved, cast_for(CONTENT, dream.circle))[:-1]  # the stability line aside
    assert len(beats) == 1
    assert dream.name(0) in beats[0]
    assert dream.name(1) in beats[0]


def test_a_round_says_what_moved_the_mesh() -> None:
    dream = Dream()
    dream.begin(2)
    dream.act(0, "anchor")
    resolved = the(dream.act(1, "dive"), RoundResolved)
    rules = CONTENT.rules
    assert [c.amount for c in resolved.causes] == [
        -rules.stability.drift_per_round,
        CONTENT.action_by_key["anchor"].effect.stability,
        CONTENT.action_by_key["dive"].effect.stability,
    ]
    last = text.render(resolved, cast_for(CONTENT, dream.circle))[-1]
    assert "drift" in last
    assert f"{dream.name(0)}'s Anchor" in last
    assert f"{dream.name(1)}'s Dive" in last


def test_a_find_is_named_and_kept_for_the_chronicle() -> None:
    dream = Dream(seed=4)
    dream.begin(2)
    dream.act(0, "explore")
    resolved = the(dream.act(1, "anchor"), RoundResolved)
    explored = next(b for b in resolved.beats if b.action == "explore")
    scape = CONTENT.dreamscape_by_key[dream.s.dreamscape]
    if explored.variant == "found":
        assert explored.find is not None
        told = "\n".join(text.render(resolved, cast_for(CONTENT, dream.circle)))
        assert scape.finds[explored.find] in told
        assert explored.find in dream.s.collected
        entry = the(protocols.end_now(dream.move(), dream.circle, dream.s), Dawn).entry
        assert explored.find in entry.collected
    else:
        assert explored.variant == "shaken"
        assert explored.find is None


def test_the_recovery_shows_its_whole_sum() -> None:
    dream = Dream()
    dream.begin(3)
    dream.force_glitch()
    for n in range(3):
        dream.pass_(n)
    recovered = next(e for e in dream.log if isinstance(e, Recovered))
    assert recovered.dreamers == 3
    lines = text.render(recovered, cast_for(CONTENT, dream.circle))
    assert "fracture cost" in lines[0]
    assert f"3 dreamers × {CONTENT.rules.glitch.recovery_per_dreamer}" in lines[1]


def test_a_newly_unlocked_dreamscape_is_the_next_one_dreamed() -> None:
    dream = Dream()
    dream.begin(2)
    dream.s.fragments = CONTENT.rules.fragments_to_unlock
    entry = the(protocols.end_now(dream.move(), dream.circle, dream.s), Dawn).entry
    assert entry.unlocked is not None
    dream.session = None
    dream.open()
    dream.join(0)
    dream.join(1)
    dream.start()
    assert dream.s.dreamscape == entry.unlocked


def test_otherwise_the_dreamscape_dreamed_longest_ago_comes_back() -> None:
    dream = Dream()
    campaign = dream.circle.campaign
    campaign.unlocked = ["slumber_party", "neon_gala", "endless_archive"]
    campaign.dreamed = ["endless_archive", "slumber_party", "neon_gala"]
    move = Move(CONTENT, random.Random(1), START)
    assert lobby._pick_dreamscape(move, dream.circle) == "endless_archive"
    assert campaign.dreamed[-1] == "endless_archive"


def test_after_an_emergency_reset_the_circle_wakes_in_the_waking() -> None:
    dream = Dream()
    dream.begin(2)
    protocols.emergency_reset(dream.move(), dream.circle, dream.s)
    protocols.end_now(dream.move(), dream.circle, dream.s)
    assert dream.s.phase is Phase.ARCHIVED
    dream.session = None
    dream.open()
    dream.join(0)
    dream.join(1)
    dream.start()
    assert CONTENT.dreamscape_by_key[dream.s.dreamscape].after_reset


def test_no_scene_comes_back_before_every_scene_has_been_seen() -> None:
    move = Move(CONTENT, random.Random(2), START)
    scenes = len(CONTENT.dreamscape_by_key["slumber_party"].scenes)
    seen: dict[str, list[int]] = {}
    shown = [narration.scene(move, seen, "slumber_party", scenes) for _ in range(2 * scenes)]
    assert sorted(shown[:scenes]) == list(range(scenes))
    assert sorted(shown[scenes:]) == list(range(scenes))


def test_waking_fades_what_the_dream_gave() -> None:
    move = Move(CONTENT, random.Random(1), START)
    start = CONTENT.rules.lucidity.start
    assert dawn.faded(move, start) == start
    assert dawn.faded(move, start - 2) == start - 2
    assert start < dawn.faded(move, CONTENT.rules.lucidity.max) < CONTENT.rules.lucidity.max


def test_rounds_open_on_scenes_the_campaign_has_not_seen() -> None:
    dream = Dream()
    dream.begin(2)
    first = [e.scene for e in dream.log if isinstance(e, RoundStarted)]
    for _ in range(3):
        dream.everyone("anchor")
    scenes = [e.scene for e in dream.log if isinstance(e, RoundStarted)]
    assert len(scenes) == len(set(scenes)) > len(first)
