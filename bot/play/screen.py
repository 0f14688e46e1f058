"""The table's screen: what everyone sees, what one player types, and the wipe between them.

Hot-seat play hands one keyboard round a table. Between players the screen and its scrollback
are wiped, and confessions are typed without echo, so nothing one player did is left for the
next one to read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from rich.panel import Panel
from rich.rule import Rule

# Erase the screen, erase the scrollback (xterm's "saved lines"), and home the cursor.
WIPE = "\x1b[2J\x1b[3J\x1b[H"


@dataclass
class Screen:
    out: Callable[[str], None]
    ask: Callable[[str], str]
    secret: Callable[[str], str]  # typed without echo
    wipe: Callable[[], None]
    heading: Callable[[str], None]
    private: Callable[[str, list[str]], None]  # a boxed message for one player's eyes

    @classmethod
    def console(cls) -> Screen:
        """The real terminal, through rich: width-aware wrapping and a little colour. Piped
        output (a transcript) is left unwrapped, so that it reads the same at any width."""
        console = Console(markup=False, highlight=False, emoji=False)
        console.soft_wrap = not console.is_terminal

        def wipe() -> None:
            if console.is_terminal:
                console.file.write(WIPE)
                console.file.flush()

        def private(title: str, lines: list[str]) -> None:
            console.print(Panel("\n".join(lines), title=title, title_align="left"))

        return cls(
            out=console.print,
            ask=lambda question: console.input(question, markup=False, emoji=False),
            secret=lambda question: console.input(
                question, markup=False, emoji=False, password=True
            ),
            wipe=wipe,
            heading=lambda text: console.print(Rule(text)),
            private=private,
        )

    @classmethod
    def plain(cls, out: Callable[[str], None], ask: Callable[[str], str]) -> Screen:
        """Lines in, lines out: for tests and for anything that is not a terminal."""

        def private(title: str, lines: list[str]) -> None:
            out(f"[{title}]")
            for line in lines:
                out(f"  {line}")

        return cls(
            out=out,
            ask=ask,
            secret=ask,
            wipe=lambda: out(WIPE),
            heading=lambda text: out(f"── {text} ──"),
            private=private,
        )
