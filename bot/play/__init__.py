"""`python -m bot play`: a whole session in the terminal, with no Discord."""

from bot.play.terminal import PLAY_DB, play

__all__ = ["PLAY_DB", "play"]
