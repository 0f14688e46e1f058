"""The Discord client: fewest intents, no pings, and a start-up that owns its resources."""

from __future__ import annotations

import asyncio
import gc
import logging
import random
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.content import Content
from bot.core.move import Ids
from bot.discord.controls import submitted
from bot.discord.failures import fail, finished
from bot.discord.posting import Redraws
from bot.discord.timing import TOKEN_LIFE, Deferred, LoopLag, first_time
from bot.services import Bedtime, Clock, Safety, secret_id, system_clock
from bot.settings import Settings
from bot.store import open_store

if TYPE_CHECKING:
    from bot.store.choice import AnyStore

log = logging.getLogger(__name__)

# One extension per feature; each registers its commands, controls, modals and presenters.
EXTENSIONS = (
    "cogs.session",
    "cogs.dream",
    "cogs.bedtime",
    "cogs.chronicle",
    "cogs.sheet",
    "cogs.privacy",
    "cogs.scheduler",
)


def point_at(settings: Settings) -> None:
    """Send discord.py's REST and gateway traffic where the settings say (Discord by default)."""
    discord.http.Route.BASE = str(settings.discord_api_base_url).rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(str(settings.discord_gateway_url))


def intents() -> discord.Intents:
    # Guilds only: channels and roles for permission checks. No privileged intent: interactions
    # carry the member who acted, and the bot never reads message content or member lists.
    return discord.Intents(guilds=True)


