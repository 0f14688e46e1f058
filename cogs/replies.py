"""How cogs answer: find the campaign, turn results into messages, and the one error path."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import io
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord.ext import commands
from discord.utils import MISSING

from bot.client import ANSWER_WITHIN, BACKLOG
from bot.core.errors import GameError
from bot.core.models import Campaign
from bot.store import StoreGone

if TYPE_CHECKING:
    from bot.client import BedtimeBot

log = logging.getLogger(__name__)

APOLOGY = "Something went wrong on our side, and nothing was changed. Please try again in a moment."
BUSY = "Bedtime's records are busy right now, so nothing was changed. Please try again in a moment."
UNKNOWN_INTERACTION = 10062
ALREADY_ANSWERED = 40060
# Interactions a process remembers having taken up, so that a repeat is dropped unanswered;
# a restart reloads the keys of changes made within a token's life (15 minutes).
REMEMBERED = 20_000
GONE = (
    "Bedtime can't save anything right now: its database file has gone missing. Nothing was "
    "changed. Please tell the server's admins."
)
FULL = (
    "Bedtime can't save anything right now: its disk is full. Nothing was changed. "
    "Please tell the server's admins."
)


class NoCampaign(GameError):
    """The channel (or server) has no Bedtime campaign."""


class NotHost(discord.app_commands.CheckFailure):
    """Only admins (Manage Server) or the campaign's host role."""


def is_admin(interaction: discord.Interaction) -> bool:
    """Manage Server: power over every campaign in the server, and over the server's data."""
    # The interaction carries the member's resolved permissions; no member cache needed.
    return isinstance(interaction.user, discord.Member) and interaction.permissions.manage_guild


def hosts(interaction: discord.Interaction, campaign: Campaign) -> bool:
    """Whether the member holds this campaign's host role: power over that campaign only."""
    member = interaction.user
    role = campaign.settings.get("host_role") or 0
    return isinstance(member, discord.Member) and any(r.id == role for r in member.roles)


async def is_host(interaction: discord.Interaction, campaign: Campaign | None) -> bool:
    return is_admin(interaction) or (campaign is not None and hosts(interaction, campaign))


@dataclass(frozen=True)
class Picture:
    """An image attached to a post, drawn off the event loop only when the post is sent."""

    filename: str
    draw: Callable[[], bytes]

    @property
    def url(self) -> str:
        return f"attachment://{self.filename}"

    async def file(self) -> discord.File:
        data = await asyncio.to_thread(self.draw)
        return discord.File(io.BytesIO(data), filename=self.filename)


