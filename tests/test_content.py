"""The content in data/ loads, and a broken file names the file, the entry and the problem."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.content import DATA_DIR, Category, ContentError, Rating, load_content
from bot.content.models import LINGER

# The eight archetypes DESIGN.md names, from the stories the game grew from.
DESIGNED = {
    "The Influencer",
    "The Skeptic",
    "The Dreamweaver",
    "The Sleeper",
    "The Neuroscientist",
    "The Architect",
    "The Parent",
    "The Artist",
}


def test_the_shipped_content_is_complete() -> None:
    content = load_content()
    assert {a.name for a in content.archetypes} >= DESIGNED
    assert len(content.dreamscapes) >= 4
    assert len(content.prompts) >= 60
    assert len(content.topics) <= 25
    assert {p.category for p in content.prompts} == set(Category)
    assert all(len(a.arc) == 3 for a in content.archetypes)
    assert {p.rating for p in content.prompts} == set(Rating)


def test_every_archetype_is_its_own() -> None:
    archetypes = load_content().archetypes
    for distinct in (
        lambda a: a.key,
        lambda a: a.name,
        lambda a: a.signature.key,
        lambda a: a.signature.label,
        lambda a: a.signature.effect,
    ):
        assert len({distinct(a) for a in archetypes}) == len(archetypes)


def test_every_action_has_narration_in_every_dreamscape() -> None:
    content = load_content()
    aimed = {a.key for a in content.actions if a.effect.needs_target}
    for scape in content.dreamscapes:
        for action in [*(a.key for a in content.actions), LINGER]:
            lines = scape.lines(action)
            assert lines, (scape.key, action)
            for line in lines:
                line.format(name="N", target="T")  # every slot resolves
                assert "{name}" in line, (scape.key, action, line)
                assert ("{target}" in line) == (action in aimed), (scape.key, action, line)


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


def test_every_line_the_renderer_asks_for_is_in_narration_toml() -> None:
    source = (Path(__file__).parents[1] / "bot" / "render" / "text.py").read_text()
    asked = set(re.findall(r'says\(\s*"([a-z_]+\.[a-z_]+)"', source))
    asked |= {f"glitch.{t}" for t in ("collapse", "chance", "forced", "last_round")}
    assert len(asked) > 20
    assert asked <= set(load_content().narration)


def test_a_narration_line_that_is_not_a_template_names_its_key(data_copy: Path) -> None:
    path = data_copy / "narration.toml"
    path.write_text(
        path.read_text().replace('opens = "The collective', 'opens = "{ The collective')
    )
    with pytest.raises(ContentError, match=r"reveal\.opens"):
        load_content(data_copy)
