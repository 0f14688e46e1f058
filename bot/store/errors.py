"""What can go wrong with a store, in words the layers above it understand without knowing
which engine is underneath."""

from __future__ import annotations

import sqlite3
import sys
from typing import Literal

Trouble = Literal["busy", "full", "unreachable"]


class StoreError(Exception):
    """The database cannot be used; the message says why."""


class StoreGone(StoreError):
    """The database file was deleted or replaced under the running bot: nothing more is
    written, lest moves "succeed" into a file nobody will open again."""


class Changed(StoreError):
    """A live session's circle was changed from outside it (by another process: a player's
    rest or forget-me) after it was loaded: the move is not written, and the session is
    loaded again."""


def trouble(error: BaseException) -> Trouble | None:
    """Whether an error is the store's passing trouble (busy, disk full, server unreachable)
    rather than a fault in Bedtime: the player is told so, and nothing was changed."""
    if isinstance(error, Changed):
        return "busy"
    if isinstance(error, sqlite3.OperationalError):
        text = str(error).lower()
        if "locked" in text or "busy" in text:
            return "busy"
        if "full" in text:
            return "full"
        return None
    asyncpg = sys.modules.get("asyncpg")  # loaded only when the store is PostgreSQL
    if asyncpg is None:
        return None
    failed = asyncpg.exceptions
    if isinstance(error, failed.DiskFullError | failed.InsufficientResourcesError):
        return "full"
    if isinstance(
        error,
        failed.LockNotAvailableError
        | failed.DeadlockDetectedError
        | failed.SerializationError
        | failed.QueryCanceledError
        | failed.TooManyConnectionsError,
    ):
        return "busy"
    if isinstance(
        error,
        asyncpg.PostgresConnectionError
        | asyncpg.InterfaceError
        | failed.OperatorInterventionError
        | ConnectionError
        | TimeoutError,
    ):
        return "unreachable"
    return None
