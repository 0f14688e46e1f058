"""The store: SQLite through aiosqlite, behind repositories."""

from bot.store.database import SCHEMA_VERSION, Database, StoreError, StoreGone
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
]
