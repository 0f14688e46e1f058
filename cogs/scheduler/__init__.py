"""The scheduler: one loop acts on every due timer and posts what timers owe each channel.

Posts go through the channel (never an interaction token), batched per channel, each with a
nonce Discord enforces, so a retry after a crash cannot post twice.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord.ext import commands, tasks

import cogs.privacy as privacy
from bot.core.events import Dawn, Event, Reminder, first
from bot.core.models import Campaign
from bot.core.phases import Phase
from bot.discord.posting import Post
from bot.discord.presenting import posts_for
from bot.render import embeds
from bot.services import MoveResult

if TYPE_CHECKING:
    from bot.discord.client import BedtimeBot

log = logging.getLogger(__name__)

TICK_SECONDS = 15
EVENT_LENGTH = timedelta(hours=2)
MAX_EMBEDS = 10


class EventTrouble(Exception):
    """The scheduled event could not be made; the message says what the admin can do."""


class Scheduler(commands.Cog):
    def __init__(self, bot: BedtimeBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        if self.bot.run_timers:
            self.loop.start()

    async def cog_unload(self) -> None:
        self.loop.cancel()

    @tasks.loop(seconds=TICK_SECONDS)
    async def loop(self) -> None:
        try:
            await self.tick()
        except Exception:
            log.exception("The scheduler's tick failed; it will try again")

    @loop.before_loop
    async def _wait_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def tick(self) -> None:
        """Fire what is due, then post what is owed."""
        if not await self.bot.service.healthy():
            return  # nothing can be saved: the database file is gone (logged once)
        for campaign in await self.bot.service.calendar.due():
            try:
                await self.bot.service.calendar.tick(campaign)
            except Exception:
                log.exception("Timers for campaign %s failed", campaign.id)
        await self.drain()
        await privacy.tidy(self.bot)

    async def drain(self) -> None:
        """Post what is owed in the guilds this process owns, claimed so that no other
        process posts it too. A guild not (yet) in the cache is not judged: its posts wait."""
        deliveries = self.bot.service.deliveries
        owed = await deliveries.claim()
        by_channel: dict[int, list[tuple[int, MoveResult]]] = {}
        for row_id, result in owed:
            by_channel.setdefault(result.circle.campaign.channel_id, []).append((row_id, result))
        for channel_id, rows in by_channel.items():
            guild = self.bot.get_guild(rows[0][1].circle.campaign.guild_id)
            if guild is None or guild.unavailable:
                await deliveries.unclaim(row_id for row_id, _ in rows)
                continue
            channel = guild.get_channel_or_thread(channel_id)
            if not isinstance(channel, discord.TextChannel | discord.Thread):
                log.warning("Channel %s is gone; dropping %d owed posts", channel_id, len(rows))
                for row_id, _ in rows:
                    await deliveries.posted(row_id)
                continue
            await self._post(channel, rows)

    async def _post(
        self, channel: discord.TextChannel | discord.Thread, rows: list[tuple[int, MoveResult]]
    ) -> None:
        for n_row, (row_id, result) in enumerate(rows):
            batch = batched(_posts(self.bot, result))
            try:
                for n, post in enumerate(batch):
                    message = await channel.send(
                        post.content,
                        embeds=post.embeds,
                        view=post.view or discord.utils.MISSING,
                        files=await post.files(),
                        nonce=f"bt{row_id}.{n}",
                        allowed_mentions=_mentions(result),
                    )
                    await post.remember(self.bot, channel.id, message.id)
            except discord.Forbidden:
                log.warning("No permission to post in channel %s; dropping owed post", channel.id)
            except discord.HTTPException:
                log.warning("Posting to channel %s failed; will retry", channel.id, exc_info=True)
                await self.bot.service.deliveries.unclaim(r for r, _ in rows[n_row:])
                return
            await self.bot.service.deliveries.posted(row_id)
            if first(result.events, Dawn):
                await self._replace_event(result.circle.campaign)

    async def _replace_event(self, campaign: Campaign) -> None:
        try:
            await sync_event(self.bot, campaign)
        except EventTrouble as trouble:
            log.warning("Scheduled event for campaign %s: %s", campaign.id, trouble)


def _posts(bot: BedtimeBot, result: MoveResult) -> list[Post]:
    reminders: list[Event] = list(_reminders(result))
    if reminders:
        cast = embeds.cast_for(bot.content, result.circle)
        embed = embeds.events_embed(cast, Phase.LOBBY, "🌙 Bedtime is coming", reminders)
        role = _reminders(result)[-1].role
        return [Post([embed] if embed else [], content=f"<@&{role}>" if role else None)]
    return posts_for(bot, result)


def _reminders(result: MoveResult) -> list[Reminder]:
    return [e for e in result.events if isinstance(e, Reminder)]


def _mentions(result: MoveResult) -> discord.AllowedMentions:
    """Only a reminder may ping, and only the role the admin named."""
    roles = [e.role for e in _reminders(result) if e.role]
    if not roles:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(r) for r in roles]
    )


def batched(posts_: list[Post]) -> list[Post]:
    """Fewer messages for the channel's rate limit: consecutive plain posts share one."""
    out: list[Post] = []
    for post in posts_:
        last = out[-1] if out else None
        fits = last is not None and last.view is None and not last.content and not post.content
        if (
            fits
            and last is not None
            and not (last.picture and post.picture)
            and len(last.embeds) + len(post.embeds) <= MAX_EMBEDS
            and _size(last) + _size(post) <= embeds.TOTAL
        ):
            last.embeds += post.embeds
            last.view = post.view
            last.picture = last.picture or post.picture
            last.reveals = last.reveals or post.reveals
            last.then = last.then or post.then
            last.lobby = last.lobby or post.lobby
        else:
            out.append(dataclasses.replace(post, embeds=list(post.embeds)))
    return out


def _size(post: Post) -> int:
    return sum(len(e) for e in post.embeds)


async def sync_event(bot: BedtimeBot, campaign: Campaign) -> None:
    """Make the Discord scheduled event match the next session: create, move or replace it."""
    fresh = await bot.service.campaign(campaign.guild_id, campaign.channel_id)
    if fresh is None or fresh.next_at is None:
        return
    guild = bot.get_guild(fresh.guild_id)
    channel = bot.get_channel(fresh.channel_id)
    if guild is None:
        raise EventTrouble("the bot is not in that server")
    where = f"#{channel.name}" if isinstance(channel, discord.TextChannel) else "Discord"
    start, end = fresh.next_at, fresh.next_at + EVENT_LENGTH
    try:
        if fresh.event_id is not None:
            try:
                event = await guild.fetch_scheduled_event(fresh.event_id)
                if event.status in (discord.EventStatus.scheduled,):
                    await event.edit(start_time=start, end_time=end, location=where)
                    return
            except discord.NotFound:
                pass  # an admin deleted it (10070): make a new one
        event = await guild.create_scheduled_event(
            name="Bedtime",
            description="The circle meets in the DreamMesh. Join from the lobby message.",
            start_time=start,
            end_time=end,
            entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only,
            location=where,
        )
        await bot.service.calendar.set_event(fresh, event.id)
    except discord.Forbidden:
        raise EventTrouble(
            "I need the Create Events and Manage Events permissions to put the next session in "
            "the server's events. Everything else works without them."
        ) from None


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Scheduler(bot))  # type: ignore[arg-type]
