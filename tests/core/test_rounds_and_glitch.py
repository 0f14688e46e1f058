"""Rounds, the glitch, dawn and the carry-over: the rules as DESIGN.md gives them."""

from __future__ import annotations

import pytest

from bot.core import glitch, protocols, rounds
from bot.core.errors import (
    AlreadyActed,
    AlreadyConfessed,
    BadAction,
    BadConfession,
    BadResonance,
    GameError,
    GlitchLimit,
    NotADreamer,
    NotInGlitch,
    WrongPhase,
)
from bot.core.events import (
    Audience,
    ConfessionSettled,
    Dawn,
    Passed,
    PromptDealt,
    Recovered,
    Rescued,
    Resonated,
    Revealed,
    RoundResolved,
    Softened,
    first,
)
from bot.core.models import Condition, ConfessionStatus, HouseRules
from bot.core.phases import Phase
from tests.core.circle import Dream, the


def glitching(dreamers: int = 4, seed: int = 1) -> Dream:
    dream = Dream(seed=seed)
    dream.begin(dreamers)
    dream.force_glitch()
    assert dream.s.phase is Phase.CONFESSING
    return dream


def test_acting_outside_the_dreaming_phase_is_refused() -> None:
    dream = Dream()
    dream.open()
    dream.join(0)
    with pytest.raises(WrongPhase, match="only while the circle is dreaming"):
        dream.act(0, "anchor")


def test_acting_twice_in_one_round_is_refused() -> None:
    dream = Dream()
    dream.begin(3)
    dream.act(0, "anchor")
    with pytest.raises(AlreadyActed):
        dream.act(0, "dive")


def test_someone_outside_the_session_cannot_act_in_it() -> None:
    dream = Dream()
    dream.begin(2)
    with pytest.raises(NotADreamer):
        rounds.act(dream.move(), dream.circle, dream.s, dream.player(7), "anchor", None)


def test_share_needs_another_dreamer_in_the_round() -> None:
    dream = Dream()
    dream.begin(2)
    with pytest.raises(BadAction, match="another dreamer"):
        dream.act(0, "share")
    with pytest.raises(BadAction, match="another dreamer"):
        dream.act(0, "share", target=0)


def test_a_round_resolves_when_everyone_has_chosen_and_names_the_dreamers() -> None:
    dream = Dream()
    dream.begin(2)
    dream.act(0, "share", target=1)
    events = dream.act(1, "dive")
    resolved = the(events, RoundResolved)
    assert [b.character for b in resolved.beats] == [
        dream.character(0),
        dream.character(1),
    ]
    share = dream.content.action_by_key["share"].effect.bond
    assert dream.circle.bond(dream.character(0), dream.character(1)) == share


def test_the_signature_move_works_once_per_session() -> None:
    dream = Dream()
    dream.begin(2)
    dream.act(0, "signature", target=1)
    dream.act(1, "anchor")
    with pytest.raises(BadAction, match="already used"):
        dream.act(0, "signature", target=1)


def test_every_archetype_has_a_distinct_signature_effect() -> None:
    archetypes = Dream().content.archetypes
    assert len({a.signature.effect for a in archetypes}) == len(archetypes)


def test_a_dreamer_who_does_not_choose_lingers_when_the_round_times_out() -> None:
    dream = Dream()
    dream.begin(3)
    dream.act(0, "anchor")
    events = rounds.round_timeout(dream.move(), dream.circle, dream.s)
    beats = the(events, RoundResolved).beats
    assert [b.action for b in beats] == ["anchor", "linger", "linger"]


def test_confessing_outside_a_glitch_is_refused() -> None:
    dream = Dream()
    dream.begin(2)
    with pytest.raises(NotInGlitch):
        dream.answer(0, share=True)


def test_the_glitch_deals_each_dreamer_one_private_prompt() -> None:
    dream = glitching()
    glitch_state = dream.s.glitches[-1]
    assert len(glitch_state.confessions) == 4
    dealt = [e for e in dream.log if isinstance(e, PromptDealt)]
    assert {e.dreamer for e in dealt} == set(glitch_state.confessions)
    assert all(e.audience is Audience.DREAMER for e in dealt)
    assert len({c.prompt_id for c in glitch_state.confessions.values()}) == 4


