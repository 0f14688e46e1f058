"""Settings come from the environment and `.env`; bad values are named; the token stays secret."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    names = (
        "DISCORD_TOKEN",
        "DATABASE_PATH",
        "DATABASE_URL",
        "DEV_GUILD_ID",
        "LOG_LEVEL",
        "SHARD_COUNT",
        "SHARD_IDS",
        "IDENTIFY_INTERVAL",
        "PROCESSES",
    )
    for name in names:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_need_nothing() -> None:
    settings = load_settings()
    assert settings.discord_token is None
    assert settings.database_path == Path("data/bedtime.db")
    assert str(settings.discord_api_base_url).startswith("https://discord.com/api")


def test_values_come_from_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DEV_GUILD_ID=1234\nLOG_LEVEL=debug\n")
    settings = load_settings()
    assert settings.dev_guild_id == 1234
    assert settings.log_level_number == logging.DEBUG


def test_a_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEV_GUILD_ID", "my-server")
    with pytest.raises(SettingsError, match="DEV_GUILD_ID"):
        load_settings()


def test_an_unknown_log_level_says_what_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "loud")
    with pytest.raises(SettingsError, match=r"LOG_LEVEL: must be one of .*DEBUG"):
        load_settings()


def test_the_token_never_shows_in_repr_or_str(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "super.secret.token")
    settings = Settings()
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "super.secret.token"
    assert "super.secret.token" not in repr(settings)
    assert "super.secret.token" not in str(settings)
    assert "super.secret.token" not in str(settings.model_dump())


def test_the_store_is_sqlite_unless_a_postgresql_url_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().store == Path("data/bedtime.db")
    monkeypatch.setenv("DATABASE_URL", "  ")
    assert load_settings().store == Path("data/bedtime.db")
    monkeypatch.setenv("DATABASE_URL", "postgresql://bedtime:s3cret@127.0.0.1/bedtime")
    settings = load_settings()
    assert settings.store == "postgresql://bedtime:s3cret@127.0.0.1/bedtime"
    assert "s3cret" not in repr(settings)  # the password stays out of logs and tracebacks


def test_a_database_url_that_is_not_postgresql_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/bedtime")
    with pytest.raises(SettingsError, match="DATABASE_URL: must be a PostgreSQL URL"):
        load_settings()


PG = "postgresql://bedtime@127.0.0.1/bedtime"


def test_unsharded_a_process_owns_every_guild() -> None:
    settings = load_settings()
    assert not settings.sharded
    assert settings.shards.everything
    assert settings.shards.owns(123 << 22)


@pytest.mark.parametrize(
    ("ids", "expected"),
    [("", (0, 1, 2, 3, 4, 5)), ("2-3", (2, 3)), ("0,4-5", (0, 4, 5)), (" 1 , 3 ", (1, 3))],
)
def test_shard_ids_read_as_lists_and_ranges(
    monkeypatch: pytest.MonkeyPatch, ids: str, expected: tuple[int, ...]
) -> None:
    monkeypatch.setenv("DATABASE_URL", PG)
    monkeypatch.setenv("SHARD_COUNT", "6")
    monkeypatch.setenv("SHARD_IDS", ids)
    shards = load_settings().shards
    assert shards.ids == expected
    owned = {guild for guild in range(64) if shards.owns(guild << 22)}
    assert owned == {guild for guild in range(64) if guild % 6 in expected}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SHARD_IDS": "0-1"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "3-5"}, r"SHARD_IDS \[4, 5\] are not below"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "3-1"}, "runs backwards"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "1,1"}, "names a shard twice"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "one"}, "SHARD_IDS: 'one' is not a shard id"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT"),
        ({"IDENTIFY_INTERVAL": "-1"}, "IDENTIFY_INTERVAL"),
        ({"PROCESSES": "0"}, "PROCESSES"),
    ],
)
def test_a_bad_shard_plan_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", PG)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_some_of_the_shards_need_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARD_COUNT", "4")
    monkeypatch.setenv("SHARD_IDS", "0-1")
    with pytest.raises(SettingsError, match="processes share one PostgreSQL database"):
        load_settings()
    monkeypatch.setenv("SHARD_IDS", "0-3")  # one process, every shard: SQLite will do
    assert load_settings().shards.everything
