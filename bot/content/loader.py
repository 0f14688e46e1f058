"""Load and validate the content files. A broken file names the file, the entry and the problem."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.content.models import (
    Action,
    Archetype,
    Content,
    Dreamscape,
    HouseRuleSpec,
    Prompt,
    Rules,
    Topic,
)

M = TypeVar("M", bound=BaseModel)


def _data_dir() -> Path:
    """`data/` beside the code in a checkout; where an installed copy put it otherwise."""
    checkout = Path(__file__).resolve().parents[2] / "data"
    if (checkout / "rules.toml").is_file():
        return checkout
    return Path(sys.prefix) / "share" / "bedtime" / "data"


DATA_DIR = _data_dir()


class ContentError(Exception):
    """A content file is missing, unreadable or invalid."""


def load_content(data_dir: Path = DATA_DIR) -> Content:
    rules = _validate(data_dir / "rules.toml", None, Rules, _read(data_dir / "rules.toml"))
    topics = _entries(data_dir / "topics.toml", "topic", Topic)
    actions = _entries(data_dir / "actions.toml", "action", Action)
    archetypes = _entries(data_dir / "archetypes.toml", "archetype", Archetype)
    dreamscapes = _entries(data_dir / "dreamscapes.toml", "dreamscape", Dreamscape)
    prompts = _entries(data_dir / "prompts.toml", "prompt", Prompt)
    house_rules = _entries(data_dir / "house_rules.toml", "house_rule", HouseRuleSpec)
    dreamers = _read(data_dir / "dreamers.toml")
    narration = _lines(data_dir / "narration.toml")
    beats = _read(data_dir / "beats.toml")
    try:
        return Content(
            rules=rules,
            topics=topics,
            actions=actions,
            archetypes=archetypes,
            dreamscapes=dreamscapes,
            prompts=prompts,
            house_rules=house_rules,
            narration=narration,
            beats=beats,
            dreamer_names=dreamers.get("names", []),
            dreamer_answers=dreamers.get("answers", {}),
            dreamer_temperaments=dreamers.get("temperaments", {}),
        )
    except ValidationError as exc:
        raise ContentError(f"{data_dir}: {_describe(exc)}") from None


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ContentError(f"{path}: the file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: not valid TOML: {exc}") from None


def _lines(path: Path) -> dict[str, Any]:
    """A file of sections of lines, flattened to "section.name" keys."""
    flat: dict[str, Any] = {}
    for section, lines in _read(path).items():
        if not isinstance(lines, dict):
            raise ContentError(f"{path}: {section!r} should be a section of lines")
        flat.update({f"{section}.{name}": line for name, line in lines.items()})
    return flat


def _entries(path: Path, table: str, model: type[M]) -> list[M]:
    raw = _read(path).get(table)
    if not isinstance(raw, list) or not raw:
        raise ContentError(f"{path}: expected one or more [[{table}]] entries")
    return [
        _validate(path, f"{table} #{n} ({_label(entry)})", model, entry)
        for n, entry in enumerate(raw, start=1)
    ]


def _validate(path: Path, entry: str | None, model: type[M], raw: Any) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        where = f"{path}: {entry}" if entry else str(path)
        raise ContentError(f"{where}: {_describe(exc)}") from None


def _label(entry: Any) -> str:
    if isinstance(entry, dict):
        for field in ("id", "key", "name"):
            if field in entry:
                return f"{field} {entry[field]!r}"
    return "no id"


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {message}" if loc else message)
    return "; ".join(parts)
