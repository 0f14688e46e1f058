"""Settings for running the bot, read from the environment and `.env`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from pydantic import (
    AnyHttpUrl,
    AnyWebsocketUrl,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.store.shards import Shards

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class SettingsError(Exception):
    """A setting is missing or wrong; the message names it and says what to do."""


class Settings(BaseSettings):
    """Every setting the bot reads. `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    discord_token: SecretStr | None = Field(default=None)
    database_path: Path = Path("data/bedtime.db")
    # postgresql://user:password@host:port/database selects PostgreSQL; unset, SQLite.
    database_url: SecretStr | None = Field(default=None)
    # On PostgreSQL: the keys that seal confession text, kept outside the database.
    confession_keys_path: Path = Path("data/confession-keys.db")
    dev_guild_id: int | None = Field(default=None, gt=0)
    log_level: str = "INFO"
    discord_api_base_url: AnyHttpUrl = AnyHttpUrl("https://discord.com/api/v10")
    discord_gateway_url: AnyWebsocketUrl = AnyWebsocketUrl("wss://gateway.discord.gg")
    # Sharding, for a bot in thousands of servers (see the README, "Beyond one process"):
    # how many gateway shards the whole bot runs, and which of them this process runs.
    shard_count: int | None = Field(default=None, ge=1, le=4096)
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None
    # Seconds between two IDENTIFYs in one of Discord's concurrency buckets, across every
    # process of the bot (Discord's rule is 5).
    identify_interval: float = Field(default=5.0, ge=0.0, le=60.0)
    # `python -m bot cluster`: how many processes share the shards.
    processes: int | None = Field(default=None, ge=1, le=256)

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_level(cls, value: object) -> str:
        level = str(value).strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("dev_guild_id", "discord_token", "shard_count", "processes", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _shard_list(cls, value: object) -> object:
        """`0,1,2` or a range `0-3` (or both: `0-3,8`)."""
        if not isinstance(value, str):
            return value
        ids: list[int] = []
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            low, dash, high = part.partition("-")
            if not low.strip().isdigit() or (dash and not high.strip().isdigit()):
                raise ValueError(f"{part!r} is not a shard id or a range such as 0-3")
            first, last = int(low), int(high) if dash else int(low)
            if last < first:
                raise ValueError(f"the range {part!r} runs backwards")
            ids.extend(range(first, last + 1))
        if len(set(ids)) != len(ids):
            raise ValueError("names a shard twice")
        return tuple(ids) or None

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids is not None and self.shard_count is None:
            raise ValueError("SHARD_IDS needs SHARD_COUNT, the number of shards of the whole bot")
        if self.shard_count is not None and self.shard_ids is not None:
            outside = [i for i in self.shard_ids if i >= self.shard_count]
            if outside:
                raise ValueError(
                    f"SHARD_IDS {outside} are not below SHARD_COUNT ({self.shard_count}); "
                    f"shards are numbered 0 to {self.shard_count - 1}"
                )
        if self.database_url is None and not self.shards.everything:
            raise ValueError(
                "SHARD_IDS names only some of the shards, so other processes run the rest: "
                "processes share one PostgreSQL database (DATABASE_URL), never a SQLite file"
            )
        return self

    @field_validator("database_url", mode="before")
    @classmethod
    def _postgres_only(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        text = text.strip()
        if not text.startswith(("postgresql://", "postgres://")):
            raise ValueError(
                "must be a PostgreSQL URL such as postgresql://bedtime:secret@127.0.0.1/bedtime "
                "(leave it empty to use SQLite at DATABASE_PATH)"
            )
        return text

    @property
    def store(self) -> Path | str:
        """Where the bot keeps its records: the PostgreSQL URL if set, else the SQLite file."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return self.database_path

    @property
    def sharded(self) -> bool:
        return self.shard_count is not None

    @property
    def shards(self) -> Shards:
        """The shards this process runs, and so the guilds it owns (all of them, unsharded)."""
        if self.shard_count is None:
            return Shards()
        return Shards(self.shard_count, self.shard_ids or tuple(range(self.shard_count)))

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one message per bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]).upper() or "settings"
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise SettingsError("Bad setting — " + "; ".join(problems)) from None
