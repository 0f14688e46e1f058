"""Ids the bot shows in custom_ids and exports: unguessable, so that nobody can forge a
control for a campaign or session they were never shown."""

from __future__ import annotations

import secrets


def secret_id() -> str:
    return secrets.token_hex(8)
