"""Check request bodies against Discord's OpenAPI description, when it is present beside us."""

from __future__ import annotations

import json
import re
from functools import cached_property
from pathlib import Path
from typing import Any

SPEC = Path(__file__).resolve().parents[2] / "shared" / "discord-api-spec" / "openapi.json"


class OpenApi:
    def __init__(self, path: Path = SPEC) -> None:
        self.path = path

    @property
    def available(self) -> bool:
        return self.path.exists()

    @cached_property
    def _spec(self) -> dict[str, Any]:
        return json.loads(self.path.read_text())  # type: ignore[no-any-return]

    @cached_property
    def _routes(self) -> list[tuple[re.Pattern[str], dict[str, Any]]]:
        routes = []
        for template, operations in self._spec["paths"].items():
            pattern = re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template))
            routes.append((re.compile(f"^/api/v10{pattern}$"), operations))
        # Literal segments first, so /messages/@original beats /messages/{message_id}.
        routes.sort(key=lambda r: r[0].pattern.count("[^/]+"))
        return routes

    @cached_property
    def _registry(self) -> Any:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        resource = Resource.from_contents(self._spec, default_specification=DRAFT202012)
        return Registry().with_resource("urn:discord", resource)

    def problems(self, method: str, path: str, body: Any) -> list[str]:
        """Schema errors for a JSON request body, or [] where the spec has nothing to say."""
        if not self.available:
            return []
        from jsonschema import Draft202012Validator

        for pattern, operations in self._routes:
            if pattern.match(path):
                operation = operations.get(method.lower())
                break
        else:
            return [f"{method} {path} is not in Discord's API"]
        if operation is None:
            return [f"{method} is not allowed on {path}"]
        content = (operation.get("requestBody") or {}).get("content") or {}
        schema = (content.get("application/json") or {}).get("schema")
        if schema is None:
            return []
        wrapped = _rebase(schema)
        validator = Draft202012Validator(wrapped, registry=self._registry)
        return [
            f"{method} {path}: {'/'.join(map(str, e.absolute_path)) or 'body'}: {e.message[:300]}"
            for e in validator.iter_errors(_snowflakes_as_strings(body))
        ][:5]


def _rebase(schema: Any) -> Any:
    """Point the operation's local $refs at the registered spec."""
    if isinstance(schema, dict):
        return {
            k: ("urn:discord" + v if k == "$ref" and v.startswith("#") else _rebase(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_rebase(v) for v in schema]
    return schema


def _snowflakes_as_strings(value: Any, key: str = "") -> Any:
    """discord.py sends some snowflakes as integers where the spec says strings (large ids, and
    an upload's index as `attachments[].id`); accept both."""
    if isinstance(value, dict):
        return {k: _snowflakes_as_strings(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_snowflakes_as_strings(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and (value > 2**32 or key == "id"):
        return str(value)
    return value
