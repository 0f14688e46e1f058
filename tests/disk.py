"""What someone holding the disk could still read: the store's files, byte by byte.

On SQLite: the database file and its WAL, free pages and all. On PostgreSQL: every file of the
cluster's data folder (tables, dead tuples, pg_wal) and the confession key file with its WAL.
There a text counts as readable if it is there in plain, or if a sealed copy of it is there
and its key can still be found in the key file's bytes, deleted rows included: a SQLite record
holds a key's id next to the key, so an undeleted key is found by its id.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

Needle = str | int

_SEALED = re.compile(rb"sealed:1:([0-9a-f]{16}):([A-Za-z0-9+/]+={0,2})")


def _files(*paths: Path) -> bytes:
    found = []
    for path in paths:
        if path.is_dir():
            found += [p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()]
        elif path.exists():
            found.append(path.read_bytes())
    return b"".join(found)


def _forms(needle: Needle) -> list[bytes]:
    if isinstance(needle, int):
        return [str(needle).encode(), needle.to_bytes(8, "big"), needle.to_bytes(8, "little")]
    return [needle.encode(), needle.encode("utf-16-le")]


def plainly(data: bytes, *needles: Needle) -> list[Needle]:
    """The needles that are in `data` as they are."""
    return [n for n in needles if any(form in data for form in _forms(n))]


def sqlite_remains(path: Path, *needles: Needle) -> list[Needle]:
    return plainly(_files(path, path.with_name(path.name + "-wal")), *needles)


def unsealed(data: bytes, keys: bytes) -> set[str]:
    """Every sealed value in `data` whose key is still in the key file's bytes, opened."""
    opened = set()
    for found in _SEALED.finditer(data):
        key_id, body = found.group(1), found.group(2)
        try:
            raw = base64.b64decode(body)
        except ValueError:
            continue  # cut off where a WAL page ends: its heap copy is read instead
        for at in re.finditer(re.escape(key_id), keys):
            key = keys[at.end() : at.end() + 32]
            try:
                opened.add(AESGCM(key).decrypt(raw[:12], raw[12:], key_id).decode())
            except (InvalidTag, ValueError):
                continue
    return opened


def postgres_remains(data_dir: Path, key_file: Path, *needles: Needle) -> list[Needle]:
    data = _files(data_dir)
    keys = _files(key_file, key_file.with_name(key_file.name + "-wal"))
    readable = unsealed(data, keys)
    found = plainly(data, *needles)
    found += [n for n in needles if isinstance(n, str) and n not in found and n in readable]
    return [n for n in needles if n in found]
