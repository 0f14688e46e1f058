"""Logging: the bot's own level from LOG_LEVEL; discord.py's loggers never below INFO.

At DEBUG, discord.http and discord.gateway log whole request and event bodies, and those hold
confession text. So they stay at INFO or above whatever LOG_LEVEL says.
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


def configure(level: int) -> None:
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("discord").setLevel(max(level, logging.INFO))
    for noisy in ("discord.http", "discord.gateway", "discord.client", "discord.state"):
        logging.getLogger(noisy).setLevel(max(level, logging.INFO))
    logging.getLogger("aiosqlite").setLevel(max(level, logging.INFO))
