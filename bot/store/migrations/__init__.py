"""Numbered migrations, one folder per engine. Both folders hold the same numbers, and a test
holds their schemas to each other: tables, columns, keys and indexes."""

from __future__ import annotations

import re
from importlib import resources
from typing import Literal

Engine = Literal["sqlite", "postgres"]

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.(sql|py)$")


class MigrationError(Exception):
    """The shipped migrations are out of order."""


def migrations(engine: Engine) -> list[tuple[int, str, str]]:
    """The engine's migrations in order: (version, name, text). Most are SQL; one that needs
    Python (Unicode normalisation, say) is a module with `upgrade`."""
    found = []
    for entry in resources.files(f"bot.store.migrations.{engine}").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"{engine} migrations must be numbered 1..n, found {versions}")
    return found


SCHEMA_VERSION = len(migrations("sqlite"))
if len(migrations("postgres")) != SCHEMA_VERSION:
    raise MigrationError("SQLite and PostgreSQL must ship the same numbered migrations")
