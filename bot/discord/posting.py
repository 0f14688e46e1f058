"""Messages: a Post is one message to send (embeds, controls, perhaps a picture), and the ways
to send it: as an interaction's answer, as a follow-up, or as an edit."""

from __future__ import annotations

import asyncio
import io
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord
from discord.utils import MISSING

from bot.content.models import Content
from bot.core.models import ChronicleEntry, Circle
from bot.discord.lookup import bot_of
from bot.render import constellation

if TYPE_CHECKING:
    from bot.discord.client import BedtimeBot


UNKNOWN_INTERACTION = 10062  # Discord's code for an interaction it has forgotten (after 3 s)
ALREADY_ANSWERED = 40060  # and for one answered already

log = logging.getLogger(__name__)


class Forgotten(Exception):
    """Discord forgot the interaction (it was not acknowledged within 3 seconds): it refuses
    every answer through it, so none is sent."""


def forget(interaction: discord.Interaction) -> None:
    """Note that Discord refused the interaction's acknowledgement as too late."""
    interaction.extras["forgotten"] = True


def forgotten(interaction: discord.Interaction) -> bool:
    return bool(interaction.extras.get("forgotten"))


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


def picture_of(
    content: Content, entry: ChronicleEntry, circle: Circle, embed: discord.Embed
) -> Picture:
    """The circle's constellation for a recap, shown as the embed's image."""
    scape = content.dreamscape_by_key.get(entry.dreamscape)
    name = scape.name if scape else entry.dreamscape
    keys = [a.key for a in content.archetypes]
    picture = Picture(
        f"constellation-{entry.number}.png",
        lambda: constellation.render(entry, circle, name, keys),
    )
    embed.set_image(url=picture.url)
    return picture


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
    joins: bool = False  # shares one message with an announcement just before it
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

    async def update(
        self, interaction: discord.Interaction, *, moves: int | None = None
    ) -> int | None:
        """Redraw the message the interaction came from (a type 7 response); a new picture
        replaces the old one. Given `moves` (how many moves of its session the drawing shows),
        the redraw takes its turn among the message's others (see `Redraws`): if a newer one
        answers for it, the interaction is only acknowledged."""
        message_id = interaction.message.id if interaction.message else None
        if moves is None or message_id is None:
            await self._update(interaction)
            return message_id
        async with bot_of(interaction).redraws.turn(message_id, moves) as newest:
            if newest:
                await self._answer_or_edit(interaction)
        if not newest:
            await acknowledge(interaction)
        return message_id

    async def _answer_or_edit(self, interaction: discord.Interaction) -> None:
        """Redraw the message as the interaction's answer. If Discord has forgotten the
        interaction, or refuses the answer, the message must still show this move, and the
        older ones this drawing answers for: it is edited through its channel, and the failure
        is raised for the player to hear of."""
        failure: Exception = Forgotten(interaction.id)
        if not forgotten(interaction):
            try:
                await self._update(interaction)
                return
            except discord.HTTPException as error:
                if error.code == ALREADY_ANSWERED:  # answered elsewhere: drawn there
                    raise
                failure = error
        if interaction.message is not None:
            try:
                await self.edit(interaction.message)
            except discord.HTTPException as error:
                log.warning("Could not redraw message %s either: %s", interaction.message.id, error)
        raise failure

    async def _update(self, interaction: discord.Interaction) -> None:
        await redraw(
            interaction,
            content=self.content,
            embeds=self.embeds,
            view=self.view,
            attachments=await self.files() if self.picture else MISSING,
        )

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

    async def edit(self, message: discord.Message | discord.PartialMessage) -> None:
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


