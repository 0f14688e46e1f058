"""The content in data/ loads, and a broken file names the file, the entry and the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content import DATA_DIR, Category, ContentError, Rating, load_content


def test_the_shipped_content_is_complete() -> None:
    content = load_content()
    assert len(content.archetypes) == 8
    assert len(content.dreamscapes) >= 4
    assert len(content.prompts) >= 60
    assert len(content.topics) <= 25
    assert {p.category for p in content.prompts} == set(Category)
    assert len({a.signature.key for a in content.archetypes}) == 8
    assert all(len(a.arc) == 3 for a in content.archetypes)
    assert {p.rating for p in content.prompts} == set(Rating)


def test_rules_hold_the_design_numbers() -> None:
    rules = load_content().rules
    assert (rules.stability.min, rules.stability.max, rules.stability.first_baseline) == (
        0,
        100,
        60,
    )
    assert (rules.lucidity.min, rules.lucidity.max, rules.lucidity.start) == (0, 10, 5)
    assert (rules.bonds.min, rules.bonds.max) == (-5, 10)
    assert (rules.players.min, rules.players.max) == (2, 8)
    assert (rules.glitch.min, rules.glitch.max) == (1, 2)
    assert rules.confession_max_chars == 1000


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("*.db*"))
    return target


def test_a_prompt_with_an_unknown_rating_names_file_entry_and_problem(data_copy: Path) -> None:
    path = data_copy / "prompts.toml"
    path.write_text(path.read_text().replace('rating = "gentle"', 'rating = "spicy"', 1))
    with pytest.raises(ContentError) as caught:
        load_content(data_copy)
    message = str(caught.value)
    assert "prompts.toml" in message
    assert "prompt #1 (id 'fear-01')" in message
    assert "rating" in message


def test_a_prompt_with_an_unknown_topic_is_refused(data_copy: Path) -> None:
    path = data_copy / "prompts.toml"
    path.write_text(path.read_text().replace('topics = ["loneliness"]', 'topics = ["pirates"]', 1))
    with pytest.raises(
        ContentError, match=r"prompts.toml: prompt 'fear-01': unknown topic 'pirates'"
    ):
        load_content(data_copy)


def test_inconsistent_rules_are_refused(data_copy: Path) -> None:
    path = data_copy / "rules.toml"
    path.write_text(path.read_text().replace("start = 5", "start = 50", 1))
    with pytest.raises(ContentError, match=r"rules.toml.*lucidity.start is outside"):
        load_content(data_copy)


def test_a_missing_file_is_named(data_copy: Path) -> None:
    (data_copy / "topics.toml").unlink()
    with pytest.raises(ContentError, match=r"topics.toml: the file is missing"):
        load_content(data_copy)


def test_broken_toml_is_named(data_copy: Path) -> None:
    (data_copy / "actions.toml").write_text("[[action]\nkey = ")
    with pytest.raises(ContentError, match=r"actions.toml: not valid TOML"):
        load_content(data_copy)
