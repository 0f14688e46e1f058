"""The game core stays pure: no Discord, no I/O, nothing that reaches outside."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "bot" / "core"
FORBIDDEN = {"discord", "aiosqlite", "sqlite3", "asyncio", "os", "socket", "time", "pathlib", "io"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_core_module_imports_nothing_impure(path: Path) -> None:
    assert not imports_of(path) & FORBIDDEN


def test_the_check_would_catch_a_discord_import(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("from discord.ext import commands\n")
    assert imports_of(sneaky) & FORBIDDEN == {"discord"}


def test_core_modules_do_not_open_files() -> None:
    for path in CORE.glob("*.py"):
        tree = ast.parse(path.read_text())
        calls = {
            node.func.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        assert "open" not in calls, path.name
        assert "print" not in calls, path.name
        assert "input" not in calls, path.name
