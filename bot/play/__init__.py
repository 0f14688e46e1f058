"""`python -m bot play`: a whole session in the terminal, with no Discord."""

from bot.play.screen import Screen
from bot.play.terminal import default_database, play

__all__ = ["Screen", "default_database", "play"]
