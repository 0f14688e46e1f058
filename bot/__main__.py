"""Command line: `python -m bot` runs the bot; `python -m bot play` plays in the terminal."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.content import ContentError
from bot.core.errors import GameError
from bot.settings import SettingsError, load_settings
from bot.store import StoreError

NO_TOKEN = (
    "DISCORD_TOKEN is not set. Put it in the environment or in a .env file "
    "(copy .env.example to .env). To try the game without Discord, run: python -m bot play"
)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m bot", description="Bedtime, the dream bot.")
    commands = root.add_subparsers(dest="command")
    commands.add_parser("run", help="run the Discord bot (the default)")
    commands.add_parser("sync", help="sync the slash commands (to DEV_GUILD_ID if set) and exit")
    commands.add_parser(
        "cluster",
        help="run the bot as PROCESSES processes sharing SHARD_COUNT shards on PostgreSQL, "
        "restarting any that dies",
    )
    backup = commands.add_parser(
        "backup", help="write a consistent copy of the database, even while the bot runs"
    )
    backup.add_argument("path", type=Path, help="the new backup file (must not exist)")
    move = commands.add_parser(
        "migrate-store",
        help="copy the SQLite database (DATABASE_PATH) into an empty PostgreSQL database; "
        "stop the bot first",
    )
    move.add_argument("--to", required=True, metavar="URL", help="postgresql://… of the target")
    play = commands.add_parser("play", help="play a whole session in the terminal, no Discord")
    play.add_argument("--players", type=int, default=4, help="how many dreamers (default 4)")
    play.add_argument("--seed", type=int, default=None, help="a seed reproduces the transcript")
    play.add_argument("--auto", action="store_true", help="scripted dreamers play by themselves")
    play.add_argument(
        "--db", type=Path, default=None, help="database file (default: play.db in your data folder)"
    )
    play.add_argument(
        "--abandon", action="store_true", help="drop an unfinished night instead of resuming it"
    )
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "play":
            asyncio.run(table(args))
            return 0
        if args.command == "backup":
            return backup(args.path)
        if args.command == "migrate-store":
            return migrate_store(args.to)
        if args.command == "cluster":
            return cluster()
        return run_bot(sync_only=args.command == "sync")
    except (SettingsError, ContentError, StoreError, GameError) as error:
        print(error, file=sys.stderr)
        return 2
    except (KeyboardInterrupt, EOFError):
        print("\nGood night.", file=sys.stderr)
        return 130


async def table(args: argparse.Namespace) -> None:
    from bot.play import play

    # asyncio.run's own handler would only cancel the game at its next await, leaving a
    # question unanswerable: Ctrl-C must reach the question, which asks whether to leave.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    await play(args.db, players=args.players, seed=args.seed, auto=args.auto, abandon=args.abandon)


def backup(path: Path) -> int:
    from bot.store.database import backup as copy

    settings = load_settings()
    if settings.database_url is not None:
        from bot.store.postgres import dump

        keys = path.with_name(path.name + ".keys")
        if keys.exists():
            raise StoreError(f"{keys} already exists; choose a new file for the backup.")
        size = dump(settings.database_url.get_secret_value(), path)
        print(f"Backed up the PostgreSQL database to {path} ({size // 1024} KiB, for pg_restore).")
        copy(settings.confession_keys_path, keys)
        print(f"Backed up its confession keys to {keys}: keep the two together.")
        return 0
    source = settings.database_path
    size = copy(source, path)
    print(f"Backed up {source} to {path} ({size // 1024} KiB).")
    return 0


def migrate_store(url: str) -> int:
    from bot.store import is_url
    from bot.store.postgres import without_password
    from bot.store.transfer import migrate_store as move

    if not is_url(url):
        raise StoreError(f"--to must be a postgresql:// URL, not {url!r}.")
    settings = load_settings()
    source, keys = settings.database_path, settings.confession_keys_path
    counts = asyncio.run(move(source, url, keys))
    shown = without_password(url)[0]
    print(
        f"Copied {source} into {shown}: {sum(counts.values())} rows, every table's count checked."
    )
    for table, count in counts.items():
        print(f"  {table}: {count}")
    print(f"Confession text is sealed with keys in {keys}: keep that file with the database.")
    print("Now set DATABASE_URL to that address in .env and start the bot.")
    return 0


def cluster() -> int:
    from bot import logs
    from bot.cluster import run_cluster

    settings = load_settings()
    if settings.discord_token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    logs.configure(settings.log_level_number)
    return asyncio.run(run_cluster(settings))


def run_bot(*, sync_only: bool = False) -> int:
    from bot import runner

    settings = load_settings()
    if settings.discord_token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    if sync_only:
        names = asyncio.run(runner.sync(settings))
        guild = settings.dev_guild_id
        where = f"to the development guild {guild}" if guild else "globally"
        print(f"Synced {len(names)} commands {where}: {', '.join(names)}")
        return 0
    return asyncio.run(runner.serve(settings))


if __name__ == "__main__":
    sys.exit(main())
