"""`python -m bot play`: a whole session in the terminal, reproducible, and next month after it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.play import Screen, play
from bot.play.screen import WIPE
from bot.store import Database

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
    assert "nights of real rest" in second or "night of real rest" in second
    assert "Bedtime is here — session 2" in second
    assert "Previously at Bedtime…" in second
    assert "returns to the circle" in second
    assert "joins the circle for the first time" not in second


async def test_each_month_s_session_is_its_own(tmp_path: Path) -> None:
    """A month's run must not draw the ids the last month drew: seed 0's third session took
    the second's id, overwrote its row, and failed at dawn."""
    db = tmp_path / "three.db"
    for _ in range(3):
        await play(db, players=4, seed=0, auto=True, screen=Screen.plain(lambda _: None, input))
    database = await Database.open(db)
    try:
        campaign = await database.read.campaigns.by_channel(0, 0)
        assert campaign is not None
        entries = [await database.read.chronicle.by_number(campaign.id, n) for n in (1, 2, 3)]
    finally:
        await database.close()
    assert all(entry is not None for entry in entries)
    assert len({entry.session_id for entry in entries if entry}) == 3


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


class Table:
    """Scripted people at the terminal: answers by what is asked, and everything seen."""

    def __init__(self, answers: dict[str, list[str]] | None = None) -> None:
        self.lines: list[str] = []
        self.answers = {k: list(v) for k, v in (answers or {}).items()}
        self.screen = Screen.plain(self.lines.append, self.ask)

    def ask(self, question: str) -> str:
        self.lines.append(f"? {question}")
        for needle, queue in self.answers.items():
            if needle in question and queue:
                answer = queue.pop(0)
                if answer == "^C":
                    raise KeyboardInterrupt
                if answer == "^D":
                    raise EOFError
                return answer
        if "archetype" in question:
            return "1" if "Player 1" in question else "2"
        if "name" in question:
            return {"Player 1": "Ada", "Player 2": "Bo"}.get(question.split(",")[0], "Cy")
        if "action" in question:
            return "2"  # Anchor
        if "Your choice" in question:
            return "3"  # pass
        if "reach you" in question:
            return "n"
        if "nights of real rest" in question:
            return "3"
        return ""

    @property
    def transcript(self) -> str:
        return "\n".join(self.lines)


async def test_hot_seat_wipes_the_screen_around_every_private_turn(tmp_path: Path) -> None:
    table = Table({"Your choice": ["1", "2"], "Your confession": ["shared words", "kept words"]})
    await play(tmp_path / "hot.db", players=2, seed=5, screen=table.screen)
    lines = table.lines
    assert "Dawn — session 1" in table.transcript
    turns = [i for i, line in enumerate(lines) if "the Mesh asks you" in line]
    assert len(turns) >= 2, "nobody was asked to confess"
    for index in turns:
        handover = max(i for i in range(index) if "── Pass the keyboard to" in lines[i])
        assert WIPE in lines[handover:index]  # after the hand-over, before the prompt
        after = next(i for i in range(index, len(lines)) if "pass the keyboard on" in lines[i])
        assert lines[after + 1] == WIPE  # and gone before the next player comes
    assert "kept words" not in table.transcript  # typed unseen, never stored, never shown
    cards = table.transcript.count("Does 1 reach you")
    assert cards == 2  # both dreamers were asked about the one card, its author too
    heard_turns = [line for line in lines if line == "[After the reveal]"]
    assert len(heard_turns) == 2  # every dreamer, author or not, gets the same turn


async def test_the_table_is_its_own_host(tmp_path: Path) -> None:
    table = Table({"action": ["/glitch", "2", "2", "/end"], "Your choice": ["/reset"]})
    await play(tmp_path / "host.db", players=2, seed=2, screen=table.screen)
    said = table.transcript
    assert said.index("THE MESH HAS FRACTURED") < said.index("EMERGENCY PROTOCOL")
    assert said.count("Dawn — session 1") == 1
    ended = said[said.rindex("? Ada's action") :]  # /end, typed in round 2, is dawn at once
    assert "Dawn — session 1" in ended
    assert "— Round" not in ended.split("Dawn — session 1")[0]
    assert "Round 3 of 6" not in said


async def test_numbers_are_plain_digits_and_yes_is_yes(tmp_path: Path) -> None:
    table = Table({"action": ["²", "9" * 5000, "0", "2"], "reach you": ["yes", "maybe", "no"]})
    await play(tmp_path / "input.db", players=2, seed=5, screen=table.screen)
    assert "Please type a number from 1 to" in table.transcript
    assert "Dawn — session 1" in table.transcript


async def test_an_interrupted_night_resumes_where_it_stood(tmp_path: Path) -> None:
    db = tmp_path / "resume.db"
    first = Table({"Your choice": ["^C"], "Leave the table": ["y"]})
    await play(db, players=2, seed=5, screen=first.screen)
    assert "The night is saved" in first.transcript
    assert "Dawn" not in first.transcript
    second = Table()
    await play(db, players=2, seed=5, screen=second.screen)
    assert "Resuming session 1: the Mesh is glitching." in second.transcript
    assert "Dawn — session 1" in second.transcript
    third = Table({"nights of real rest": ["^D"]})
    await play(db, players=2, seed=5, screen=third.screen)
    assert "The night is saved" in third.transcript


async def test_an_unfinished_night_can_be_abandoned(tmp_path: Path) -> None:
    db = tmp_path / "abandon.db"
    await play(db, players=2, seed=5, screen=Table({"action": ["^D"]}).screen)
    dropped = Table()
    await play(db, players=2, seed=5, abandon=True, screen=dropped.screen)
    assert "Session 1 was abandoned" in dropped.transcript
    assert "Bedtime is here — session 2" in dropped.transcript


async def test_a_confession_too_long_is_kept_to_cut_not_thrown_away(tmp_path: Path) -> None:
    long = "I have never said this out loud. " * 40  # over 1000 characters
    table = Table(
        {
            "action": ["/glitch"],
            "Your choice": ["1"],
            "Your confession": [long],
            "Keep the first": ["yes"],
        }
    )
    await play(tmp_path / "long.db", players=2, seed=5, screen=table.screen)
    said = table.transcript
    assert f"Your confession has {len(long.strip())} characters; at most 1000 fit." in said
    assert "Shared, without your name." in said
    assert long.strip()[:1000][-40:] in said  # the cut text is what the circle heard


async def test_the_table_can_kick_a_dreamer_for_the_night(tmp_path: Path) -> None:
    table = Table({"action": ["/kick Bo"]})
    await play(tmp_path / "kick.db", players=3, seed=5, screen=table.screen)
    said = table.transcript
    kicked = said.index("? Ada's action: ")
    assert "Bo's action" not in said[kicked:]  # out for the rest of the night
    assert "Cy's action" in said[kicked:]
    assert "Dawn — session 1" in said
