"""Settings for running the bot, read from the environment and `.env`."""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import AnyHttpUrl, AnyWebsocketUrl, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_level(cls, value: object) -> str:
        level = str(value).strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("dev_guild_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("discord_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

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
