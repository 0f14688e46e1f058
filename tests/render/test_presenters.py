"""Every kind of event is a class with a presenter, and survives the outbox's round trip."""

from __future__ import annotations

import json

from bot.core import events
from bot.core.events import KINDS, Audience, Event, LobbyOpened, dump, load
from bot.core.phases import Phase
from bot.render import text
from tests.core.circle import Dream


def test_every_event_class_has_a_text_presenter() -> None:
    assert len(KINDS) > 30  # the registry of kinds is filled as the classes are defined
    assert text.presents.missing() == []


def test_a_class_without_a_presenter_is_found() -> None:
    class Unheard(Event):
        kind = "unheard_in_a_test"

    try:
        assert text.presents.missing() == ["Unheard"]
    finally:
        del KINDS["unheard_in_a_test"]


def test_a_whole_session_s_events_survive_the_outbox() -> None:
    dream = Dream(seed=3)
    dream.begin(3)
    for _ in range(12):
        if dream.s.phase is Phase.ARCHIVED:
            break
        dream.everyone("explore")
    stored = [e for e in dream.log if e.audience is not Audience.DREAMER]
    assert load(dump(stored)) == stored
    assert {type(e) for e in stored} >= {events.SessionStarted, events.RoundResolved}


def test_stored_events_keep_the_shape_of_earlier_versions() -> None:
    opened = LobbyOpened(
        session="s1", number=2, deadline="2026-03-07T21:15:00+00:00", min_players=2, max_players=8
    )
    (stored,) = json.loads(dump([opened]))
    assert set(stored) == {"kind", "audience", "dreamer", "data"}
    assert stored["kind"] == LobbyOpened.kind
    assert stored["data"]["session"] == "s1"


def test_an_unknown_stored_kind_is_dropped_not_fatal() -> None:
    stored = json.dumps(
        [
            {"kind": "from_the_future", "audience": "circle", "dreamer": None, "data": {}},
            {"kind": "archived", "audience": "circle", "dreamer": None, "data": {}},
        ]
    )
    assert load(stored) == [events.Archived()]