@dataclass
class Post:
    """One message to send: embeds, the controls under them, and perhaps a picture.

    `reveals` names the session and glitch whose confession text the message shows, so that the
    bot can edit the text away when it is deleted. Each way of sending returns the message id."""

    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    content: str | None = None
    picture: Picture | None = None
    reveals: tuple[str, int] | None = None  # (session id, glitch number)
    lobby: str | None = None  # the session whose lobby it shows, to redraw on a join
    then: Callable[[], Awaitable[None]] | None = None  # once sent, e.g. dawn fades the reveals

    async def files(self) -> list[discord.File]:
        return [await self.picture.file()] if self.picture else []

    async def respond(
        self, interaction: discord.Interaction, *, ephemeral: bool = False
    ) -> int | None:
        """Answer the interaction with this post. A picture takes longer to draw than Discord
        should wait for the answer, so it is added to the message once the answer is in."""
        if interaction.response.is_done():  # acknowledged while the move waited: follow up
            return await self.follow(interaction, ephemeral=ephemeral)
        callback = await interaction.response.send_message(
            self.content,
            embeds=self._without_picture(),
            view=self.view or MISSING,
            ephemeral=ephemeral,
        )
        if self.picture:
            await interaction.edit_original_response(
                embeds=self.embeds, attachments=await self.files()
            )
        resource = callback.resource
        return resource.id if isinstance(resource, discord.InteractionMessage) else None

    async def update(self, interaction: discord.Interaction) -> int | None:
        """Redraw the message the interaction came from (a type 7 response); a new picture
        replaces the old one."""
        await redraw(
            interaction,
            content=self.content,
            embeds=self.embeds,
            view=self.view,
            attachments=await self.files() if self.picture else MISSING,
        )
        return interaction.message.id if interaction.message else None

    async def follow(
        self, interaction: discord.Interaction, *, ephemeral: bool = False
    ) -> int | None:
        message = await interaction.followup.send(
            self.content or MISSING,
            embeds=self._without_picture(),
            view=self.view or MISSING,
            ephemeral=ephemeral,
            wait=True,
        )
        if self.picture:
            await message.edit(embeds=self.embeds, attachments=await self.files())
        return message.id

    def _without_picture(self) -> list[discord.Embed]:
        """The embeds as first sent: an image waits for its file."""
        if self.picture is None:
            return self.embeds
        out = []
        for embed in self.embeds:
            if embed.image.url == self.picture.url:
                embed = embed.copy()
                embed.set_image(url=None)
            out.append(embed)
        return out

    async def edit(self, message: discord.PartialMessage) -> None:
        await message.edit(
            content=self.content,
            embeds=self.embeds,
            view=self.view,
            attachments=await self.files() if self.picture else MISSING,
        )

    async def remember(self, bot: BedtimeBot, channel_id: int | None, sent: int | None) -> None:
        """Once sent: note where a reveal went, for retention and moderation edits later, and
        do what must follow the post."""
        if self.reveals and channel_id and sent:
            await bot.safety.remember_reveal(*self.reveals, channel_id, sent)
        if self.lobby and channel_id and sent:
            await bot.service.remember_lobby(self.lobby, channel_id, sent)
        if self.then is not None:
            await self.then()


async def redraw(interaction: discord.Interaction, **fields: Any) -> None:
    """Edit the message a component is on: as the answer, or after it if the interaction was
    acknowledged while its move waited."""
    if interaction.response.is_done():
        await interaction.edit_original_response(**fields)
    else:
        await interaction.response.edit_message(**fields)


def arrived(interaction: discord.Interaction) -> None:
    """Note when the bot took up the interaction, to keep within Discord's window."""
    interaction.extras.setdefault("arrived", asyncio.get_running_loop().time())


Result = TypeVar("Result")


async def in_time(interaction: discord.Interaction, move: Awaitable[Result]) -> Result:
    """Await a player's move. If it is still waiting for the store as Discord's 3 seconds run
    out, or joins a backlog of moves queued for the one writer (a burst), acknowledge
    it as an update of its message first; the answer then edits the message or follows up.
    The move is never cancelled: once asked for, it is applied or refused on its own."""
    task = asyncio.ensure_future(move)
    loop = asyncio.get_running_loop()
    # Discord's clock starts when it made the interaction (its id says when); ours when we took
    # it up. Under load the two differ by the time it queued here, so count from the earlier.
    waited = max(
        loop.time() - interaction.extras.get("arrived", loop.time()),
        time.time() - interaction.created_at.timestamp(),
    )
    # Behind a backlog, the press is acknowledged at once: the queue is longer than it looks,
    # as the event loop and SQLite's one thread are busy with the moves ahead of it too.
    behind = bot_of(interaction).service.db.backlog > BACKLOG
    await asyncio.wait({task}, timeout=0.0 if behind else max(ANSWER_WITHIN - waited, 0.0))
    if not task.done() and not interaction.response.is_done():
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.defer()
    return await asyncio.shield(task)


