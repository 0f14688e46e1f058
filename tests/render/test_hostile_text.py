"""Any text a player can type is refused with a reason, or stored clean and shown within
Discord's limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import prompts
from bot.core.cleaning import BIDI_CONTROLS, plain
from bot.core.errors import GameError
from bot.render import embeds
from tests.core.circle import CONTENT, Dream


def refusal(action: Callable[[], Any]) -> str | None:
    """None if the action worked; otherwise the message the player would read."""
    try:
        action()
    except GameError as error:
        return error.message
    return None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(max_size=80), text=st.text(max_size=2000))
def test_any_text_is_either_refused_with_a_reason_or_shown_within_limits(
    name: str, text: str
) -> None:
    dream = Dream(seed=5)
    dream.open()
    why = refusal(lambda: dream.join(0, name=name))
    if why is not None:
        assert why.strip()
        return
    dream.join(1)
    dream.start()
    dream.force_glitch()
    why = refusal(lambda: dream.answer(0, text, share=True))
    if why is not None:
        assert why.strip()
        return
    dream.pass_(1)
    stored = next(iter(dream.s.texts.values()))
    assert stored == plain(stored)
    assert not set(stored) & BIDI_CONTROLS
    embed = embeds.reveal_embed(embeds.cast_for(CONTENT, dream.circle), dream.s)
    assert len(embed) <= embeds.TOTAL
    assert all(len(f.value or "") <= embeds.FIELD for f in embed.fields)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=400))
def test_any_prompt_text_is_refused_with_a_reason_or_stored_clean(text: str) -> None:
    made: list[prompts.Prompt] = []
    why = refusal(
        lambda: made.append(prompts.make(CONTENT, "c-test", {"category": "hope", "text": text}))
    )
    if why is not None:
        assert why.strip()
        return
    assert len(made[0].text) <= CONTENT.rules.prompt_max_chars
    assert made[0].text == " ".join(plain(made[0].text).split())