def test_answering_twice_is_refused_and_long_answers_say_the_limit() -> None:
    dream = glitching()
    with pytest.raises(BadConfession, match="at most 1000"):
        dream.answer(0, "x" * 1001, share=True)
    with pytest.raises(BadConfession, match="empty"):
        dream.answer(0, "   ", share=True)
    dream.answer(0, share=True)
    with pytest.raises(AlreadyConfessed):
        dream.pass_(0)


def test_a_private_answer_is_never_stored() -> None:
    dream = glitching()
    dream.answer(0, "my private truth", share=False)
    assert "my private truth" not in dream.s.model_dump_json()
    assert "my private truth" not in dream.s.texts.values()


def test_the_reveal_is_shuffled_anonymous_and_counts_the_dark() -> None:
    dream = glitching(seed=3)
    dream.answer(0, "zero", share=True)
    dream.answer(1, "one", share=True)
    dream.answer(2, "two", share=False)
    events = dream.pass_(3)
    revealed = the(events, Revealed)
    assert sorted(i.text for i in revealed.items) == ["one", "zero"]
    assert all(i.author is None and "prompt" not in i.model_dump() for i in revealed.items)
    assert revealed.dark == 2
    assert dream.s.phase is Phase.RESONANCE


def test_named_reveals_are_a_setting() -> None:
    dream = Dream()
    dream.circle.campaign.settings = HouseRules(named_reveals=True)
    dream.begin(2)
    protocols.force_glitch(dream.move(), dream.circle, dream.s)
    dream.answer(0, "zero", share=True)
    events = dream.pass_(1)
    revealed = the(events, Revealed)
    assert revealed.items[0].author == dream.character(0)


def card_of(dream: Dream, n: int) -> str:
    """The reveal card that shows dreamer n's shared confession."""
    card = dream.s.glitches[-1].confessions[dream.character(n)].card
    assert card is not None
    return card


def test_an_author_may_hear_their_own_card_and_it_counts_like_any() -> None:
    dream = glitching(2)
    dream.answer(0, "mine", share=True)
    dream.answer(1, "theirs", share=True)
    events = glitch.resonate(
        dream.move(), dream.circle, dream.s, dream.player(0), card_of(dream, 0)
    )
    assert the(events, Resonated) == Resonated(total=1)
    assert glitch.heard(dream.circle, dream.s, dream.player(0)) == 1
    assert glitch.heard(dream.circle, dream.s, dream.player(1)) == 0


def test_cards_are_drawn_at_the_reveal_apart_from_the_dealt_ids() -> None:
    dream = glitching(3, seed=5)
    dream.answer(0, "zero", share=True)
    dream.answer(1, "one", share=True)
    dream.pass_(2)
    g = dream.s.glitches[-1]
    dealt = {c.id for c in g.confessions.values()}
    assert len(g.reveal_order) == 2
    assert not dealt & set(g.reveal_order)
    with pytest.raises(BadResonance, match="not part of this reveal"):
        glitch.resonate(
            dream.move(),
            dream.circle,
            dream.s,
            dream.player(2),
            g.confessions[dream.character(0)].id,
        )


def test_the_reveal_order_does_not_depend_on_who_wrote_what() -> None:
    orders = []
    for writers in ((0, 1), (1, 0)):
        dream = glitching(2, seed=9)
        for n in range(2):
            confession = dream.s.glitches[-1].confessions[dream.character(n)]
            confession.category = dream.s.glitches[-1].confessions[dream.character(0)].category
        texts = {writers[0]: "first text", writers[1]: "second text"}
        dream.answer(0, texts[0], share=True)
        events = dream.answer(1, texts[1], share=True)
        orders.append([i.text for i in the(events, Revealed).items])
    assert orders[0] == orders[1]


