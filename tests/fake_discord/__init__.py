"""A loopback fake Discord: REST and gateway on 127.0.0.1, for the real discord.py client.

It records every request, answers 400 / 50035 to bodies that break Discord's limits or its
OpenAPI schemas, and lets tests act as users: slash commands, autocomplete, clicks, selects
and modal submits. Each interaction is timed from INTERACTION_CREATE to the bot's callback.
"""

from tests.fake_discord.server import FakeDiscord, Fault, Sent, User

__all__ = ["FakeDiscord", "Fault", "Sent", "User"]
