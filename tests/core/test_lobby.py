"""Opening, joining, leaving and starting: the lobby's rules and its refusals."""

from __future__ import annotations

import pytest

from bot.core import lobby
from bot.core.errors import (
    AlreadyJoined,
    BadName,
    LobbyFull,
    NoCharacter,
    NotEnoughPlayers,
    SessionInProgress,
    UnknownArchetype,
    WrongPhase,
)
from bot.core.events import LobbyOpened, Postponed
from bot.core.models import DreamerStatus
from bot.core.phases import TRANSITIONS, Phase, check_transition
from tests.core.circle import Dream


def test_every_phase_has_a_row_in_the_transition_table() -> None:
    assert set(TRANSITIONS) == set(Phase)
    assert TRANSITIONS[Phase.ARCHIVED] == frozenset()


def test_a_transition_outside_the_table_is_refused() -> None:
    with pytest.raises(WrongPhase):
        check_transition(Phase.ARCHIVED, Phase.DREAMING)
    with pytest.raises(WrongPhase):
        check_transition(Phase.LOBBY, Phase.DAWN)


def test_opening_a_session_numbers_it_and_opens_the_lobby() -> None:
    dream = Dream()
    events = dream.open()
    assert dream.s.phase is Phase.LOBBY
    assert dream.s.number == 1
    assert isinstance(events[0], LobbyOpened)
    assert dream.s.deadline is not None


def test_a_second_open_while_one_is_under_way_is_refused() -> None:
    dream = Dream()
    dream.open()
    with pytest.raises(SessionInProgress):
        lobby.open_session(dream.move(), dream.circle, dream.session, None)


def test_joining_twice_is_refused() -> None:
    dream = Dream()
    dream.open()
    dream.join(0)
    with pytest.raises(AlreadyJoined, match="already in this session"):
        dream.join(0)


def test_a_full_lobby_refuses_the_next_dreamer() -> None:
    dream = Dream()
    dream.open()
    for n in range(dream.s.rules.max_players):
        dream.join(n)
    with pytest.raises(LobbyFull, match="full"):
        dream.join(99)


def test_a_name_another_character_has_is_refused_regardless_of_case() -> None:
    dream = Dream()
    dream.open()
    dream.join(0, "skeptic", "Wren")
    with pytest.raises(BadName, match="already a character"):
        dream.join(1, "artist", "wREN")


@pytest.mark.parametrize("twin", ["ＷＲＥＮ", "Ｗren", "ᵂren", "ｗｒｅｎ"])
def test_a_name_that_differs_only_by_width_or_form_is_the_same_name(twin: str) -> None:
    dream = Dream()
    dream.open()
    dream.join(0, "skeptic", "Wren")
    with pytest.raises(BadName, match="already a character"):
        dream.join(1, "artist", twin)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "needs a name"),
        ("   ", "needs a name"),
        ("x" * 33, "at most 32"),
        ("a\u200bb", "invisible"),
    ],
)
def test_bad_names_say_what_is_wrong(name: str, problem: str) -> None:
    dream = Dream()
    dream.open()
    with pytest.raises(BadName, match=problem):
        dream.join(0, "skeptic", name)


def test_an_unknown_archetype_is_refused() -> None:
    dream = Dream()
    dream.open()
    with pytest.raises(UnknownArchetype):
        dream.join(0, "pirate", "Wren")


def test_a_new_player_must_bring_an_archetype_and_a_name() -> None:
    dream = Dream()
    dream.open()
    with pytest.raises(NoCharacter):
        lobby.join(dream.move(), dream.circle, dream.s, dream.player(0))


def test_starting_with_too_few_players_is_refused() -> None:
    dream = Dream()
    dream.open()
    dream.join(0)
    with pytest.raises(NotEnoughPlayers, match="At least 2"):
        dream.start()


def test_a_late_joiner_enters_at_the_next_round() -> None:
    dream = Dream()
    dream.begin(2)
    dream.join(5)
    late = dream.s.dreamers[dream.character(5)]
    assert late.status is DreamerStatus.WAITING
    dream.everyone("anchor")
    assert dream.s.round == 2
    assert late.status is DreamerStatus.ACTIVE


def test_leaving_the_lobby_removes_the_dreamer() -> None:
    dream = Dream()
    dream.open()
    dream.join(0)
    lobby.leave(dream.move(), dream.circle, dream.s, dream.player(0))
    assert dream.s.dreamers == {}


def test_a_lobby_without_enough_dreamers_is_postponed_a_week() -> None:
    dream = Dream()
    dream.open()
    dream.join(0)
    opened = dream.s.opened_at
    events = lobby.lobby_timeout(dream.move(), dream.circle, dream.s)
    assert dream.s.phase is Phase.POSTPONED
    assert opened is not None
    assert dream.s.deadline is not None
    assert (dream.s.deadline - opened).days == 7
    assert isinstance(events[0], Postponed)


def test_a_lobby_with_enough_dreamers_starts_at_its_deadline() -> None:
    dream = Dream()
    dream.open()
    dream.join(0)
    dream.join(1)
    lobby.lobby_timeout(dream.move(), dream.circle, dream.s)
    assert dream.s.phase is Phase.DREAMING
    assert dream.s.round == 1


def test_rested_dreamers_add_stability_at_the_start() -> None:
    from bot.core.models import Condition

    dream = Dream()
    dream.open()
    dream.join(0)
    dream.join(1)
    dream.circle.characters[dream.character(0)].conditions.add(Condition.RESTED)
    dream.start()
    rules = dream.content.rules.stability
    assert dream.s.stability == rules.first_baseline + rules.rested_bonus
