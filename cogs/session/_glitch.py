"""The glitch: Face your prompt, the private prompt with Answer, Pass and X, and the confession
modal. Nothing a dreamer presses here is told to the circle with their name."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import ui

from bot.core.errors import Stale
from bot.core.events import GlitchBegan, Passed, Softened, first
from bot.core.models import ConfessionStatus
from bot.core.phases import Phase
from bot.discord.controls import CONFESSION, SESSION, Control, modal, modal_id, number
from bot.discord.lookup import bot_of, campaign_here, key
from bot.discord.posting import Post, follow_all, private, redraw
from bot.discord.presenting import Scene, posts_for, presents
from bot.discord.timing import dreamer_move, in_time
from bot.render import embeds
from bot.services import MoveResult

PRIVATE = "Keep it private"
SHARE = "Share it with the circle"


class FaceButton(
    Control[ui.Button[Any]],
    prefix="face",
    parts=(SESSION, number("glitch")),
    where="Face your prompt",
):
    def __init__(self, session_id: str, glitch: int) -> None:
        super().__init__(
            ui.Button(
                label="Face your prompt",
                emoji="🕯",
                style=discord.ButtonStyle.danger,
                custom_id=self.make_id(session_id, glitch),
            )
        )
        self.session_id, self.glitch = session_id, glitch

    async def pressed(self, interaction: discord.Interaction) -> None:
        post = await prompt_post(interaction, self.session_id)
        await post.respond(interaction, ephemeral=True)


async def prompt_post(interaction: discord.Interaction, session_id: str, note: str = "") -> Post:
    """The dreamer's current prompt, privately: always the current deal."""
    bot = bot_of(interaction)
    campaign = await campaign_here(interaction)
    table = await bot.service.table(campaign)
    if table.session is None or table.session.id != session_id:
        raise Stale("That glitch is over.")
    confession, prompt = await bot.service.my_prompt(campaign, interaction.user.id)
    cast = embeds.cast_for(bot.content, table.circle)
    other = cast.name(confession.other) if confession.other else "someone"
    embed = discord.Embed(
        title=f"Your prompt · {prompt.category.value}",
        description=prompt.text.format(other=other),
        colour=embeds.COLOURS[Phase.CONFESSING],
    )
    if note:
        embed.set_footer(text=note)
    if confession.status is not ConfessionStatus.DEALT:
        embed.add_field(name="Done", value="You have already answered. Thank you.")
        return Post([embed], None)
    view = ui.View(timeout=None)
    view.add_item(AnswerButton(session_id, confession.id))
    view.add_item(PassButton(session_id, confession.id))
    view.add_item(SoftenButton(session_id, len(table.session.glitches)))
    return Post([embed], view)


class AnswerButton(
    Control[ui.Button[Any]], prefix="answer", parts=(SESSION, CONFESSION), where="Answer"
):
    def __init__(self, session_id: str, confession_id: str) -> None:
        super().__init__(
            ui.Button(
                label="Answer",
                emoji="✍",
                style=discord.ButtonStyle.primary,
                custom_id=self.make_id(session_id, confession_id),
            )
        )
        self.session_id, self.confession_id = session_id, confession_id

    async def pressed(self, interaction: discord.Interaction) -> None:
        longest = bot_of(interaction).content.rules.confession_max_chars
        await interaction.response.send_modal(
            ConfessionModal(self.session_id, self.confession_id, longest)
        )


class ConfessionModal(ui.Modal):
    def __init__(self, session_id: str, confession_id: str, max_chars: int) -> None:
        super().__init__(
            title="Your confession", custom_id=modal_id("confess", session_id, confession_id)
        )
        self.add_item(
            ui.TextInput(
                label="Your answer",
                style=discord.TextStyle.paragraph,
                min_length=1,
                max_length=max_chars,
                custom_id="text",
            )
        )
        choice: ui.Select[Any] = ui.Select(
            custom_id="share",
            options=[
                discord.SelectOption(
                    label=SHARE, value="share", description="Revealed without your name"
                ),
                discord.SelectOption(
                    label=PRIVATE, value="private", description="Nobody ever sees it", default=True
                ),
            ],
        )
        self.add_item(ui.Label(text="Who sees it?", component=choice))


