"""Game content: archetypes, dreamscapes, actions, prompts, topics and the rules' numbers.

Everything here is data from `data/`, validated with pydantic when it loads.
"""

from bot.content.loader import DATA_DIR, ContentError, load_content
from bot.content.models import (
    Action,
    Archetype,
    ArcStep,
    Category,
    Content,
    Dreamscape,
    Effect,
    Prompt,
    Rating,
    Rules,
    Topic,
)

__all__ = [
    "DATA_DIR",
    "Action",
    "ArcStep",
    "Archetype",
    "Category",
    "Content",
    "ContentError",
    "Dreamscape",
    "Effect",
    "Prompt",
    "Rating",
    "Rules",
    "Topic",
    "load_content",
]
