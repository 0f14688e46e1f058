"""A picture of the circle after a session: its characters as a constellation.

Stars are the dreamers, lines are bonds (brighter and thicker when stronger, red and dashed when
strained), the Adrift are dim and ringed, and the session's name and date sit underneath. Made
for Discord's dark theme, and small.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bot.core.models import ChronicleEntry, Circle, Condition

WIDTH, HEIGHT = 800, 450
BACKGROUND_TOP, BACKGROUND_BOTTOM = (16, 17, 34), (31, 27, 56)
STAR = (246, 229, 170)
ADRIFT = (120, 128, 160)
WARM = (199, 172, 255)
STRAINED = (232, 98, 112)
TEXT = (232, 230, 245)
FAINT = (150, 146, 180)
ARCHETYPE_TINTS = [
    (255, 214, 140),
    (170, 210, 255),
    (200, 170, 255),
    (160, 235, 200),
    (255, 170, 190),
    (190, 220, 240),
    (255, 200, 160),
    (230, 180, 255),
]
MISSING_PROBE = "\U000f0000"  # a private-use code point no text font draws


@dataclass(frozen=True, slots=True)
class Dreamer:
    id: str
    label: str
    archetype: int
    adrift: bool


# DejaVu Sans (Debian's fonts-dejavu-core) covers accented Latin, Greek and Cyrillic; Pillow's
# own font is the fallback, and whatever a font cannot draw becomes initials (see label()).
FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "DejaVuSans.ttf",
)


@cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_FILES:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


@cache
def _glyph(size: int, character: str) -> bytes:
    canvas = Image.new("L", (size * 2, size * 2))
    ImageDraw.Draw(canvas).text((2, 2), character, font=font(size), fill=255)
    return canvas.tobytes()


def drawable(text: str, size: int = 18) -> bool:
    """Whether the font has a real glyph for every character (not the empty box)."""
    missing = _glyph(size, MISSING_PROBE)
    return all(ch.isspace() or _glyph(size, ch) != missing for ch in text)


def label(name: str, seat: int) -> str:
    """The name, or its drawable initials, or a numbered star: never boxes."""
    if drawable(name):
        return name
    initials = "".join(w[0] for w in name.split() if w and drawable(w[0])).upper()
    return f"{initials}." if initials else f"Dreamer {seat}"


def render(
    entry: ChronicleEntry,
    circle: Circle,
    dreamscape: str,
    archetypes: Sequence[str],
) -> bytes:
    """The constellation for one chronicle entry, as PNG bytes."""
    adrift_now = {c.id for c in circle.characters.values() if c.adrift}
    claimed = {o.character for o in entry.outcomes if Condition.ADRIFT in o.conditions_set}
    rescued = {o.character for o in entry.outcomes if Condition.ADRIFT in o.conditions_cleared}
    dreamers = []
    for seat, character_id in enumerate(entry.dreamers, start=1):
        character = circle.characters.get(character_id)
        name = character.name if character else "a dreamer who has left"
        kind = (
            archetypes.index(character.archetype)
            if character and character.archetype in archetypes
            else 0
        )
        dreamers.append(
            Dreamer(
                character_id,
                label(name, seat),
                kind,
                character_id in claimed
                or (character_id in adrift_now and character_id not in rescued),
            )
        )

    image = _sky(entry.session_id)
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    places = _places(len(dreamers))
    where = {d.id: places[n] for n, d in enumerate(dreamers)}
    for n, a in enumerate(dreamers):
        for b in dreamers[n + 1 :]:
            strength = circle.bond(a.id, b.id)
            if strength:
                _bond(draw, where[a.id], where[b.id], strength)
    halos = layer.copy()
    draw = ImageDraw.Draw(halos)
    for dreamer in dreamers:
        x, y = where[dreamer.id]
        r = 18 if not dreamer.adrift else 10
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(*_tint(dreamer), 150))
    image.alpha_composite(halos.filter(ImageFilter.GaussianBlur(7)))
    image.alpha_composite(layer)

    draw = ImageDraw.Draw(image)
    for dreamer in dreamers:
        _star(draw, where[dreamer.id], dreamer)
    draw.text((32, HEIGHT - 64), f"Session {entry.number} · {dreamscape}", font=font(22), fill=TEXT)
    when = entry.ended_at.strftime("%d %B %Y")
    draw.text((32, HEIGHT - 34), f"{when} · {len(dreamers)} dreamers", font=font(15), fill=FAINT)
    _legend(draw)

    buffer = io.BytesIO()
    image.convert("RGB").quantize(colors=128, dither=Image.Dither.NONE).save(
        buffer, "PNG", optimize=True
    )
    return buffer.getvalue()


def _sky(seed: str) -> Image.Image:
    image = Image.new("RGBA", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):
        t = y / HEIGHT
        colour = tuple(
            round(a + (b - a) * t) for a, b in zip(BACKGROUND_TOP, BACKGROUND_BOTTOM, strict=True)
        )
        draw.line([(0, y), (WIDTH, y)], fill=(*colour, 255))
    rng = random.Random(seed)
    for _ in range(140):
        x, y, shade = rng.randrange(WIDTH), rng.randrange(HEIGHT - 80), rng.randrange(70, 170)
        draw.point((x, y), fill=(shade, shade, shade + 30, 255))
    return image


def _places(count: int) -> list[tuple[float, float]]:
    cx, cy, rx, ry = WIDTH / 2, (HEIGHT - 80) / 2 + 10, WIDTH * 0.34, (HEIGHT - 80) * 0.36
    if count == 1:
        return [(cx, cy)]
    return [
        (
            cx + rx * math.cos(-math.pi / 2 + 2 * math.pi * n / count),
            cy + ry * math.sin(-math.pi / 2 + 2 * math.pi * n / count),
        )
        for n in range(count)
    ]


def _bond(
    draw: ImageDraw.ImageDraw, a: tuple[float, float], b: tuple[float, float], strength: int
) -> None:
    if strength > 0:
        alpha = min(255, 140 + strength * 20)
        draw.line([a, b], fill=(*WARM, alpha), width=2 + strength // 2)
        return
    steps = 18
    for n in range(0, steps, 2):
        start = (a[0] + (b[0] - a[0]) * n / steps, a[1] + (b[1] - a[1]) * n / steps)
        end = (a[0] + (b[0] - a[0]) * (n + 1) / steps, a[1] + (b[1] - a[1]) * (n + 1) / steps)
        draw.line([start, end], fill=(*STRAINED, 170), width=2)


def _tint(dreamer: Dreamer) -> tuple[int, int, int]:
    return ADRIFT if dreamer.adrift else ARCHETYPE_TINTS[dreamer.archetype % len(ARCHETYPE_TINTS)]


def _star(draw: ImageDraw.ImageDraw, at: tuple[float, float], dreamer: Dreamer) -> None:
    x, y = at
    tint = _tint(dreamer)
    radius = 7 if dreamer.adrift else 10
    draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=(*tint, 255))
    if dreamer.adrift:
        draw.ellipse([x - 18, y - 18, x + 18, y + 18], outline=(*ADRIFT, 220), width=2)
    text = dreamer.label if not dreamer.adrift else f"{dreamer.label} (adrift)"
    width = draw.textlength(text, font=font(17))
    draw.text(
        (x - width / 2, y + 22), text, font=font(17), fill=TEXT if not dreamer.adrift else FAINT
    )


def _legend(draw: ImageDraw.ImageDraw) -> None:
    """Drawn marks rather than symbol glyphs, so the key reads the same with any font."""
    x, y = WIDTH - 250, HEIGHT - 26
    draw.line([(x, y), (x + 22, y)], fill=WARM, width=3)
    draw.text((x + 30, y - 9), "bond", font=font(15), fill=FAINT)
    x += 80
    for n in range(0, 22, 6):
        draw.line([(x + n, y), (x + n + 3, y)], fill=STRAINED, width=2)
    draw.text((x + 30, y - 9), "strain", font=font(15), fill=FAINT)
    x += 86
    draw.ellipse([x, y - 7, x + 14, y + 7], outline=ADRIFT, width=2)
    draw.text((x + 22, y - 9), "adrift", font=font(15), fill=FAINT)
