"""Controls and modals that survive restarts, and the grammar of their custom ids.

A control's custom id is `bt:<prefix>:<part>:<part>…`: opaque ids and numbers, nothing more.
Its handler rebuilds everything else from the store. A `Control` subclass declares its prefix,
its parts and where it is (for the error log), and implements `pressed`; the base class makes
the template, parses the parts back, and runs `pressed` behind the front door and the one
error path. A modal's custom id is `bt:m:<prefix>:<part>…`, and its submit is routed to the
handler registered for it, so that a modal typed across a restart is not lost.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import discord
from discord import ui

from bot.discord.failures import handle


@dataclass(frozen=True, slots=True)
class Part:
    """One field of a custom id: its name, the pattern it matches, and how to read it back."""

    name: str
    pattern: str
    read: Callable[[str], Any] = str
    optional: bool = False  # may be left out, with its colon

    def group(self) -> str:
        group = f":(?P<{self.name}>{self.pattern})"
        return f"(?:{group})?" if self.optional else group


HEX_ID = r"[0-9a-f]{16}"
SESSION = Part("session", HEX_ID)
CAMPAIGN = Part("campaign", HEX_ID)
CONFESSION = Part("confession", HEX_ID)
CARD = Part("card", HEX_ID)


def number(name: str) -> Part:
    return Part(name, r"\d+", int)


def word(name: str) -> Part:
    return Part(name, r"[a-z][a-z0-9_-]*")


def grammar(prefix: str, parts: tuple[Part, ...]) -> str:
    return "^" + prefix + "".join(p.group() for p in parts) + "$"


PREFIXES: dict[str, str] = {}  # every custom-id prefix in use -> the class or handler that owns it


def _claim(prefix: str, owner: str) -> None:
    if PREFIXES.get(prefix, owner) != owner:
        raise TypeError(f"{owner} and {PREFIXES[prefix]} both use the custom id {prefix!r}")
    PREFIXES[prefix] = owner


B = TypeVar("B", bound=ui.Item[Any])
C = TypeVar("C", bound="Control[Any]")


class Control(ui.DynamicItem[B], template=r"^bt:(?!)"):  # the base matches nothing
    """A button or select on a message, alive across restarts."""

    prefix: ClassVar[str]
    parts: ClassVar[tuple[Part, ...]] = ()
    where: ClassVar[str] = "a control"

    def __init_subclass__(
        cls, *, prefix: str = "", parts: tuple[Part, ...] = (), where: str = "", **kwargs: Any
    ) -> None:
        if not prefix:
            raise TypeError(f"{cls.__name__} needs a custom-id prefix")
        cls.prefix, cls.parts, cls.where = f"bt:{prefix}", parts, where or cls.where
        _claim(cls.prefix, f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__name__}")
        super().__init_subclass__(template=grammar(cls.prefix, parts), **kwargs)

    @classmethod
    def make_id(cls, *values: object) -> str:
        """The custom id for these values of the parts; an optional part given None is left out."""
        if len(values) != len(cls.parts):
            raise ValueError(f"{cls.__name__} takes {len(cls.parts)} parts, not {len(values)}")
        kept = [
            str(v) for p, v in zip(cls.parts, values, strict=True) if not (p.optional and v is None)
        ]
        return ":".join([cls.prefix, *kept])

    @classmethod
    async def from_custom_id(
        cls: type[C], interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str]
    ) -> C:
        return cls(*(part.read(match[part.name]) for part in cls.parts))

    async def callback(self, interaction: discord.Interaction) -> None:
        named = getattr(self, "campaign_id", None)
        await handle(interaction, self.where, self.pressed(interaction), named)

    async def pressed(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


# --- modals ---

ModalHandler = Callable[[discord.Interaction, re.Match[str], dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ModalRoute:
    prefix: str
    pattern: re.Pattern[str]
    handler: ModalHandler


MODALS: dict[str, ModalRoute] = {}


def modal(prefix: str, *parts: Part) -> Callable[[ModalHandler], ModalHandler]:
    """Register the decorated function for submits of modals `bt:m:<prefix>:<parts>`."""
    full = f"bt:m:{prefix}"

    def register(handler: ModalHandler) -> ModalHandler:
        _claim(full, handler.__qualname__)
        MODALS[full] = ModalRoute(full, re.compile(grammar(full, parts)), handler)
        return handler

    return register


def modal_id(prefix: str, *values: object) -> str:
    return ":".join([f"bt:m:{prefix}", *map(str, values)])


def modal_values(data: dict[str, Any]) -> dict[str, Any]:
    """Values by custom_id from a modal submit, whether in action rows or labels."""
    values: dict[str, Any] = {}
    for row in data.get("components") or []:
        children = row.get("components") or ([row["component"]] if "component" in row else [])
        for child in children:
            if "values" in child:
                values[child["custom_id"]] = child["values"]
            elif "value" in child:
                values[child["custom_id"]] = child["value"]
    return values


async def submitted(interaction: discord.Interaction) -> None:
    """Route a modal submit to its handler, behind the front door and the one error path."""
    data: Any = interaction.data or {}
    custom_id = str(data.get("custom_id", ""))
    for route in MODALS.values():
        match = route.pattern.match(custom_id)
        if match:
            where = f"modal {route.prefix.removeprefix('bt:m:')}"
            work = route.handler(interaction, match, modal_values(data))
            await handle(interaction, where, work, match.groupdict().get("campaign"))
            return
