"""Running the bot: start-up, clean shutdown on SIGINT/SIGTERM, and syncing the commands."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot import logs
from bot.content import load_content
from bot.discord.client import BedtimeBot, make_bot, point_at, sync_commands
from bot.settings import Settings
from bot.store.lock import InstanceLock

log = logging.getLogger(__name__)


def prepare(settings: Settings, *, serving: bool = True) -> BedtimeBot:
    logs.configure(settings.log_level_number)
    point_at(settings)
    if serving:
        return make_bot(settings, load_content())
    return BedtimeBot(
        settings, load_content(), sync_on_start=False, run_timers=False, open_store=False
    )


async def serve(settings: Settings) -> int:
    """Run until Discord closes the connection or a signal asks us to stop. Returns the exit
    code: 1 if the bot stopped because it lost its hold on the store."""
    assert settings.discord_token is not None
    token = settings.discord_token.get_secret_value()
    if settings.database_url is not None:
        return await _serve(settings, token)  # PostgreSQL's own locks keep a second bot off
    with InstanceLock(settings.database_path):
        return await _serve(settings, token)


async def _serve(settings: Settings, token: str) -> int:
    bot = prepare(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for name in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(name, stop.set)
    async with bot:
        running = asyncio.create_task(bot.start(token))
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stopping in done:
            log.info("Shutting down")
            await bot.close()
            # Start-up can be waiting (an IDENTIFY's turn, say) where closing does not reach.
            finished, _ = await asyncio.wait({running}, timeout=5)
            if not finished:
                running.cancel()
        else:
            stopping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    return bot.exit_code


async def sync(settings: Settings) -> list[str]:
    """Log in, sync the slash commands, and say what was synced."""
    assert settings.discord_token is not None
    bot = prepare(settings, serving=False)
    async with bot:
        await bot.login(settings.discord_token.get_secret_value())
        synced = await sync_commands(bot, settings.dev_guild_id)
    return [f"/{command.name}" for command in synced]
