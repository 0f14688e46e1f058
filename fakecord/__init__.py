"""A loopback fake Discord: REST and gateway on 127.0.0.1, for the real discord.py client.

It records every request, answers 400 / 50035 to bodies that break Discord's limits or its
OpenAPI schemas, and lets tests and benchmarks act as users: slash commands, autocomplete,
clicks, selects and modal submits. Each interaction is timed from INTERACTION_CREATE to the
bot's callback.

- `users`: the ids, the users, and what each interaction was answered;
- `state`: the guild, its channels and roles, and the messages;
- `rest`: the REST API, callbacks, webhooks, rate limits and faults;
- `gateway`: IDENTIFY, RESUME and dispatches;
- `server`: all of it put together as `FakeDiscord`.
"""

from fakecord.rest import Fault
from fakecord.server import ROOT, FakeDiscord
from fakecord.users import (
    ALL,
    APPLICATION_ID,
    BOT_ROLE,
    DEADLINE,
    EVERYONE_PERMISSIONS,
    GUILD_ID,
    HOST_ROLE,
    MANAGE_GUILD,
    VIEW_CHANNEL,
    Sent,
    User,
    describe,
)

__all__ = [
    "ALL",
    "APPLICATION_ID",
    "BOT_ROLE",
    "DEADLINE",
    "EVERYONE_PERMISSIONS",
    "GUILD_ID",
    "HOST_ROLE",
    "MANAGE_GUILD",
    "ROOT",
    "VIEW_CHANNEL",
    "FakeDiscord",
    "Fault",
    "Sent",
    "User",
    "describe",
]
