"""A campaign's prompt pool: the built-in prompts (unless switched off) and its own.

Custom prompts are checked like the built-in ones, against the campaign's topic vocabulary and
the limits below. The gentle, topic-free, nameless prompts that the dealer falls back on always
stay in the pool, so switching the built-ins off never leaves a dreamer without a prompt.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from bot.content.models import Content, Prompt
from bot.core.cleaning import plain
from bot.core.dealer import is_fallback
from bot.core.errors import BadPrompt, NotFound
from bot.core.models import Circle, Session, SessionRules

MAX_PROMPTS = 500
MAX_PACK_BYTES = 256 * 1024
CUSTOM_PREFIX = "c-"


def pool(content: Content, circle: Circle, rules: SessionRules) -> list[Prompt]:
    builtins = (
        content.prompts if rules.builtin_prompts else [p for p in content.prompts if is_fallback(p)]
    )
    return [*circle.prompts, *builtins]


def find(content: Content, circle: Circle, prompt_id: str) -> Prompt:
    """A dealt prompt by id, the campaign's own first."""
    for prompt in circle.prompts:
        if prompt.id == prompt_id:
            return prompt
    found = content.prompt_by_id.get(prompt_id)
    if found is None:
        raise NotFound("That prompt is gone.")
    return found


def make(content: Content, prompt_id: str, fields: Mapping[str, Any]) -> Prompt:
    """One custom prompt from loose fields (a command's options or a pack's entry), checked."""
    topics = fields.get("topics", [])
    if isinstance(topics, str):
        topics = [t for t in (p.strip().lower() for p in topics.split(",")) if t]
    raw = {"rating": "gentle", **fields, "id": prompt_id, "topics": topics}
    if isinstance(raw.get("text"), str):
        raw["text"] = " ".join(plain(raw["text"]).split())
    try:
        prompt = Prompt.model_validate(raw)
    except ValidationError as error:
        raise BadPrompt(_describe(error)) from None
    longest = content.rules.prompt_max_chars
    if len(prompt.text) > longest:
        raise BadPrompt(f"text: at most {longest} characters, not {len(prompt.text)}")
    known = {t.key for t in content.topics}
    unknown = [t for t in prompt.topics if t not in known]
    if unknown:
        raise BadPrompt(f"unknown topic {unknown[0][:40]!r}; topics are {', '.join(sorted(known))}")
    return prompt


def check_room(circle: Circle, adding: Sequence[Prompt]) -> None:
    """The campaign's limit, and no text twice."""
    if len(circle.prompts) + len(adding) > MAX_PROMPTS:
        raise BadPrompt(
            f"A campaign has at most {MAX_PROMPTS} prompts; this one has {len(circle.prompts)}, "
            f"and {len(adding)} more would not fit."
        )
    seen = {p.text.casefold() for p in circle.prompts}
    for prompt in adding:
        if prompt.text.casefold() in seen:
            raise BadPrompt(f"The campaign already has the prompt {prompt.text[:60]!r}.")
        seen.add(prompt.text.casefold())


def check_removable(circle: Circle, session: Session | None, prompt_id: str) -> Prompt:
    prompt = next((p for p in circle.prompts if p.id == prompt_id), None)
    if prompt is None:
        raise NotFound("The campaign has no custom prompt with that id. See /bedtime prompts list.")
    if session is not None and any(
        c.prompt_id == prompt_id for g in session.glitches for c in g.confessions.values()
    ):
        raise BadPrompt("That prompt was dealt in the current session; remove it after dawn.")
    return prompt


def search(prompts: Iterable[Prompt], text: str, limit: int = 25) -> list[Prompt]:
    """Prompts whose text or id contains `text`, for autocomplete."""
    needle = text.casefold().strip()
    return [p for p in prompts if needle in p.text.casefold() or needle in p.id][:limit]


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "the prompt"
    message = first["msg"].removeprefix("Value error, ")
    return f"{where}: {message}"


def parse_pack(
    content: Content, data: bytes, filename: str, new_ids: Iterable[str]
) -> list[Prompt]:
    """A prompt pack from a JSON or TOML file, all or nothing: every problem is named, with its
    entry, and one problem rejects the whole pack."""
    check_file(filename, len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadPrompt("The file is not UTF-8 text.") from None
    entries = _entries(_decode(text, filename))
    problems: list[str] = []
    made: list[Prompt] = []
    for number, (entry, prompt_id) in enumerate(zip(entries, new_ids, strict=False), start=1):
        if not isinstance(entry, dict):
            problems.append(f"prompt {number}: expected a table with category, rating and text")
            continue
        unknown = set(entry) - {"category", "rating", "topics", "text"}
        if unknown:
            problems.append(f"prompt {number}: unknown field {sorted(unknown)[0][:40]!r}")
            continue
        try:
            made.append(make(content, prompt_id, entry))
        except BadPrompt as error:
            problems.append(f"prompt {number}: {error.message}")
    if problems:
        shown = "\n".join(f"• {p[:180]}" for p in problems[:8])
        more = f"\n…and {len(problems) - 8} more." if len(problems) > 8 else ""
        raise BadPrompt(f"Nothing was imported. Fix these and try again:\n{shown}{more}")
    return made


def check_file(filename: str, size: int) -> None:
    """What can be told of a pack before reading it: its kind and its size."""
    if not filename.lower().endswith((".json", ".toml")):
        raise BadPrompt("Attach a .json or .toml file.")
    if size > MAX_PACK_BYTES:
        raise BadPrompt(f"The file is {size // 1024} KiB; a pack may be at most 256 KiB.")


def _decode(text: str, filename: str) -> Any:
    kind = filename.lower().rsplit(".", 1)[-1]
    try:
        return json.loads(text) if kind == "json" else tomllib.loads(text)
    except (ValueError, RecursionError) as error:
        where = f" (line {error.lineno})" if isinstance(error, json.JSONDecodeError) else ""
        raise BadPrompt(f"The file is not valid {kind.upper()}{where}.") from None


def _entries(document: Any) -> list[Any]:
    entries = document.get("prompts") if isinstance(document, dict) else document
    if not isinstance(entries, list) or not entries:
        raise BadPrompt(
            "Expected a list of prompts: `[[prompts]]` tables in TOML, or "
            '`{"prompts": [...]}` in JSON.'
        )
    if len(entries) > MAX_PROMPTS:
        raise BadPrompt(
            f"A pack may hold at most {MAX_PROMPTS} prompts; this one has {len(entries)}."
        )
    return entries
