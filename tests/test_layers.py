"""The layers, read from the code's own imports (those inside functions too): nothing reaches
up, the bot's own package has no import circle, and the benchmarks and the fake stand apart
from the tests and the cogs, as does the throwaway PostgreSQL they share (`pgtemp`)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "cogs", "bench", "fakecord", "pgtemp")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every absolute module this file imports, anywhere in it, TYPE_CHECKING blocks aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    modules = {
        module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    }
    return {name: {i for i in imports(path) if i in modules} for name, path in modules.items()}


# (importer, what it must never import): the layers, each only looking down.
# cogs -> the Discord toolkit (bot.discord) -> services and render -> core.
ABOVE_CORE = ("bot.store", "bot.services", "bot.render", "bot.play", "bot.discord", "cogs")
RULES = [
    ("bot.core", (*ABOVE_CORE, "discord")),
    ("bot.content", ("bot.core", *ABOVE_CORE, "discord")),
    ("bot.store", ("bot.services", "bot.render", "bot.play", "bot.discord", "cogs", "discord")),
    ("bot.services", ("bot.render", "bot.play", "bot.discord", "cogs", "discord")),
    ("bot.render", ("bot.store", "bot.services", "bot.play", "bot.discord", "cogs")),
    ("bot.discord", ("bot.play", "cogs")),
    ("bot.play", ("bot.discord", "cogs", "discord")),
    ("bot", ("cogs", "tests", "bench", "fakecord", "pgtemp")),
    ("cogs", ("bot.store", "bot.play", "tests", "bench", "fakecord", "pgtemp")),
    ("bench", ("tests", "cogs")),
    ("fakecord", ("tests", "bot", "cogs", "bench", "pgtemp")),
    ("pgtemp", ("tests", "cogs", "bench", "fakecord")),
]
# The toolkit reaches the store only through the services; the client, which opens it, aside.
TOOLKIT = ("lookup", "timing", "failures", "posting", "controls", "presenting")
RULES += [(f"bot.discord.{module}", ("bot.store",)) for module in TOOLKIT]
# A night's phases (the lobby, a round, the glitch, the reveal) never import each other.
PHASES = (
    "cogs.session._lobby",
    "cogs.session._round",
    "cogs.session._glitch",
    "cogs.session._reveal",
)
RULES += [(phase, tuple(p for p in PHASES if p != phase)) for phase in PHASES]


def breaks(rules: list[tuple[str, tuple[str, ...]]], edges: dict[str, set[str]]) -> list[str]:
    found: set[str] = set()
    for module, targets in sorted(edges.items()):
        for layer, banned in rules:
            if module != layer and not module.startswith(layer + "."):
                continue
            found.update(
                f"{module} imports {target}"
                for target in targets
                if any(target == b or target.startswith(b + ".") for b in banned)
            )
    return sorted(found)


def test_no_layer_imports_one_above_it() -> None:
    edges = {
        module_name(path): imports(path)
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
    }
    assert breaks(RULES, edges) == []


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_anywhere() -> None:
    assert cycles(graph()) == []


def test_the_toolkit_never_reaches_into_the_cogs() -> None:
    edges = graph()
    toolkit = [m for m in edges if m.startswith("bot.discord")]
    assert len(toolkit) >= 6
    assert not {t for m in toolkit for t in edges[m] if t.startswith("cogs")}


@pytest.mark.parametrize(
    ("source", "broken"),
    [
        ("from bot.services import Bedtime\n", "bot.core.sneaky imports bot.services"),
        ("def later():\n    import cogs.replies\n", "bot.core.sneaky imports cogs.replies"),
    ],
)
def test_the_check_catches_an_upward_import_even_inside_a_function(
    tmp_path: Path, source: str, broken: str
) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(source)
    assert broken in breaks(RULES, {"bot.core.sneaky": imports(sneaky)})


def test_the_cycle_check_finds_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_a_sqlite_bot_needs_neither_asyncpg_nor_cryptography() -> None:
    """PostgreSQL's driver and the sealing of its texts come with the `postgres` extra only: a
    self-hoster on SQLite (`pip install .`) must be able to run and play without them."""
    script = (
        "import sys\n"
        "sys.modules['asyncpg'] = sys.modules['cryptography'] = None\n"
        "import bot.__main__, bot.discord.client, bot.play, bot.runner\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