class Redraws:
    """The order of the redraws of a message that many dreamers change at once: a round, a
    reveal, a lobby. Each drawing shows its session as of some number of moves. Under load
    several are in flight at once, and one that lands after a newer one would show the message
    going back, even a round's buttons after it resolved. So a message's redraws go one at a
    time, and a drawing older than one drawn, waiting its turn, or `coming` (its move made,
    its answer not yet begun) is skipped: the newer one answers for it, and a burst's four
    presses of a round cost one edit."""

    def __init__(self, remembered: int = 20_000, kept: int = 1_000) -> None:
        self.remembered = remembered
        # message id -> the moves of the newest drawing sent or waiting its turn
        self.newest: OrderedDict[int, int] = OrderedDict()
        self._turns: dict[int, tuple[asyncio.Lock, int]] = {}  # lock, and how many use it
        self.kept = kept
        # message id -> what it showed above its last part, for a redraw from elsewhere
        self._above: OrderedDict[int, list[discord.Embed]] = OrderedDict()

    def keep_above(self, message: discord.Message) -> None:
        """Remember what the message shows above its last embed (a round's: the last round's
        story), for a redraw that starts somewhere it cannot be seen: a private menu."""
        self._above[message.id] = message.embeds[:-1]
        self._above.move_to_end(message.id)
        while len(self._above) > self.kept:
            self._above.popitem(last=False)

    def above(self, message_id: int) -> list[discord.Embed]:
        return self._above.get(message_id, [])

    def superseded(self, message_id: int, moves: int) -> bool:
        return self.newest.get(message_id, -1) > moves

    def coming(self, message_id: int, moves: int) -> None:
        """A drawing showing this many moves will take its turn: older ones can be skipped."""
        if not self.superseded(message_id, moves):
            self.newest[message_id] = moves
            self.newest.move_to_end(message_id)
            while len(self.newest) > self.remembered:
                self.newest.popitem(last=False)

    @asynccontextmanager
    async def turn(self, message_id: int, moves: int) -> AsyncIterator[bool]:
        """Wait for this drawing's turn; whether to send it (False: a newer one answers)."""
        if self.superseded(message_id, moves):
            yield False
            return
        self.coming(message_id, moves)
        lock, users = self._turns.get(message_id, (None, 0))
        lock = lock or asyncio.Lock()
        self._turns[message_id] = (lock, users + 1)
        try:
            async with lock:
                yield not self.superseded(message_id, moves)
        finally:
            lock, users = self._turns[message_id]
            if users == 1:
                del self._turns[message_id]
            else:
                self._turns[message_id] = (lock, users - 1)

    async def edit(self, message: discord.PartialMessage, post: Post, moves: int) -> None:
        """Edit the message to the post, showing this many moves, in its turn."""
        async with self.turn(message.id, moves) as newest:
            if newest:
                await post.edit(message)


async def redraw(interaction: discord.Interaction, **fields: Any) -> None:
    """Edit the message a component is on: as the answer, or after it if the interaction was
    acknowledged while its move waited."""
    if interaction.response.is_done():
        await interaction.edit_original_response(**fields)
    else:
        await interaction.response.edit_message(**fields)


async def acknowledge(interaction: discord.Interaction) -> None:
    """Answer a component's interaction with no change to its message, unless answered (or
    forgotten: then there is no one to answer)."""
    if not interaction.response.is_done() and not forgotten(interaction):
        await interaction.response.defer()


async def private(interaction: discord.Interaction, text: str) -> None:
    """A private reply, as the response or, once answered, as a follow-up."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True)
    else:
        await interaction.response.send_message(text, ephemeral=True)


def note(text: str, colour: int = 0x8E7CC3) -> Post:
    """A short message of the bot's own."""
    return Post([discord.Embed(description=text, colour=colour)])


async def send_posts(
    interaction: discord.Interaction,
    posts: list[Post],
    *,
    update: bool = False,
    moves: int | None = None,
) -> None:
    """The first post answers the interaction (updating the clicked message if asked, in its
    turn if it shows `moves`); the rest follow. Follow-ups go through the interaction's token,
    not the channel's rate limit."""
    if not posts:
        return
    first, rest = posts[0], posts[1:]
    sent = await (first.update(interaction, moves=moves) if update else first.respond(interaction))
    await first.remember(bot_of(interaction), interaction.channel_id, sent)
    await follow_all(interaction, rest)


async def follow_all(interaction: discord.Interaction, posts: list[Post]) -> None:
    """Follow-ups to the circle through the interaction's token, each remembered if a reveal."""
    bot = bot_of(interaction)
    for post in posts:
        await post.remember(bot, interaction.channel_id, await post.follow(interaction))