def first_time(interaction: discord.Interaction) -> bool:
    """Whether the bot is taking this interaction up for the first time. Discord may deliver
    one twice; its first answer is the only one, so a repeat is dropped, changing nothing."""
    taken = bot_of(interaction).taken
    if interaction.id in taken or key(interaction) in taken:
        log.info("Dropped a repeat of interaction %s", interaction.id)
        return False
    taken[interaction.id] = None
    while len(taken) > REMEMBERED:
        taken.popitem(last=False)
    return True


async def handle(
    interaction: discord.Interaction,
    where: str,
    work: Awaitable[None],
    campaign_id: str | None = None,
) -> None:
    """Run a control's work: errors take the one error path, and what its move owed the circle
    is settled either way. A control that names a campaign is checked against it first."""
    if not first_time(interaction):
        _discard(work)
        return
    arrived(interaction)
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


def _discard(work: Awaitable[None]) -> None:
    """Close work that was refused before it began, so that none of it ever runs."""
    if inspect.iscoroutine(work) and inspect.getcoroutinestate(work) == inspect.CORO_CREATED:
        work.close()


Callback = TypeVar("Callback", bound=Callable[..., Coroutine[Any, Any, None]])


def guarded(where: str) -> Callable[[Callback], Callback]:
    """A control's own on_error: a domain error becomes a private reply; the rest is logged."""

    def wrap(function: Callback) -> Callback:
        @functools.wraps(function)
        async def callback(self: Any, interaction: discord.Interaction) -> None:
            named = getattr(self, "campaign_id", None)
            await handle(interaction, where, function(self, interaction), named)

        return callback  # type: ignore[return-value]

    return wrap


async def finished(interaction: discord.Interaction, *, told: bool) -> None:
    """After an interaction: what its move owed the circle was told, or, if the answer failed
    partway, is the scheduler's to post."""
    try:
        await bot_of(interaction).service.settle(key(interaction), told=told)
    except Exception:
        log.warning("Could not settle the posts of interaction %s", interaction.id, exc_info=True)


class Answers(commands.Cog):
    """The tree's one error path and front door, and the settling of commands that finish."""

    def __init__(self, bot: BedtimeBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.tree.error(self.on_command_error)
        # discord.py asks the tree before running any command: a repeat is dropped there.
        self.bot.tree.interaction_check = self.first_time  # type: ignore[method-assign]

    async def first_time(self, interaction: discord.Interaction) -> bool:
        return first_time(interaction)

    async def on_command_error(
        self, interaction: discord.Interaction, error: discord.app_commands.AppCommandError
    ) -> None:
        """The one handler for every slash command's errors."""
        name = interaction.command.qualified_name if interaction.command else "a command"
        await fail(interaction, error, f"/{name}")
        await finished(interaction, told=False)

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: object
    ) -> None:
        await finished(interaction, told=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Answers(bot))  # type: ignore[arg-type]


def bot_of(interaction: discord.Interaction) -> BedtimeBot:
    return interaction.client  # type: ignore[return-value]


def key(interaction: discord.Interaction) -> str:
    """The interaction id is every move's idempotency key."""
    return f"i:{interaction.id}"


async def campaign_here(interaction: discord.Interaction) -> Campaign:
    """The campaign of the channel the interaction happened in."""
    if interaction.guild_id is None or interaction.channel_id is None:
        raise NoCampaign("Bedtime works inside a server.")
    campaign = await bot_of(interaction).service.campaign(
        interaction.guild_id, interaction.channel_id
    )
    if campaign is None:
        raise NoCampaign(
            "This channel has no Bedtime campaign. An admin can start one with /bedtime setup."
        )
    return campaign


def chosen(interaction: discord.Interaction) -> list[str]:
    """The values picked in a select menu."""
    data: Any = interaction.data or {}
    return [str(v) for v in data.get("values") or []]


