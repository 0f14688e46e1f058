"""Discord's limits that its OpenAPI description leaves out or states too loosely."""

from __future__ import annotations

import re
from typing import Any

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
MAX_FILES = 10
MAX_FILE_BYTES = 10 * 1024 * 1024  # the upload limit in a server without boosts


def message(body: dict[str, Any]) -> list[str]:
    """Problems with a message body: content, embeds, components and mentions."""
    problems = []
    content = body.get("content") or ""
    if len(content) > 2000:
        problems.append(f"content is {len(content)} characters (max 2000)")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        problems.append(f"{len(embeds)} embeds (max 10)")
    total = 0
    for n, embed in enumerate(embeds):
        total += _embed(embed, f"embeds[{n}]", problems)
    if total > 6000:
        problems.append(f"embeds total {total} characters (max 6000)")
    problems += components(body.get("components") or [], "components")
    return problems


def _embed(embed: dict[str, Any], where: str, problems: list[str]) -> int:
    sizes = {
        "title": (embed.get("title") or "", 256),
        "description": (embed.get("description") or "", 4096),
        "footer.text": ((embed.get("footer") or {}).get("text") or "", 2048),
        "author.name": ((embed.get("author") or {}).get("name") or "", 256),
    }
    total = 0
    for name, (text, limit) in sizes.items():
        total += len(text)
        if len(text) > limit:
            problems.append(f"{where}.{name} is {len(text)} characters (max {limit})")
    fields = embed.get("fields") or []
    if len(fields) > 25:
        problems.append(f"{where} has {len(fields)} fields (max 25)")
    for n, field in enumerate(fields):
        name, value = field.get("name") or "", field.get("value") or ""
        total += len(name) + len(value)
        if not name or len(name) > 256:
            problems.append(f"{where}.fields[{n}].name is {len(name)} characters (1-256)")
        if not value or len(value) > 1024:
            problems.append(f"{where}.fields[{n}].value is {len(value)} characters (1-1024)")
    return total


def components(rows: list[dict[str, Any]], where: str) -> list[str]:
    problems = []
    if len(rows) > 5:
        problems.append(f"{where}: {len(rows)} action rows (max 5)")
    seen: set[str] = set()
    for r, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") == 1 and len(children) > 5:
            problems.append(f"{where}[{r}]: {len(children)} components in a row (max 5)")
        for c, child in enumerate(children):
            problems += _component(child, f"{where}[{r}][{c}]", seen)
    return problems


def _component(child: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    problems = []
    custom_id = child.get("custom_id")
    if custom_id is not None:
        if not 1 <= len(custom_id) <= 100:
            problems.append(f"{where}.custom_id is {len(custom_id)} characters (1-100)")
        if custom_id in seen:
            problems.append(f"{where}.custom_id {custom_id!r} is used twice")
        seen.add(custom_id)
    label = child.get("label") or ""
    if len(label) > 80:
        problems.append(f"{where}.label is {len(label)} characters (max 80)")
    options = child.get("options") or []
    if len(options) > 25:
        problems.append(f"{where} has {len(options)} options (max 25)")
    for n, option in enumerate(options):
        if not 1 <= len(option.get("label") or "") <= 100:
            problems.append(f"{where}.options[{n}].label must be 1-100 characters")
        if len(option.get("description") or "") > 100:
            problems.append(f"{where}.options[{n}].description is over 100 characters")
    return problems


def modal(body: dict[str, Any]) -> list[str]:
    problems = []
    title = body.get("title") or ""
    if not 1 <= len(title) <= 45:
        problems.append(f"modal title is {len(title)} characters (1-45)")
    custom_id = body.get("custom_id") or ""
    if not 1 <= len(custom_id) <= 100:
        problems.append(f"modal custom_id is {len(custom_id)} characters (1-100)")
    rows = body.get("components") or []
    if len(rows) > 5:
        problems.append(f"modal has {len(rows)} components (max 5)")
    seen: set[str] = set()
    for n, row in enumerate(rows):
        inner = row.get("components") or ([row["component"]] if "component" in row else [])
        label = row.get("label") if row.get("type") == 18 else None
        if label is not None and not 1 <= len(label) <= 45:
            problems.append(f"modal components[{n}].label is {len(label)} characters (1-45)")
        for child in inner:
            if child.get("type") == 4 and "label" in child and len(child["label"]) > 45:
                problems.append(f"modal components[{n}] input label over 45 characters")
            problems += _component(
                {k: v for k, v in child.items() if k != "label"}, f"modal[{n}]", seen
            )
    return problems


def commands(body: list[dict[str, Any]]) -> list[str]:
    problems = []
    if len(body) > 100:
        problems.append(f"{len(body)} commands (max 100)")
    names: set[str] = set()
    for command in body:
        name = command.get("name", "")
        if name in names:
            problems.append(f"command {name!r} twice")
        names.add(name)
        problems += _command(command, name)
    return problems


def _command(command: dict[str, Any], where: str) -> list[str]:
    problems = []
    name = command.get("name", "")
    if not COMMAND_NAME.match(name) or name != name.lower():
        problems.append(f"{where}: bad name {name!r}")
    description = command.get("description", "")
    if command.get("type", 1) in (1, None) and not 1 <= len(description) <= 100:
        problems.append(f"{where}: description is {len(description)} characters (1-100)")
    options = command.get("options") or []
    if len(options) > 25:
        problems.append(f"{where}: {len(options)} options (max 25)")
    optional_seen = False
    for option in options:
        sub = f"{where} {option.get('name')}"
        if option.get("type") in (1, 2):
            problems += _command(option, sub)
            continue
        if not option.get("required"):
            optional_seen = True
        elif optional_seen:
            problems.append(f"{sub}: a required option after an optional one")
        if len(option.get("choices") or []) > 25:
            problems.append(f"{sub}: more than 25 choices")
        problems += _command({**option, "options": []}, sub)
    return problems


def autocomplete(body: dict[str, Any]) -> list[str]:
    choices = (body.get("data") or {}).get("choices") or []
    problems = []
    if len(choices) > 25:
        problems.append(f"{len(choices)} autocomplete choices (max 25)")
    for choice in choices:
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            problems.append("an autocomplete choice name is not 1-100 characters")
    return problems
