"""A night of Bedtime in the channel: the lobby, the rounds, the glitch and the reveal, each a
module of its own that never imports another. This extension registers their controls, modals
and presenters, and keeps the lobby redraws running."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

from cogs.session import _glitch, _lobby, _reveal, _round
from cogs.session._lobby import LobbyRedraws, announce_join, join, redraw_lobby
from cogs.session._reveal import fade, heard_note

if TYPE_CHECKING:
    from bot.discord.client import BedtimeBot

CONTROLS = (
    _lobby.JoinButton,
    _lobby.ArchetypeSelect,
    _round.ActionButton,
    _round.ShareSelect,
    _round.AimSelect,
    _round.TargetSelect,
    _glitch.FaceButton,
    _glitch.AnswerButton,
    _glitch.PassButton,
    _glitch.SoftenButton,
    _reveal.HearButton,
    _reveal.ReadyButton,
    _reveal.HideButton,
    _reveal.HidePick,
)


class Session(commands.Cog):
    def __init__(self, bot: BedtimeBot) -> None:
        self.bot = bot
        self.lobbies = LobbyRedraws(bot)


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(*CONTROLS)
    await bot.add_cog(Session(bot))  # type: ignore[arg-type]


__all__ = ["announce_join", "fade", "heard_note", "join", "redraw_lobby"]
