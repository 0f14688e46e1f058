"""The story's own promises, measured by bench/story.py over seeded auto-play: the narration
rarely repeats within a night, no scene comes back within a campaign's year, and the year
stays in balance. Deterministic (every game is seeded), so these are behaviour, not timing."""

from __future__ import annotations

from pathlib import Path

from bench import story


async def test_a_night_s_narration_rarely_repeats(tmp_path: Path) -> None:
    found = await story.repetition(tmp_path, seeds=10, months=2)
    assert found["lines"] > 400
    assert found["repeated"] <= 0.05
    assert found["most"] <= 2


async def test_a_year_tells_no_scene_twice_and_stays_in_balance(tmp_path: Path) -> None:
    year = await story.balance(tmp_path, seeds=3, months=12)
    assert year.sessions == 36
    assert year.scene_repeats == 0
    assert set(year.glitches) <= {1, 2}
    assert year.at_max_late <= 0.30
