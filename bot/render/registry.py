"""Presenters: the function that shows each kind of event, found by the event's class.

A registry is filled by decorators next to the functions (`@text.presents(RoundResolved)`), so
adding an event kind means adding its class and its presenters, and a test over `KINDS` fails
for any class a registry has forgotten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from bot.core.events import KINDS, Event

Out = TypeVar("Out")
E = TypeVar("E", bound=Event)


class Presenters(Generic[Out]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._by_class: dict[type[Event], Callable[[Any, Any], Out]] = {}

    def __call__(
        self, *classes: type[E]
    ) -> Callable[[Callable[[E, Any], Out]], Callable[[E, Any], Out]]:
        """Register the decorated function for these event classes."""

        def register(function: Callable[[E, Any], Out]) -> Callable[[E, Any], Out]:
            for cls in classes:
                known = self._by_class.get(cls)
                # The same function again is a module loaded anew (a reloaded extension).
                if known is not None and _name(known) != _name(function):
                    raise TypeError(f"{self.name}: {cls.__name__} has two presenters")
                self._by_class[cls] = function
            return function

        return register

    def __contains__(self, cls: type[Event]) -> bool:
        return cls in self._by_class

    def find(self, event: Event) -> Callable[[Any, Any], Out]:
        return self._by_class[type(event)]

    def missing(self, among: Iterable[type[Event]] | None = None) -> list[str]:
        """The event classes with no presenter here: every kind, unless told which."""
        wanted = KINDS.values() if among is None else among
        return sorted(cls.__name__ for cls in wanted if cls not in self._by_class)


def _name(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"
