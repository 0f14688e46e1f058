"""Command line: `python -m bot` runs the bot; `python -m bot play` plays in the terminal."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.settings import SettingsError, load_settings

NO_TOKEN = (
    "DISCORD_TOKEN is not set. Put it in the environment or in a .env file "
    "(copy .env.example to .env). To try the game without Discord, run: python -m bot play"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the Discord bot (the default)")
    args = parser.parse_args(argv)
    del args
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    if settings.discord_token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    print("The Discord bot arrives with the next issue; try: python -m bot play", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
