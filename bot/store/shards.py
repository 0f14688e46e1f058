"""Which guilds a process owns: Discord routes a guild's events to gateway shard
`(guild_id >> 22) % count`, and a process owns the guilds of the shards it runs.

Queries for timers and owed posts take only owned guilds (`Shards.where`), so that two
processes never act for one guild. One process with no sharding owns every guild.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Shards:
    count: int = 1
    ids: tuple[int, ...] = (0,)

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("a shard count is at least 1")
        if not self.ids or any(not 0 <= i < self.count for i in self.ids):
            raise ValueError(f"shard ids must be between 0 and {self.count - 1}")

    @property
    def everything(self) -> bool:
        return len(set(self.ids)) == self.count

    def of(self, guild_id: int) -> int:
        return (guild_id >> 22) % self.count

    def owns(self, guild_id: int) -> bool:
        return self.everything or self.of(guild_id) in self.ids

    def where(self, column: str) -> tuple[str, tuple[int, ...]]:
        """A condition on a guild id column, as SQL both engines read, and its parameters."""
        if self.everything:
            return "1 = 1", ()
        marks = ", ".join("?" for _ in self.ids)
        return f"(({column} >> 22) % ?) IN ({marks})", (self.count, *sorted(set(self.ids)))


EVERY_GUILD = Shards()


def this_process() -> str:
    """A name for this process's claims, unique across hosts and restarts (and the same for
    every store the process opens)."""
    return _named(os.getpid())


@functools.cache
def _named(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{secrets.token_hex(4)}"[:100]


# What one process tells the others when it changes campaigns they may hold (a NOTIFY).
STALE_CHANNEL = "bedtime_stale"
_NOTICE_BYTES = 7000  # PostgreSQL takes up to 8000 bytes a payload


@dataclass(frozen=True, slots=True)
class Stale:
    """Campaigns changed from outside their live sessions, and users whose player records
    changed. The process that changed them hears it too, and lets go again: harmless."""

    campaign_ids: frozenset[str]
    user_ids: frozenset[int]


def stale_notices(campaign_ids: Iterable[str], user_ids: Iterable[int]) -> Iterator[str]:
    """The notices to send, each small enough for one NOTIFY."""
    ids, users = sorted(campaign_ids), sorted(user_ids)
    while True:
        chunk: list[str] = []
        while ids and len(json.dumps(chunk)) < _NOTICE_BYTES:
            chunk.append(ids.pop())
        yield json.dumps({"c": chunk, "u": users})
        users = []
        if not ids:
            return


def read_notice(payload: str) -> Stale | None:
    """A notice another process sent, or None if it is not one of ours."""
    try:
        data = json.loads(payload)
        return Stale(frozenset(str(i) for i in data["c"]), frozenset(int(u) for u in data["u"]))
    except (ValueError, KeyError, TypeError):
        return None
