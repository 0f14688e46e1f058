"""The constellation picture: a small PNG of the right size that decodes, with readable names."""

from __future__ import annotations

import io

from PIL import Image

from bot.core import protocols
from bot.core.events import Dawn, first
from bot.core.models import ChronicleEntry
from bot.render import constellation
from tests.core.circle import Dream

DISCORD_ATTACHMENT_LIMIT = 10 * 1024 * 1024


def dawn(names: list[str]) -> tuple[Dream, ChronicleEntry]:
    dream = Dream(seed=3)
    dream.open()
    for n, name in enumerate(names):
        dream.join(n, name=name)
    dream.start()
    dream.act(0, "share", target=1)
    dream.everyone("explore")
    events = protocols.end_now(dream.move(), dream.circle, dream.s)
    dawn = first(events, Dawn)
    assert dawn is not None
    return dream, dawn.entry


def picture(dream: Dream, entry: ChronicleEntry) -> bytes:
    keys = [a.key for a in dream.content.archetypes]
    return constellation.render(entry, dream.circle, "The Childhood Slumber Party", keys)


def test_the_picture_is_a_small_png_of_the_promised_size() -> None:
    dream, entry = dawn(["Ada", "Bo", "Chloë", "Dmitri"])
    data = picture(dream, entry)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) < 200 * 1024 < DISCORD_ATTACHMENT_LIMIT
    with Image.open(io.BytesIO(data)) as image:
        image.load()  # decodes every pixel, not just the header
        assert image.size == (constellation.WIDTH, constellation.HEIGHT)
        assert image.format == "PNG"


def test_the_picture_is_dark_for_discords_dark_theme() -> None:
    dream, entry = dawn(["Ada", "Bo", "Cy"])
    with Image.open(io.BytesIO(picture(dream, entry))) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
        dark = sum(histogram[:64]) / (grey.width * grey.height)
    assert dark > 0.8


def test_bonds_and_stars_change_the_picture() -> None:
    dream, entry = dawn(["Ada", "Bo", "Cy"])
    before = picture(dream, entry)
    a, b = dream.character(0), dream.character(2)
    dream.circle.bonds[f"{min(a, b)}|{max(a, b)}"] = 5
    assert picture(dream, entry) != before


def test_names_the_font_can_draw_are_kept() -> None:
    assert constellation.label("Ada", 1) == "Ada"
    assert constellation.label("Chloë Müller", 2) == "Chloë Müller"


def test_names_the_font_cannot_draw_become_initials_or_a_seat_never_boxes() -> None:
    assert not constellation.drawable("🌙")
    assert constellation.label("🌙 Luna Moth", 1) == "LM."
    assert constellation.label("🌙🌙", 2) == "Dreamer 2"
    assert constellation.drawable(constellation.label("\U000f0001 Zed", 3))


def test_a_session_of_emoji_names_still_renders() -> None:
    dream, entry = dawn(["🌙 Moon", "⭐ Star", "🌊 Sea"])
    with Image.open(io.BytesIO(picture(dream, entry))) as image:
        image.load()
        assert image.size == (constellation.WIDTH, constellation.HEIGHT)
