"""`python -m bot play`: a whole session in the terminal, reproducible, and next month after it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.play import play

ROOT = Path(__file__).resolve().parents[1]


def run(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def auto(db: Path, seed: int = 1) -> str:
    result = run("play", "--auto", "--players", "4", "--seed", str(seed), "--db", str(db))
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_auto_play_runs_a_whole_session_with_a_glitch_and_a_chronicle(tmp_path: Path) -> None:
    transcript = auto(tmp_path / "one.db")
    assert "Bedtime is here — session 1" in transcript
    assert "THE MESH HAS FRACTURED" in transcript
    assert "The collective consciousness opens." in transcript
    assert "Dawn — session 1" in transcript
    assert "What changed:" in transcript
    assert "See you next Bedtime" in transcript


def test_the_same_seed_gives_the_same_transcript(tmp_path: Path) -> None:
    assert auto(tmp_path / "a.db", seed=3) == auto(tmp_path / "b.db", seed=3)
    assert auto(tmp_path / "c.db", seed=4) != auto(tmp_path / "d.db", seed=3)


def test_a_second_run_plays_next_month_with_the_carry_over(tmp_path: Path) -> None:
    db = tmp_path / "months.db"
    first = auto(db)
    second = auto(db)
    assert "Dawn — session 1" in first
    assert "A month passes in the waking world." in second
    assert "night(s) of real rest" in second
    assert "Bedtime is here — session 2" in second
    assert "Previously at Bedtime…" in second
    assert "returns to the circle" in second
    assert "joins the circle for the first time" not in second


def test_the_bot_without_a_token_says_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    result = run(cwd=tmp_path, env=env)
    assert result.returncode != 0
    assert "DISCORD_TOKEN" in result.stderr
    assert ".env" in result.stderr
    assert "python -m bot play" in result.stderr


def test_a_bad_player_count_is_a_clear_error(tmp_path: Path) -> None:
    result = run("play", "--auto", "--players", "12", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert "--players must be from 2 to 8" in result.stderr


async def test_hot_seat_shows_each_prompt_only_on_its_owners_turn(tmp_path: Path) -> None:
    lines: list[str] = []
    asked: list[str] = []

    def ask(question: str) -> str:
        asked.append(question)
        lines.append(f"? {question}")
        if "archetype" in question:
            return "1" if "Player 1" in question else "2"
        if "name" in question:
            return "Ada" if "Player 1" in question else "Bo"
        if "action" in question:
            return "2"  # Anchor
        if "Your choice" in question:
            return "3"  # pass
        if "resonate" in question:
            return "n"
        return ""

    await play(tmp_path / "hot.db", players=2, seed=5, auto=False, out=lines.append, ask=ask)
    transcript = "\n".join(lines)
    assert "Dawn — session 1" in transcript
    turns = [i for i, line in enumerate(lines) if "the Mesh asks you" in line]
    assert turns, "nobody was asked to confess"
    for index in turns:
        owner = lines[index].strip().split(",")[0]
        handover = max(i for i in range(index) if lines[i].startswith("? \nPass the keyboard"))
        assert f"Pass the keyboard to {owner}." in lines[handover]
        after = next(i for i in range(index, len(lines)) if "Pass the keyboard on." in lines[i])
        assert "\n" * 30 in lines[after]  # the screen scrolls the prompt away
