"""The store: SQLite through aiosqlite, or PostgreSQL through asyncpg, behind the same
repositories and units of work."""

from bot.store.choice import is_url, open_store
from bot.store.database import Database
from bot.store.errors import StoreError, StoreGone, trouble
from bot.store.migrations import SCHEMA_VERSION
from bot.store.repositories import (
    Campaigns,
    Characters,
    Chronicle,
    Circles,
    Departures,
    LobbyMessages,
    Moves,
    Outbox,
    Players,
    Prompts,
    Reminders,
    RevealMessages,
    Sessions,
)
from bot.store.sql import Sql, SqliteSql
from bot.store.unit import Unit

__all__ = [
    "SCHEMA_VERSION",
    "Campaigns",
    "Characters",
    "Chronicle",
    "Circles",
    "Database",
    "Departures",
    "LobbyMessages",
    "Moves",
    "Outbox",
    "Players",
    "Prompts",
    "Reminders",
    "RevealMessages",
    "Sessions",
    "Sql",
    "SqliteSql",
    "StoreError",
    "StoreGone",
    "Unit",
    "is_url",
    "open_store",
    "trouble",
]
