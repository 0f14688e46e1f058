"""Character names become unique by their NFKC form, casefolded: "Ａda" in full width and "Ada"
are one name. Live characters whose names now collide keep them in the order they were made;
each later one gets a number ("Ada 2"), which its owner can change from their sheet.

Frozen as it was written: it does not import the game's rules, which may change later.
"""

from __future__ import annotations

import json
import unicodedata

import aiosqlite

LONGEST_NAME = 32


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold()


async def upgrade(db: aiosqlite.Connection) -> None:
    await db.execute("DROP INDEX characters_live_name")
    rows = await db.execute_fetchall(
        "SELECT id, campaign_id, retired, state FROM characters ORDER BY rowid"
    )
    taken: dict[str, set[str]] = {}
    for character_id, campaign_id, retired, state in rows:
        data = json.loads(state)
        name = original = str(data["name"])
        if not retired:
            used = taken.setdefault(campaign_id, set())
            number = 2
            while _key(name) in used:
                suffix = f" {number}"
                name = original[: LONGEST_NAME - len(suffix)] + suffix
                number += 1
            used.add(_key(name))
            data["name"] = name
        await db.execute(
            "UPDATE characters SET name_key = ?, state = ? WHERE id = ?",
            (_key(name), json.dumps(data), character_id),
        )
    await db.execute(
        "CREATE UNIQUE INDEX characters_live_name ON characters (campaign_id, name_key) "
        "WHERE retired = 0"
    )
