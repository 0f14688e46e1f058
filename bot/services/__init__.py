"""Services, by job: the move path (Bedtime), the calendar, the outbox (Deliveries) and
safety, each a unit of work on the store at a time: load, apply the core, save, commit.

The Discord cogs, the terminal game and the timers all go through here.
"""

from bot.services.bedtime import Bedtime
from bot.services.calendar import Calendar
from bot.services.clock import SimClock, system_clock
from bot.services.ids import secret_id
from bot.services.outbox import Deliveries
from bot.services.results import MoveResult, RestResult, Table
from bot.services.safety import Safety
from bot.services.work import Clock, Context, Store

# Raised through every service once the store has vanished; what counts as passing trouble.
from bot.store import StoreGone, trouble

__all__ = [
    "Bedtime",
    "Calendar",
    "Clock",
    "Context",
    "Deliveries",
    "MoveResult",
    "RestResult",
    "Safety",
    "SimClock",
    "Store",
    "StoreGone",
    "Table",
    "secret_id",
    "system_clock",
    "trouble",
]
