"""Confession text sealed with keys kept outside the database, so that deleting a key deletes the
text for real wherever its ciphertext lingers.

On SQLite, deleting a row is enough: `secure_delete` zeroes it and the WAL is emptied after it.
PostgreSQL cannot promise that: a deleted row stays in its table's file as a dead tuple until
VACUUM (which does not zero it), and in the WAL segments until they are recycled, in replicas
and in dumps. So on PostgreSQL every confession text, and every owed post that shows one, is
written sealed: AES-256-GCM under a key of its own, kept in a small SQLite key file beside the
bot (`CONFESSION_KEYS_PATH`). When the text is deleted from PostgreSQL, its key is deleted from
the key file, which zeroes it (`secure_delete`) and empties its journal; the ciphertext left
behind in PostgreSQL can then never be read.
"""

from __future__ import annotations

from typing import Protocol

PREFIX = "sealed:1:"


class Sealer(Protocol):
    def seal(self, text: str) -> str:
        """The text as it is stored."""

    def open(self, stored: str) -> str:
        """The text a stored value holds."""


class Plain:
    """SQLite's: text is stored as it is, and deleted for real with its row."""

    def seal(self, text: str) -> str:
        return text

    def open(self, stored: str) -> str:
        return stored


PLAIN = Plain()

# The key ids of every sealed value the database still holds, in SQL both engines read.
IN_USE = (
    "SELECT substr(text, 10, 16) FROM confessions WHERE text LIKE 'sealed:1:%' "
    "UNION SELECT substr(events, 10, 16) FROM outbox WHERE events LIKE 'sealed:1:%'"
)