class Tree(app_commands.CommandTree["BedtimeBot"]):
    """The front door and the one error path for every slash command."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # discord.py asks the tree before running any command: a repeat is dropped here.
        return first_time(interaction)

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.qualified_name if interaction.command else "a command"
        await fail(interaction, error, f"/{name}")
        await finished(interaction, told=False)


class BedtimeBot(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        content: Content,
        *,
        clock: Clock = system_clock,
        rng: random.Random | None = None,
        ids: Ids = secret_id,
        guild_ready_timeout: float = 2.0,
        sync_on_start: bool = True,
        run_timers: bool = True,
        open_store: bool = True,
        **sharding: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=guild_ready_timeout,
            tree_cls=Tree,
            **sharding,
        )
        self.settings = settings
        self.content = content
        self.clock = clock
        self.rng = rng or random.Random()
        self.ids = ids
        self.sync_on_start = sync_on_start
        self.run_timers = run_timers
        # `python -m bot sync` only registers commands: it must not touch a running bot's store.
        self.open_store = open_store
        self.database: AnyStore | None = None
        # Interactions (ids, and keys of changes reloaded at start) already taken up.
        self.taken: OrderedDict[int | str, None] = OrderedDict()
        self.lag = LoopLag()  # how late the event loop runs: a burst, before any queue shows it
        self.deferred = Deferred()  # the moves and answers behind acknowledgements
        self.redraws = Redraws()  # the order of redraws of the messages dreamers share
        self.in_flight = 0  # controls taken up and not yet answered
        self._service: Bedtime | None = None
        self._safety: Safety | None = None
        self._max_concurrency: int | None = None  # Discord's IDENTIFY buckets, once asked
        self.exit_code = 0  # 1 once the bot stops because it lost its hold on the store
        self._closing: asyncio.Task[None] | None = None

    @property
    def service(self) -> Bedtime:
        assert self._service is not None, "the store opens in setup_hook"
        return self._service

    @property
    def safety(self) -> Safety:
        assert self._safety is not None, "the store opens in setup_hook"
        return self._safety

    async def setup_hook(self) -> None:
        self.lag.start()
        if self.open_store:
            await self._open_store()
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        # What start-up loaded (content, cogs, persistent views) lives as long as the process:
        # out of the collector's sight, a full collection under load has less to walk.
        gc.freeze()
        if self.sync_on_start and self.settings.dev_guild_id:
            guild = discord.Object(self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("Synced %d commands to the development guild", len(synced))

    async def _open_store(self) -> None:
        settings = self.settings
        self.database = await open_store(
            settings.store, settings.confession_keys_path, shards=settings.shards
        )
        self._service = Bedtime(self.database, self.content, self.clock, self.rng, self.ids)
        self._safety = Safety(self._service.context)
        await self._service.context.live.listen()
        self.database.on_lost(self._lost_hold)
        for taken in await self._service.recent_keys(TOKEN_LIFE):
            self.taken[taken] = None
        released = await self._service.deliveries.recover()
        if released:
            log.info("Posting %d message(s) a stopped process owed its circles", released)

    def _lost_hold(self) -> None:
        """The connection holding this process's shards is gone (a PostgreSQL restart, a
        network cut): another process may take them now, and two on one shard would answer
        twice. Stop at once, failed, for the cluster or the service manager to start again."""
        log.error(
            "Lost the database connection that holds this process's shards; stopping so that "
            "a restart takes them again"
        )
        self.exit_code = 1
        self._closing = asyncio.get_running_loop().create_task(self.close())  # kept: not GC'd

    async def close(self) -> None:
        self.lag.stop()
        await super().close()
        if self.database is not None:
            await self.database.close()
            self.database = None

    async def on_ready(self) -> None:
        log.info("Ready as %s in %d guild(s)", self.user, len(self.guilds))

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Discord takes one IDENTIFY per concurrency bucket every 5 seconds, across every
        process of the bot: wait for this shard's bucket's turn (kept in the store, which
        every process shares)."""
        if self.database is None:  # only syncing commands: no gateway session
            await super().before_identify_hook(shard_id, initial=initial)
            return
        if self._max_concurrency is None:
            _, _, limits = await self.http.get_bot_gateway()
            self._max_concurrency = max(1, int(limits.get("max_concurrency") or 1))
            if int(limits.get("remaining", 1)) < 1:
                # One IDENTIFY more and Discord resets the token: wait for the day's allowance.
                wait = float(limits.get("reset_after") or 0) / 1000
                log.error(
                    "Discord allows this bot no more gateway sessions today (1,000 a day across "
                    "every process: is one restarting in a loop?). Waiting %.0f s for the "
                    "allowance to reset, rather than have Discord reset the token.",
                    wait,
                )
                await asyncio.sleep(wait)
        bucket = (shard_id or 0) % self._max_concurrency
        await self.database.identify_turn(bucket, self.settings.identify_interval)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every modal submit is routed from its custom id, with or without a restart."""
        if interaction.type is discord.InteractionType.modal_submit:
            await submitted(interaction)

    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: object
    ) -> None:
        await finished(interaction, told=True)


class ShardedBedtimeBot(BedtimeBot, commands.AutoShardedBot):
    """The bot for a process that runs some of the bot's gateway shards (SHARD_IDS of
    SHARD_COUNT), and so owns their guilds."""

    def __init__(self, settings: Settings, content: Content, **options: Any) -> None:
        assert settings.shard_count is not None
        super().__init__(
            settings,
            content,
            shard_count=settings.shard_count,
            shard_ids=list(settings.shards.ids),
            **options,
        )

    async def on_shard_ready(self, shard_id: int) -> None:
        log.info("Shard %d of %d is ready", shard_id, self.settings.shard_count)


def make_bot(settings: Settings, content: Content, **options: Any) -> BedtimeBot:
    """The bot the settings ask for: sharded when SHARD_COUNT is set."""
    if settings.sharded:
        return ShardedBedtimeBot(settings, content, **options)
    return BedtimeBot(settings, content, **options)


async def sync_commands(
    bot: commands.Bot, dev_guild_id: int | None
) -> list[app_commands.AppCommand]:
    if dev_guild_id:
        guild = discord.Object(dev_guild_id)
        bot.tree.copy_global_to(guild=guild)
        return await bot.tree.sync(guild=guild)
    return await bot.tree.sync()
