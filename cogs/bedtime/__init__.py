"""/bedtime: what admins do. Default permission Manage Server; the host role also works."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands, ui
from discord.ext import commands

import cogs.bedtime._prompts as prompt_pages
import cogs.scheduler as scheduler
from bot.content.models import PROMPT_LONGEST, Category, Rating
from bot.core import calendar, house_rules, prompts
from bot.core.models import Campaign
from bot.core.phases import Phase
from bot.discord.lookup import NotHost, campaign_here, hosts, is_admin, is_host, key
from bot.discord.posting import note, private, send_posts
from bot.discord.presenting import posts_for
from cogs.bedtime._config import announcement, config_embed, host_role_problem, zone_choices
from cogs.bedtime._teardown import TeardownButton
from cogs.session import redraw_lobby

if TYPE_CHECKING:
    from bot.discord.client import BedtimeBot

NEEDED = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
}


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Bedtime(
    commands.GroupCog, group_name="bedtime", group_description="Run Bedtime in this server"
):
    def __init__(self, bot: BedtimeBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        campaign = None
        if interaction.guild_id is not None and interaction.channel_id is not None:
            campaign = await self.bot.service.campaign(interaction.guild_id, interaction.channel_id)
        if await is_host(interaction, campaign):
            return True
        raise NotHost("Only admins (Manage Server) or the campaign's host role can do that.")

    @app_commands.command(
        description="Create the campaign in a channel, and check the bot's permissions there"
    )
    @app_commands.describe(
        channel="The channel the circle meets in",
        timezone="An IANA time zone, such as Europe/Berlin",
    )
    async def setup(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        timezone: str | None = None,
    ) -> None:
        if not is_admin(interaction):  # a host role is power over its own campaign only
            raise NotHost("Creating a campaign needs the Manage Server permission.")
        zone = house_rules.parse_timezone(timezone) if timezone else None
        resolved = interaction.guild.get_channel(channel.id) if interaction.guild else None
        me = interaction.guild.me if interaction.guild else None
        if isinstance(resolved, discord.TextChannel) and me is not None:
            allowed = resolved.permissions_for(me)
            missing = [label for name, label in NEEDED.items() if not getattr(allowed, name)]
            if missing:
                await private(
                    interaction,
                    f"I can't play in {channel.mention} yet. Give me: {', '.join(missing)}.",
                )
                return
        assert interaction.guild_id is not None
        campaign = await self.bot.service.setup(interaction.guild_id, channel.id, key(interaction))
        if zone:
            campaign = await self.bot.service.configure(campaign, "timezone", zone)
        await private(
            interaction,
            f"🌙 Bedtime lives in {channel.mention} now. Use `/bedtime open` there when the circle "
            "gathers, and `/bedtime config` to change the house rules.",
        )

    @setup.autocomplete("timezone")
    async def _zones(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return zone_choices(current)

    @app_commands.command(description="The monthly rule, e.g. first Saturday 21:00 Europe/Berlin")
    @app_commands.describe(
        week="Which week of the month",
        weekday="Which day",
        time="HH:MM on a 24-hour clock",
        timezone="An IANA time zone (the campaign's by default)",
    )
    @app_commands.choices(
        week=[app_commands.Choice(name=w, value=w) for w in calendar.WEEKS],
        weekday=[app_commands.Choice(name=d, value=d) for d in calendar.WEEKDAYS],
    )
    async def schedule(
        self,
        interaction: discord.Interaction,
        week: app_commands.Choice[str],
        weekday: app_commands.Choice[str],
        time: str,
        timezone: str | None = None,
    ) -> None:
        campaign = await campaign_here(interaction)
        result = await self.bot.service.calendar.schedule(
            campaign, week.value, weekday.value, time, timezone, key(interaction)
        )
        await send_posts(interaction, [announcement(self.bot, result, "🗓 The monthly ritual")])
        await self._sync_event(interaction, result.circle.campaign)

    @schedule.autocomplete("timezone")
    async def _schedule_zones(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return zone_choices(current)

    @app_commands.command(description="Skip the next scheduled session")
    async def skip(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_here(interaction)
        result = await self.bot.service.calendar.skip(campaign, key(interaction))
        await send_posts(interaction, [announcement(self.bot, result, "⏭ A month off")])
        await self._sync_event(interaction, result.circle.campaign)

    async def _sync_event(self, interaction: discord.Interaction, campaign: Campaign) -> None:
        try:
            await scheduler.sync_event(self.bot, campaign)
        except scheduler.EventTrouble as trouble:
            await interaction.followup.send(f"⚠ {trouble}", ephemeral=True)

    @app_commands.command(description="Open the lobby now")
    async def open(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_here(interaction)
        result = await self.bot.service.open(campaign, key(interaction))
        await send_posts(interaction, posts_for(self.bot, result))

    @app_commands.command(description="Close the lobby and start dreaming")
    async def start(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_here(interaction)
        result = await self.bot.service.start(campaign, key(interaction))
        await send_posts(interaction, posts_for(self.bot, result))

    @app_commands.command(description="Force the glitch now")
    async def glitch(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_here(interaction)
        result = await self.bot.service.force_glitch(campaign, key(interaction))
        await send_posts(interaction, posts_for(self.bot, result))

    @app_commands.command(description="Emergency protocol: hard reset of the Mesh")
    async def reset(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_here(interaction)
        result = await self.bot.service.reset(campaign, key(interaction))
        await send_posts(interaction, posts_for(self.bot, result))

    @app_commands.command(description="Dawn now: outcomes and chronicle")
    async def end(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_here(interaction)
        result = await self.bot.service.end(campaign, key(interaction))
        await send_posts(interaction, posts_for(self.bot, result))

    @app_commands.command(description="Remove a dreamer from the current session")
    @app_commands.describe(member="The dreamer to remove")
    async def kick(self, interaction: discord.Interaction, member: discord.Member) -> None:
        campaign = await campaign_here(interaction)
        result = await self.bot.service.kick(campaign, member.id, key(interaction))
        await send_posts(interaction, posts_for(self.bot, result) or [note("Removed.")])
        if result.session is not None and result.session.phase is Phase.LOBBY:
            redraw_lobby(self.bot, result.circle.campaign, result.session.id)

    @app_commands.command(description="Show all settings, or change one")
    @app_commands.describe(setting="The setting to change", value="Its new value")
    async def config(
        self, interaction: discord.Interaction, setting: str | None = None, value: str | None = None
    ) -> None:
        campaign = await campaign_here(interaction)
        if setting is not None:
            if value is None:
                rule = house_rules.rules(self.bot.content).get(setting)
                hint = f" ({rule.description})" if rule else ""
                await private(interaction, f"Give a value for {setting[:40]}{hint}.")
                return
            if setting.strip().lower() == "host_role":
                role = house_rules.rules(self.bot.content)["host_role"].parse(value)
                problem = host_role_problem(interaction, role)
                if problem:
                    await private(interaction, problem)
                    return
            campaign = await self.bot.service.configure(campaign, setting, value, key(interaction))
        await interaction.response.send_message(
            embed=config_embed(self.bot, campaign, setting), ephemeral=True
        )

    @config.autocomplete("setting")
    async def _settings(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=f"{rule.key} — {rule.description}"[:100], value=rule.key)
            for rule in house_rules.rules(self.bot.content).values()
            if current.lower() in rule.key
        ][:25]

    @app_commands.command(description="Delete a user's data on request")
    @app_commands.describe(user="The user, even one who has left the server")
    async def forget(self, interaction: discord.Interaction, user: discord.User) -> None:
        assert interaction.guild_id is not None
        # Across the server for Manage Server; a host reaches only the campaigns they host.
        only = None
        where = "this server"
        if not is_admin(interaction):
            campaigns = await self.bot.service.campaigns_in(interaction.guild_id)
            only = {c.id for c in campaigns if hosts(interaction, c)}
            where = "the campaigns you host"
        forgotten = await self.bot.safety.forget(
            user.id, interaction.guild_id, only, key(interaction)
        )
        await private(
            interaction,
            f"Done: their characters, bonds, boundaries and kept confessions in {where} are "
            "deleted, and past chronicles speak of “a dreamer who has left”."
            if forgotten
            else f"Bedtime has nothing stored about that user in {where}.",
        )

    prompts = app_commands.Group(name="prompts", description="The campaign's own prompts")

    @prompts.command(name="add", description="Add a custom prompt")
    @app_commands.describe(
        category="What kind of confession it asks for",
        text=f"The prompt, at most {PROMPT_LONGEST} characters; {{other}} names another dreamer",
        rating="How intense it is (gentle by default)",
        topics="Topic keys it touches, separated by commas",
    )
    @app_commands.choices(
        category=[app_commands.Choice(name=c.value, value=c.value) for c in Category],
        rating=[app_commands.Choice(name=r.value, value=r.value) for r in Rating],
    )
    async def prompts_add(
        self,
        interaction: discord.Interaction,
        category: app_commands.Choice[str],
        text: app_commands.Range[str, 1, PROMPT_LONGEST],
        rating: app_commands.Choice[str] | None = None,
        topics: str | None = None,
    ) -> None:
        campaign = await campaign_here(interaction)
        fields = {
            "category": category.value,
            "text": text,
            "rating": rating.value if rating else "gentle",
            "topics": topics or "",
        }
        added = await self.bot.safety.add_prompt(campaign, fields, key(interaction))
        await private(
            interaction,
            f"Added `{added.id}` ({added.category.value}, {added.rating.value}): "
            f"{discord.utils.escape_markdown(added.text)}",
        )

    @prompts_add.autocomplete("topics")
    async def _topics(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return prompt_pages.topic_choices(self.bot, current)

    @prompts.command(name="remove", description="Remove a custom prompt")
    @app_commands.describe(prompt="The prompt to remove")
    async def prompts_remove(self, interaction: discord.Interaction, prompt: str) -> None:
        campaign = await campaign_here(interaction)
        removed = await self.bot.safety.remove_prompt(campaign, prompt.strip(), key(interaction))
        await private(interaction, f"Removed: {discord.utils.escape_markdown(removed.text)}")

    @prompts_remove.autocomplete("prompt")
    async def _own_prompts(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None or interaction.channel_id is None:
            return []
        campaign = await self.bot.service.campaign(interaction.guild_id, interaction.channel_id)
        if campaign is None:
            return []
        return prompt_pages.choices(await self.bot.safety.prompts(campaign), current)

    @prompts.command(name="list", description="List the campaign's prompts, paged")
    async def prompts_list(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_here(interaction)
        post = await prompt_pages.listing(self.bot, campaign, 1)
        await post.respond(interaction, ephemeral=True)

    @prompts.command(name="import", description="Import a prompt pack from a JSON or TOML file")
    @app_commands.describe(file="A .json or .toml file of prompts, at most 256 KiB")
    async def prompts_import(
        self, interaction: discord.Interaction, file: discord.Attachment
    ) -> None:
        campaign = await campaign_here(interaction)
        prompts.check_file(file.filename, file.size)  # before downloading it
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await file.read()
        except discord.HTTPException:
            await private(interaction, "I couldn't download that file. Please try again.")
            return
        added = await self.bot.safety.import_prompts(
            campaign, data, file.filename, key(interaction)
        )
        await private(
            interaction,
            f"Imported {len(added)} prompt{'s' if len(added) != 1 else ''}. "
            "See them with `/bedtime prompts list`.",
        )

    @app_commands.command(description="Delete the campaign in this channel, after a confirmation")
    async def teardown(self, interaction: discord.Interaction) -> None:
        campaign = await campaign_here(interaction)
        view = ui.View(timeout=None)
        view.add_item(TeardownButton(campaign.id))
        await interaction.response.send_message(
            "Delete this channel's campaign, its characters, chronicle and everything stored? "
            "This can't be undone.",
            view=view,
            ephemeral=True,
        )


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(TeardownButton, prompt_pages.PromptPage)
    await bot.add_cog(Bedtime(bot))  # type: ignore[arg-type]