def test_resonance_brings_every_pair_closer_alike_at_dawn() -> None:
    dream = glitching(3)
    dream.answer(0, "mine", share=True)
    dream.pass_(1)
    dream.pass_(2)
    mine = card_of(dream, 0)
    glitch.resonate(dream.move(), dream.circle, dream.s, dream.player(1), mine)
    pairs = [(dream.character(a), dream.character(b)) for a, b in ((0, 1), (0, 2), (1, 2))]
    assert all(dream.circle.bond(*pair) == 0 for pair in pairs)
    with pytest.raises(BadResonance, match="already"):
        glitch.resonate(dream.move(), dream.circle, dream.s, dream.player(1), mine)
    protocols.end_now(dream.move(), dream.circle, dream.s)
    gain = dream.content.rules.glitch.resonance_bond
    assert [dream.circle.bond(*pair) for pair in pairs] == [gain, gain, gain]


def test_recovery_treats_every_dreamer_alike_and_adds_for_resonance() -> None:
    dream = glitching(2)
    before = dream.s.stability
    debt = dream.s.glitches[-1].debt
    dream.answer(0, "mine", share=True)
    dream.pass_(1)
    glitch.resonate(dream.move(), dream.circle, dream.s, dream.player(1), card_of(dream, 0))
    events = glitch.resonance_timeout(dream.move(), dream.circle, dream.s)
    rules = dream.content.rules.glitch
    recovered = the(events, Recovered)
    assert recovered.recovered == 2 * rules.recovery_per_dreamer + rules.recovery_per_resonance
    assert dream.s.stability == before + recovered.recovered - debt


def test_the_least_lucid_dreamer_goes_adrift_only_if_the_mesh_cannot_recover() -> None:
    dream = Dream()
    dream.begin(2)
    dream.s.stability = 0
    low, high = dream.character(0), dream.character(1)
    dream.circle.characters[low].lucidity = 1
    protocols.force_glitch(dream.move(), dream.circle, dream.s)
    dream.s.glitches[-1].debt = 100  # far more than two dreamers can pay back
    dream.pass_(0)
    dream.pass_(1)
    assert dream.circle.characters[low].adrift
    assert not dream.circle.characters[high].adrift


def test_no_one_goes_adrift_when_recovery_covers_the_fracture() -> None:
    dream = glitching(4)
    for n in range(4):
        dream.pass_(n)
    assert not any(c.adrift for c in dream.circle.characters.values())


def test_a_glitch_always_comes_by_the_last_round() -> None:
    dream = Dream(seed=5)
    dream.circle.campaign.settings = HouseRules(glitch_chance=0.0)
    dream.begin(2)
    while dream.s.phase is Phase.DREAMING and dream.s.round < dream.s.rules.rounds:
        dream.everyone("anchor")
    dream.everyone("anchor")
    assert dream.s.phase is Phase.CONFESSING
    assert dream.s.glitches[-1].trigger == "last_round"


def test_forcing_a_third_glitch_is_refused() -> None:
    dream = glitching(2)
    for _ in range(2):
        dream.pass_(0)
        dream.pass_(1)
        if len(dream.s.glitches) < 2:
            protocols.force_glitch(dream.move(), dream.circle, dream.s)
    with pytest.raises(GlitchLimit):
        protocols.force_glitch(dream.move(), dream.circle, dream.s)


def test_three_shares_rescue_an_adrift_dreamer() -> None:
    dream = Dream()
    dream.open()
    for n in range(4):
        dream.join(n)
    lost = dream.character(3)
    dream.circle.characters[lost].conditions.add(Condition.ADRIFT)
    dream.start()
    for n in range(3):
        dream.act(n, "share", target=3)
    events = dream.act(3, "anchor")
    assert first(events, Rescued) is not None
    assert not dream.circle.characters[lost].adrift
    bonus = dream.content.rules.rescue.bond_bonus
    share = dream.content.action_by_key["share"].effect.bond
    assert dream.circle.bond(dream.character(0), lost) == share + bonus


def test_an_adrift_dreamer_can_only_anchor_or_share() -> None:
    dream = Dream()
    dream.open()
    dream.join(0)
    dream.join(1)
    dream.circle.characters[dream.character(0)].conditions.add(Condition.ADRIFT)
    dream.start()
    with pytest.raises(BadAction, match="adrift"):
        dream.act(0, "dive")


