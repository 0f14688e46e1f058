"""The key file that seals confession text on PostgreSQL (see seal.py for why): AES-256-GCM
from the `cryptography` package, which only the `postgres` extra installs."""

from __future__ import annotations

import base64
import secrets
import sqlite3
import time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.store.errors import StoreError
from bot.store.seal import PREFIX


class KeyFile:
    """Keys in a SQLite file of their own: one per sealed value, written (and synced to disk)
    before the value it seals is committed, and deleted for real by `keep_only`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in (
            "PRAGMA busy_timeout = 2000",  # first: processes starting together wait in turn
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL",  # a key must outlive a crash with its ciphertext
            "PRAGMA secure_delete = ON",
        ):
            self._db.execute(pragma)
        self._schema()
        self._keys: dict[str, bytes] = {}

    def _schema(self) -> None:
        """Make the table, or add what an older file lacks, in one write transaction: the
        processes of a cluster may open a new file at the same moment, and each must see the
        others' changes before deciding on its own."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS keys "
                "(id TEXT PRIMARY KEY, key BLOB NOT NULL, made REAL)"
            )
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(keys)")}
            if "made" not in columns:  # when each key was made (unix time): a scrub spares new keys
                self._db.execute("ALTER TABLE keys ADD COLUMN made REAL")
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:  # SQLite may have rolled back already
                self._db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()

    def seal(self, text: str) -> str:
        key_id, key = secrets.token_hex(8), AESGCM.generate_key(bit_length=256)
        self._db.execute(
            "INSERT INTO keys (id, key, made) VALUES (?, ?, ?)", (key_id, key, time.time())
        )
        self._keys[key_id] = key
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(key).encrypt(nonce, text.encode(), key_id.encode())
        return f"{PREFIX}{key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # written before sealing, or not secret
        key_id, _, body = stored[len(PREFIX) :].partition(":")
        key = self._key(key_id)
        raw = base64.b64decode(body)
        return AESGCM(key).decrypt(raw[:12], raw[12:], key_id.encode()).decode()

    def _key(self, key_id: str) -> bytes:
        key = self._keys.get(key_id)
        if key is None:
            row = self._db.execute("SELECT key FROM keys WHERE id = ?", (key_id,)).fetchone()
            if row is None:
                raise StoreError(
                    f"The key of a sealed confession is missing from {self.path}: is "
                    "CONFESSION_KEYS_PATH the key file that belongs with this database?"
                )
            key = self._keys[key_id] = bytes(row[0])
        return key

    def known(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT id FROM keys")}

    def keep_only(self, wanted: set[str], spare_since: float | None = None) -> bool:
        """Delete every key not in `wanted`, zeroed in the file, and empty the journal of
        their old pages; but spare keys made at or after `spare_since` (unix time): their
        texts may be in transactions not committed yet. False if a spared key is not wanted,
        or if another reader kept the file busy: the next scrub tries again."""
        unwanted = {
            key_id: made
            for key_id, made in self._db.execute("SELECT id, made FROM keys")
            if key_id not in wanted
        }
        gone = {
            key_id
            for key_id, made in unwanted.items()
            if spare_since is None or made is None or made < spare_since
        }
        try:
            if gone:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.executemany("DELETE FROM keys WHERE id = ?", [(k,) for k in gone])
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                for key_id in gone:
                    self._keys.pop(key_id, None)
            busy, _, _ = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError:
            return False
        return int(busy) == 0 and len(gone) == len(unwanted)