async def campaign_named(interaction: discord.Interaction, campaign_id: str) -> Campaign:
    """The campaign a control names. It acts only on that campaign, only in its own server,
    and, used in another channel, only for a member who can view the campaign's channel:
    a control forged into another channel reaches nothing its presser could not see."""
    cached = interaction.extras.get("campaign")
    if isinstance(cached, Campaign) and cached.id == campaign_id:
        return cached
    campaign = await bot_of(interaction).service.campaign_by_id(campaign_id)
    if campaign is None or campaign.guild_id != interaction.guild_id:
        raise NoCampaign("That campaign is gone.")
    if campaign.channel_id != interaction.channel_id:
        member = interaction.user
        guild = interaction.guild
        channel = guild.get_channel_or_thread(campaign.channel_id) if guild else None
        if (
            channel is None
            or not isinstance(member, discord.Member)
            or not channel.permissions_for(member).view_channel
        ):
            raise NoCampaign("That belongs to a campaign in a channel you can't see.")
    interaction.extras["campaign"] = campaign
    return campaign


async def hosting(
    interaction: discord.Interaction, what: str, campaign: Campaign | None = None
) -> Campaign:
    """The channel's campaign (or the one given), for an admin or the host role only."""
    campaign = campaign or await campaign_here(interaction)
    if not await is_host(interaction, campaign):
        raise NotHost(f"Only admins or the host role can {what}.")
    return campaign


async def campaign_for_player(interaction: discord.Interaction) -> Campaign:
    """The channel's campaign, or the server's only one; with several, say where to go."""
    try:
        return await campaign_here(interaction)
    except NoCampaign:
        if interaction.guild_id is None:
            raise
    campaigns = await bot_of(interaction).service.campaigns_in(interaction.guild_id)
    if len(campaigns) == 1:
        return campaigns[0]
    if not campaigns:
        raise NoCampaign("This server has no Bedtime campaign yet.")
    channels = ", ".join(f"<#{c.channel_id}>" for c in campaigns[:10])
    raise NoCampaign(f"This server has several campaigns. Use the command in one of: {channels}.")


async def private(interaction: discord.Interaction, text: str) -> None:
    """A private reply, as the response or, once answered, as a follow-up."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True)
    else:
        await interaction.response.send_message(text, ephemeral=True)


async def fail(interaction: discord.Interaction, error: BaseException, where: str) -> None:
    """The one error path: domain errors say why, privately; anything else is logged."""
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
    if isinstance(error, discord.NotFound) and error.code == UNKNOWN_INTERACTION:
        log.warning(
            "Answered %s too late: Discord had forgotten interaction %s", where, interaction.id
        )
        return
    if isinstance(error, StoreGone):
        log.warning("Refused %s: the database file is gone", where)
        await _safely(interaction, GONE)
        return
    if isinstance(error, sqlite3.OperationalError) and (trouble := _storage(error)):
        log.warning("Storage trouble handling %s: %s", where, error)
        await _safely(interaction, trouble)
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
    await _safely(interaction, APOLOGY)


def _storage(error: sqlite3.OperationalError) -> str | None:
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return BUSY
    if "full" in text:
        return FULL
    return None


async def _safely(interaction: discord.Interaction, text: str) -> None:
    try:
        await private(interaction, text[:2000])
    except discord.HTTPException:
        log.warning("Could not tell interaction %s why it failed", interaction.id)


async def send_posts(
    interaction: discord.Interaction, posts: list[Post], *, update: bool = False
) -> None:
    """The first post answers the interaction (updating the clicked message if asked); the
    rest follow. Follow-ups go through the interaction's token, not the channel's rate limit."""
    if not posts:
        return
    first, rest = posts[0], posts[1:]
    sent = await (first.update(interaction) if update else first.respond(interaction))
    await first.remember(bot_of(interaction), interaction.channel_id, sent)
    await follow_all(interaction, rest)


async def follow_all(interaction: discord.Interaction, posts: list[Post]) -> None:
    """Follow-ups to the circle through the interaction's token, each remembered if a reveal."""
    bot = bot_of(interaction)
    for post in posts:
        await post.remember(bot, interaction.channel_id, await post.follow(interaction))