def test_the_emergency_reset_ends_the_glitch_frees_the_adrift_and_costs_next_month() -> None:
    dream = glitching(2)
    lost = dream.character(1)
    dream.circle.characters[lost].conditions.add(Condition.ADRIFT)
    lucidity = dream.circle.characters[dream.character(0)].lucidity
    baseline = dream.circle.campaign.baseline
    protocols.emergency_reset(dream.move(), dream.circle, dream.s)
    rules = dream.content.rules.reset
    assert dream.s.phase is Phase.DREAMING
    assert not dream.circle.characters[lost].adrift
    assert dream.circle.characters[dream.character(0)].lucidity == lucidity - rules.lucidity_loss
    assert dream.circle.campaign.baseline == baseline - rules.baseline_loss
    assert dream.s.glitches[-1].reset
    assert all(c.status is ConfessionStatus.KEPT for c in dream.s.glitches[-1].confessions.values())


def test_dawn_writes_one_outcome_per_dreamer_and_a_chronicle_of_references() -> None:
    dream = Dream()
    dream.open()
    dream.join(0, "skeptic", "Wren")
    dream.join(1)
    dream.join(2)
    dream.start()
    dream.join(3)  # arrives late, in round 2
    dream.everyone("anchor")
    events = protocols.end_now(dream.move(), dream.circle, dream.s)
    entry = the(events, Dawn).entry
    assert dream.s.phase is Phase.ARCHIVED
    assert sorted(o.character for o in entry.outcomes) == sorted(
        dream.character(n) for n in range(4)
    )
    assert "Wren" not in entry.model_dump_json()  # references, not rendered names


def test_characters_who_stayed_home_slept_through_it() -> None:
    dream = Dream()
    dream.begin(3)
    protocols.end_now(dream.move(), dream.circle, dream.s)
    dream.session = None
    dream.open()
    dream.join(0)
    dream.join(1)
    dream.start()
    events = protocols.end_now(dream.move(), dream.circle, dream.s)
    assert the(events, Dawn).entry.slept == [dream.character(2)]


def test_nothing_can_happen_in_an_archived_session() -> None:
    dream = Dream()
    dream.begin(2)
    protocols.end_now(dream.move(), dream.circle, dream.s)
    frozen = dream.s.model_dump_json()
    for attempt in (
        lambda: dream.act(0, "anchor"),
        lambda: dream.join(5),
        lambda: dream.pass_(0),
        lambda: protocols.force_glitch(dream.move(), dream.circle, dream.s),
        lambda: protocols.emergency_reset(dream.move(), dream.circle, dream.s),
        lambda: protocols.end_now(dream.move(), dream.circle, dream.s),
    ):
        with pytest.raises(GameError):
            attempt()
    assert dream.s.model_dump_json() == frozen


def test_x_redeals_gentle_prompts_to_the_unanswered_and_extends_the_deadline() -> None:
    dream = glitching(3)
    dream.answer(0, share=True)
    answered = dream.s.glitches[-1].confessions[dream.character(0)].prompt_id
    deadline = dream.s.deadline
    events = glitch.soften(dream.move(), dream.circle, dream.s, dream.player(1))
    confessions = dream.s.glitches[-1].confessions
    assert confessions[dream.character(0)].prompt_id == answered
    for n in (1, 2):
        prompt = dream.content.prompt_by_id[confessions[dream.character(n)].prompt_id]
        assert prompt.rating.value == "gentle"
    assert deadline is not None
    assert dream.s.deadline is not None
    extend = dream.content.rules.soften.extend_minutes
    assert (dream.s.deadline - deadline).total_seconds() == extend * 60
    softened = [e for e in events if isinstance(e, Softened)]
    assert len(softened) == 1
    assert softened[0].audience is Audience.CIRCLE
    assert dream.player(1).id not in repr(events)
    assert dream.character(1) not in repr(softened)


def test_past_its_limit_x_becomes_a_quiet_pass() -> None:
    dream = glitching(3)
    for _ in range(dream.content.rules.soften.per_glitch):
        glitch.soften(dream.move(), dream.circle, dream.s, dream.player(2))
    events = glitch.soften(dream.move(), dream.circle, dream.s, dream.player(2))
    assert [type(e) for e in events][:2] == [Passed, ConfessionSettled]
    mine = dream.s.glitches[-1].confessions[dream.character(2)]
    assert mine.status is ConfessionStatus.KEPT
