"""/dream: what players do. Each command parses, calls a service, and renders the result."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands, ui
from discord.ext import commands

import cogs.privacy as privacy
from bot.content.models import NAME_LONGEST, Action, Content
from bot.core.events import Joined, first
from bot.core.phases import Phase
from bot.discord.lookup import campaign_for_player, campaign_here, key
from bot.discord.posting import Post, note, private, send_posts
from bot.discord.presenting import posts_for
from bot.render import embeds
from cogs.chronicle import chronicle_page
from cogs.session import announce_join, heard_note, join, redraw_lobby
from cogs.sheet import sheet_view

if TYPE_CHECKING:
    from bot.discord.client import BedtimeBot

HELP = """\
**Bedtime** is a monthly dream the circle shares.

**Join** the lobby with the button on the “Bedtime is here” message, or `/dream join`. \
New dreamers pick an archetype and a name; your character comes back every month.
**Each round** choose one action: {actions}, or your ✨ Signature (once a session). \
If you don't choose, you linger. Adrift, you can only {adrift}, until {rescue} {rescuing} \
aimed at you in one session bring you back.
**When the Mesh glitches**, press *Face your prompt*. Answer and share, answer and keep it \
private, or pass: a pass looks exactly like a private answer. **X** gives everyone gentler \
prompts, and nobody learns who pressed it. Shared confessions are revealed without names; \
press *I hear you* for the ones that reach you.
**At dawn** bonds, lucidity and arcs change, and the chronicle remembers.
Between sessions, `/dream rest` logs real rest: {rests} rests make you *Rested*.
`/dream status`, `/dream sheet` and `/dream chronicle` show where things stand.
**Your safety:** `/dream boundaries` privately sets topics never to reach you (lines) or only \
gently (veils). `/dream mydata` shows what is stored about you; `/dream forget-me` deletes it."""


def help_text(content: Content) -> str:
    """How to play, with the actions as the content defines them."""

    def named(action: Action) -> str:
        aimed = " with someone" if action.effect.needs_target else ""
        return f"{action.emoji} {action.label}{aimed}".strip()

    rescuing = " or ".join(a.label for a in content.actions if a.rule == "rescue")
    return HELP.format(
        actions=", ".join(named(a) for a in content.actions),
        adrift=" or ".join(a.label for a in content.actions if a.while_adrift),
        rescue=content.rules.rescue.shares,
        rescuing=f"{rescuing} actions" if rescuing else "actions",
        rests=content.rules.rest.rests_for_rested,
    )


@app_commands.guild_only()
class Dream(commands.GroupCog, group_name="dream", group_description="Play Bedtime"):
    def __init__(self, bot: BedtimeBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="help", description="How to play, briefly")
    async def help_(self, interaction: discord.Interaction) -> None:
        text = help_text(self.bot.content)
        embed = discord.Embed(title="How to play Bedtime", description=text, colour=0x8E7CC3)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(description="Join the open lobby, or the session under way")
    @app_commands.describe(
        archetype="For a new character: who you are in the dream",
        name="For a new character: their name",
    )
    async def join(
        self,
        interaction: discord.Interaction,
        archetype: str | None = None,
        name: app_commands.Range[str, 1, NAME_LONGEST] | None = None,
    ) -> None:
        campaign = await campaign_here(interaction)
        result = await join(interaction, campaign, None, archetype, name)
        joined = first(result.events, Joined)
        if joined is None or result.session is None:
            await private(interaction, "You are in.")
            return
        await announce_join(interaction, result, update=False)

    @join.autocomplete("archetype")
    async def _archetypes(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.lower()
        return [
            app_commands.Choice(name=a.name, value=a.key)
            for a in self.bot.content.archetypes
            if needle in a.name.lower() or needle in a.key
        ][:25]

    @app_commands.command(description="Leave the lobby, or step out of the current session")
    async def leave(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_here(interaction)
        result = await self.bot.service.leave(campaign, interaction.user.id, key(interaction))
        out = posts_for(self.bot, result)
        await send_posts(interaction, out or [note("You stepped out.")])
        if result.session is not None and result.session.phase is Phase.LOBBY:
            redraw_lobby(self.bot, result.circle.campaign, result.session.id)

    @app_commands.command(description="Phase, scene, stability, round, who has acted, deadlines")
    async def status(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_here(interaction)
        table = await self.bot.service.table(campaign)
        cast = embeds.cast_for(self.bot.content, table.circle)
        await interaction.response.send_message(
            embed=embeds.status_embed(cast, table.session), ephemeral=True
        )

    @app_commands.command(
        description="A character sheet: archetype, lucidity, bonds, arc, conditions"
    )
    @app_commands.describe(player="Whose sheet (yours by default)")
    async def sheet(
        self, interaction: discord.Interaction, player: discord.Member | None = None
    ) -> None:
        campaign = await campaign_for_player(interaction)
        who = player or interaction.user
        table = await self.bot.service.table(campaign)
        owner = await self.bot.service.player(who.id)
        character = table.circle.character_of(owner.id) if owner else None
        if character is None:
            mine = who.id == interaction.user.id
            await private(
                interaction,
                "You have no character yet. Join a session to make one."
                if mine
                else "They have no character in this campaign.",
            )
            return
        cast = embeds.cast_for(self.bot.content, table.circle)
        post = Post([embeds.sheet_embed(cast, character)])
        if who.id == interaction.user.id:  # what only the owner sees
            post.view = sheet_view(campaign.id)
            heard = await self.bot.service.heard(campaign, who.id, table)
            if heard is not None:
                post.embeds[0].add_field(
                    name="Heard (only you see this)",
                    value=f"{heard_note(heard)} the last time you shared a confession.",
                    inline=False,
                )
        await post.respond(interaction, ephemeral=True)

    @app_commands.command(description="Log genuine rest between sessions")
    async def rest(self, interaction: discord.Interaction) -> None:
        result = await self.bot.service.rest(
            interaction.user.id, interaction.user.display_name, key(interaction)
        )
        rules = self.bot.content.rules.rest
        lines = ["😴 Rest logged. Sleep is part of the ritual."]
        for state in result.progress.values():
            if state.rested:
                bonus = self.bot.content.rules.stability.rested_bonus
                lines.append(
                    f"You are **Rested**: when the next session begins, the Mesh starts "
                    f"{bonus} steadier for you being there."
                )
            else:
                lines.append(
                    f"Toward Rested: {state.since_last_session}/{state.needed} rests "
                    "since the last session."
                )
        if not result.progress:
            lines.append("Join a session to bring your rest into the dream.")
        lines.append(f"You can log rest once every {rules.cooldown_hours} hours.")
        await private(interaction, "\n".join(lines))

    @app_commands.command(description="The recap of a past session (the latest by default)")
    @app_commands.describe(session="The session's number within the campaign")
    async def chronicle(
        self, interaction: discord.Interaction, session: app_commands.Range[int, 1] | None = None
    ) -> None:
        campaign = await campaign_for_player(interaction)
        post = await chronicle_page(self.bot, campaign, session)
        if post is None:
            empty = (
                "The chronicle has no such session yet." if session else "The chronicle is empty."
            )
            await private(interaction, empty)
            return
        await post.respond(interaction, ephemeral=True)

    @app_commands.command(description="Set your private lines and veils")
    async def boundaries(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_for_player(interaction)
        mine = await self.bot.safety.boundaries(campaign, interaction.user.id)
        await interaction.response.send_message(
            privacy.describe(self.bot.content, mine),
            view=privacy.boundaries_view(self.bot.content, campaign.id, mine),
            ephemeral=True,
        )

    @app_commands.command(description="Export your data as a JSON file, privately")
    async def mydata(self, interaction: discord.Interaction) -> None:
        everything = await self.bot.safety.export(interaction.user.id)
        if everything is None:
            await private(interaction, "Bedtime has nothing stored about you.")
            return
        await interaction.response.send_message(
            "Everything Bedtime stores about you. Only you can see this.",
            file=privacy.data_file(everything),
            ephemeral=True,
        )

    @app_commands.command(name="forget-me", description="Delete your data, after a confirmation")
    async def forget_me(self, interaction: discord.Interaction) -> None:
        view = ui.View(timeout=None)
        view.add_item(privacy.ForgetButton())
        await interaction.response.send_message(
            "Delete everything Bedtime stores about you, in every server: your characters, "
            "their bonds, your rest log, boundaries and any kept confessions? Past chronicles "
            "will speak of “a dreamer who has left”. This can't be undone. "
            "To keep your data, just dismiss this message.",
            view=view,
            ephemeral=True,
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Dream(bot))  # type: ignore[arg-type]
