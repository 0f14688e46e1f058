"""The one error path. A domain error says why, privately; storage trouble says so; anything
else is logged with where it happened, and the player gets an apology. Every command and
control runs through it, and what its move owed the circle is settled either way."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable

import discord

from bot.core.errors import GameError
from bot.discord.lookup import bot_of, campaign_named, key
from bot.discord.posting import ALREADY_ANSWERED, UNKNOWN_INTERACTION, Forgotten, private
from bot.discord.timing import answered, arrived, first_time
from bot.services import StoreGone, trouble

log = logging.getLogger(__name__)

APOLOGY = "Something went wrong on our side, and nothing was changed. Please try again in a moment."
SAVED = (
    "That went through and was saved, but something went wrong on our side while showing it. "
    "There is no need to do it again."
)
UNSURE = (
    "Something went wrong on our side, and Bedtime could not tell whether that was saved. "
    "Please check before you try again."
)
SAVED_CHECK = 1.0  # seconds the check may take: the apology must still be in time
BUSY = "Bedtime's records are busy right now, so nothing was changed. Please try again in a moment."
GONE = (
    "Bedtime can't save anything right now: its database file has gone missing. Nothing was "
    "changed. Please tell the server's admins."
)
FULL = (
    "Bedtime can't save anything right now: its disk is full. Nothing was changed. "
    "Please tell the server's admins."
)
UNREACHABLE = (
    "Bedtime can't reach its database right now, so nothing was changed. Please try again in "
    "a moment; if it goes on, tell the server's admins."
)
TROUBLE = {"busy": BUSY, "full": FULL, "unreachable": UNREACHABLE}


async def fail(interaction: discord.Interaction, error: BaseException, where: str) -> None:
    """Say why it failed, privately, or log it and apologise."""
    if isinstance(error, discord.app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, GameError):
        await _safely(interaction, str(error))
        return
    if isinstance(error, discord.app_commands.CheckFailure):
        await _safely(interaction, str(error) or "You can't use that here.")
        return
    if isinstance(error, discord.HTTPException) and error.code == ALREADY_ANSWERED:
        log.info("Interaction %s was already answered (%s)", interaction.id, where)
        return
    if isinstance(error, Forgotten) or (
        isinstance(error, discord.NotFound) and error.code == UNKNOWN_INTERACTION
    ):
        log.warning(
            "Answered %s too late: Discord had forgotten interaction %s", where, interaction.id
        )
        return
    if isinstance(error, StoreGone):
        log.warning("Refused %s: the database file is gone", where)
        await _safely(interaction, GONE)
        return
    if (passing := trouble(error)) is not None:
        log.warning("Storage trouble handling %s: %s", where, error)
        await _safely(interaction, TROUBLE[passing])
        return
    log.error(
        "Failed handling %s (interaction %s, guild %s, channel %s, user %s)",
        where,
        interaction.id,
        interaction.guild_id,
        interaction.channel_id,
        interaction.user.id if interaction.user else None,
        exc_info=error,
    )
    await _safely(interaction, await _apology(interaction))


async def _apology(interaction: discord.Interaction) -> str:
    """What to say once it failed: its move may have been committed before it did."""
    saved = bot_of(interaction).service.saved(key(interaction))
    try:
        return SAVED if await asyncio.wait_for(saved, SAVED_CHECK) else APOLOGY
    except Exception:
        log.warning("Could not tell whether interaction %s was saved", interaction.id)
        return UNSURE


async def _safely(interaction: discord.Interaction, text: str) -> None:
    try:
        await private(interaction, text[:2000])
    except discord.HTTPException:
        log.warning("Could not tell interaction %s why it failed", interaction.id)


async def finished(interaction: discord.Interaction, *, told: bool) -> None:
    """After an interaction: what its move owed the circle was told, or, if the answer failed
    partway, is the scheduler's to post."""
    log.debug("Interaction %s finished; %s", interaction.id, "told" if told else "not told")
    try:
        await bot_of(interaction).service.deliveries.settle(key(interaction), told=told)
    except Exception:
        log.warning("Could not settle the posts of interaction %s", interaction.id, exc_info=True)
    finally:
        answered(interaction)


async def handle(
    interaction: discord.Interaction,
    where: str,
    work: Awaitable[None],
    campaign_id: str | None = None,
) -> None:
    """Run a control's or a modal's work behind the front door: errors take the one error path,
    and what its move owed the circle is settled either way. A control that names a campaign
    is checked against it first."""
    if not first_time(interaction):
        _discard(work)
        return
    arrived(interaction)
    bot = bot_of(interaction)
    bot.in_flight += 1
    try:
        if campaign_id is not None:
            await campaign_named(interaction, campaign_id)
        await work
    except Exception as error:
        _discard(work)
        await fail(interaction, error, where)
        await finished(interaction, told=False)
    else:
        await finished(interaction, told=True)
    finally:
        bot.in_flight -= 1


def _discard(work: Awaitable[None]) -> None:
    """Close work that was refused before it began, so that none of it ever runs."""
    if inspect.iscoroutine(work) and inspect.getcoroutinestate(work) == inspect.CORO_CREATED:
        work.close()