@modal("confess", SESSION, CONFESSION)
async def on_confession(
    interaction: discord.Interaction, match: re.Match[str], values: dict[str, Any]
) -> None:
    bot = bot_of(interaction)
    campaign = await campaign_here(interaction)
    share = "share" in (values.get("share") or [])
    result = await in_time(
        interaction,
        bot.service.answer(
            campaign,
            interaction.user.id,
            str(values.get("text", "")),
            share=share,
            key=key(interaction),
            session_id=match["session"],
        ),
    )
    thanks = (
        "Shared with the circle, without your name."
        if share
        else "Kept private. Nobody will ever read it."
    )
    await glitch_moved(interaction, result, f"Thank you. {thanks}")


class PassButton(Control[ui.Button[Any]], prefix="pass", parts=(SESSION, CONFESSION), where="Pass"):
    def __init__(self, session_id: str, confession_id: str) -> None:
        super().__init__(
            ui.Button(
                label="Pass",
                style=discord.ButtonStyle.secondary,
                custom_id=self.make_id(session_id, confession_id),
            )
        )
        self.session_id = session_id

    async def pressed(self, interaction: discord.Interaction) -> None:
        service = bot_of(interaction).service
        result = await dreamer_move(interaction, service.pass_prompt, self.session_id)
        await glitch_moved(
            interaction,
            result,
            "You passed. To everyone else it looks exactly like a private answer.",
        )


class SoftenButton(
    Control[ui.Button[Any]], prefix="x", parts=(SESSION, number("glitch")), where="X"
):
    def __init__(self, session_id: str, glitch: int) -> None:
        super().__init__(
            ui.Button(
                label="X",
                style=discord.ButtonStyle.secondary,
                custom_id=self.make_id(session_id, glitch),
            )
        )
        self.session_id = session_id

    async def pressed(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        result = await dreamer_move(interaction, bot.service.soften, self.session_id)
        if first(result.events, Passed):
            await glitch_moved(
                interaction, result, "X has been used up for this glitch, so you passed quietly."
            )
            return
        softened = [e for e in result.events if isinstance(e, Softened)]
        if not softened:
            await private(interaction, "You have already answered; thank you.")
            return
        post = await prompt_post(
            interaction, self.session_id, "Everyone still to answer now has a gentler prompt."
        )
        await post.update(interaction)
        # Told through the channel, not this interaction, so nothing ties it to the presser.
        channel = interaction.channel
        if isinstance(channel, discord.abc.Messageable):
            cast = embeds.cast_for(bot.content, result.circle)
            embed = embeds.events_embed(cast, Phase.CONFESSING, "✕ Softer ground", [*softened])
            if embed is not None:
                await channel.send(embed=embed)


async def glitch_moved(interaction: discord.Interaction, result: MoveResult, thanks: str) -> None:
    """Thank the dreamer privately; if that settled the glitch, reveal to the circle."""
    bot = bot_of(interaction)
    done = discord.Embed(description=thanks, colour=embeds.COLOURS[Phase.CONFESSING])
    if interaction.message is not None and interaction.message.flags.ephemeral:
        await redraw(interaction, embeds=[done], view=None)
    else:
        await Post([done]).respond(interaction, ephemeral=True)
    await follow_all(interaction, posts_for(bot, result))


def glitch_view(session_id: str, glitch: int) -> ui.View:
    view = ui.View(timeout=None)
    view.add_item(FaceButton(session_id, glitch))
    return view


@presents(GlitchBegan)
def _began(event: GlitchBegan, scene: Scene) -> Post | None:
    if scene.session.phase is not Phase.CONFESSING:
        return None
    embed = embeds.glitch_embed(scene.cast, scene.session, scene.events)
    return Post([embed], glitch_view(scene.session.id, len(scene.session.glitches)))
