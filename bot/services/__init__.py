"""Services: the one path for every move. Load, apply the core, save, return events.

The Discord cogs, the terminal game and the timers all go through here.
"""

from bot.services.bedtime import Bedtime, Clock, MoveResult, RestResult, Table
from bot.services.clock import SimClock, system_clock
from bot.services.ids import secret_id
from bot.services.safety import Safety
from bot.store import StoreGone  # raised through every service once the store has vanished

__all__ = [
    "Bedtime",
    "Clock",
    "MoveResult",
    "RestResult",
    "Safety",
    "SimClock",
    "StoreGone",
    "Table",
    "secret_id",
    "system_clock",
]
