"""The latency-against-concurrency chart, drawn with Pillow on log-log axes."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bench.burst import Burst

WIDTH, HEIGHT = 900, 540
LEFT, RIGHT, TOP, BOTTOM = 90, 40, 60, 70
LOW_MS, HIGH_MS = 0.5, 100_000.0
INK, GRID, DEADLINE = "#222222", "#dddddd", "#888888"
P50, P99, DONE = "#3b6fb6", "#c2452d", "#7a3b9c"
FLOOR_P50, FLOOR_P99 = "#8fb3e0", "#e8a394"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def draw(path: Path, bursts: list[Burst]) -> None:
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    pen = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 14) if FONT.exists() else ImageFont.load_default()
    sizes = [b.sessions for b in bursts]
    low_n, high_n = min(sizes) / 2, max(sizes) * 2

    def x(sessions: float) -> float:
        share = math.log10(sessions / low_n) / math.log10(high_n / low_n)
        return LEFT + share * (WIDTH - LEFT - RIGHT)

    def y(ms: float) -> float:
        ms = min(max(ms, LOW_MS), HIGH_MS)
        share = math.log10(ms / LOW_MS) / math.log10(HIGH_MS / LOW_MS)
        return HEIGHT - BOTTOM - share * (HEIGHT - TOP - BOTTOM)

    for ms in (1, 10, 100, 1_000, 10_000, 100_000):
        pen.line([(LEFT, y(ms)), (WIDTH - RIGHT, y(ms))], fill=GRID)
        label = f"{ms / 1000:g} s" if ms >= 1000 else f"{ms} ms"
        pen.text((LEFT - 8, y(ms)), label, fill=INK, font=font, anchor="rm")
    for n in sizes:
        pen.line([(x(n), TOP), (x(n), HEIGHT - BOTTOM)], fill=GRID)
        label = f"{n:,} sessions ({4 * n:,} dreamers)"
        pen.text((x(n), HEIGHT - BOTTOM + 10), label, fill=INK, font=font, anchor="mt")
    pen.rectangle([LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM], outline=INK)
    _level(pen, font, y(3000), "Discord's 3 s window", DEADLINE)

    lines = [
        ("game p50", P50, 3, [b.game.p50 for b in bursts]),
        ("game p99", P99, 3, [b.game.p99 for b in bursts]),
        ("game p99 in full", DONE, 2, [b.game.done_p99 for b in bursts]),
        ("floor p50", FLOOR_P50, 1, [b.floor.p50 for b in bursts]),
        ("floor p99", FLOOR_P99, 1, [b.floor.p99 for b in bursts]),
    ]
    for n, (name, colour, width, spreads) in enumerate(lines):
        points = [(x(b.sessions), y(s.median * 1000)) for b, s in zip(bursts, spreads, strict=True)]
        pen.line(points, fill=colour, width=width)
        for spread, (px, py) in zip(spreads, points, strict=True):
            pen.line([(px, y(spread.low * 1000)), (px, y(spread.high * 1000))], fill=colour)
            pen.ellipse([px - 4, py - 4, px + 4, py + 4], fill=colour)
        pen.text((LEFT + 12, TOP + 12 + n * 20), f"● {name}", fill=colour, font=font)
    note = "median of runs; bars span the runs"
    pen.text((WIDTH - RIGHT - 12, TOP + 12), note, fill=INK, font=font, anchor="ra")
    title = "Bedtime: time to answer when every dreamer acts within one second"
    pen.text((WIDTH / 2, 22), title, fill=INK, font=font, anchor="mm")
    image.save(path, optimize=True)


def _level(
    pen: ImageDraw.ImageDraw,
    font: ImageFont.ImageFont | ImageFont.FreeTypeFont,
    at: float,
    label: str,
    colour: str,
) -> None:
    for start in range(LEFT, WIDTH - RIGHT, 12):
        pen.line([(start, at), (min(start + 6, WIDTH - RIGHT), at)], fill=colour, width=2)
    pen.text((WIDTH - RIGHT - 6, at - 4), label, fill=colour, font=font, anchor="rb")
