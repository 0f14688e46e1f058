"""House rules: the settings an admin can change for a campaign, each parsed and checked.

They apply from the next session: a session copies them when it opens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from bot.content.models import Content, Rating
from bot.core.errors import GameError
from bot.core.models import SessionRules


class BadSetting(GameError):
    """An unknown setting, or a value it can't take."""


@dataclass(frozen=True, slots=True)
class HouseRule:
    key: str
    description: str
    parse: Callable[[str, Content], Any]


def _ascii_digits(text: str) -> bool:
    """Plain 0-9 only: str.isdigit() also takes "²" or "¹¹", which int() then refuses."""
    return text.isascii() and text.isdigit()


def _integer(low: int, high: int) -> Callable[[str, Content], int]:
    def parse(raw: str, _: Content) -> int:
        text = raw.strip().removeprefix("-")
        if not _ascii_digits(text) or len(text) > 9:
            raise BadSetting(f"Expected a whole number from {low} to {high}.")
        value = int(raw.strip())
        if not low <= value <= high:
            raise BadSetting(f"Expected a whole number from {low} to {high}.")
        return value

    return parse


def _chance(raw: str, _: Content) -> float:
    text = raw.strip().removesuffix("%")
    try:
        if not text.isascii() or len(text) > 20:
            raise ValueError(text)
        value = float(text) / (100 if raw.strip().endswith("%") else 1)
    except ValueError:
        raise BadSetting("Expected a chance from 0 to 1, such as 0.3 or 30%.") from None
    if not 0 <= value <= 1:
        raise BadSetting("Expected a chance from 0 to 1, such as 0.3 or 30%.")
    return value


def _switch(raw: str, _: Content) -> bool:
    value = raw.strip().lower()
    if value in ("on", "yes", "true", "1"):
        return True
    if value in ("off", "no", "false", "0"):
        return False
    raise BadSetting("Expected on or off.")


def _rating(raw: str, _: Content) -> str:
    value = raw.strip().lower()
    if value not in {r.value for r in Rating}:
        raise BadSetting("Expected gentle, moderate or intense.")
    return value


def _topics(raw: str, content: Content) -> list[str]:
    known = {t.key for t in content.topics}
    chosen = [t.strip().lower() for t in raw.split(",") if t.strip()]
    if raw.strip().lower() in ("", "none"):
        return []
    unknown = [t for t in chosen if t not in known]
    if unknown:
        raise BadSetting(f"Unknown topic {unknown[0][:40]!r}. Topics: {', '.join(sorted(known))}.")
    return sorted(set(chosen))


def _role(raw: str, _: Content) -> int | None:
    text = raw.strip()
    if text.lower() in ("", "none", "off"):
        return None
    digits = text.removeprefix("<@&").removesuffix(">")
    if not _ascii_digits(digits) or not 15 <= len(digits) <= 21:
        raise BadSetting("Expected a role mention or id, or none.")
    return int(digits)


def _reminders(raw: str, _: Content) -> list[int]:
    """Minutes before a session, from text like "24h, 1h" or "30m"; none turns them off."""
    text = raw.strip().lower()
    if text in ("", "none", "off"):
        return []
    minutes = []
    for part in text.split(","):
        part = part.strip()
        unit = {"h": 60, "m": 1, "d": 1440}.get(part[-1:], 0)
        number = part[:-1] if unit else part
        if not _ascii_digits(number) or len(number) > 6 or not unit:
            raise BadSetting("Expected times like 24h, 1h or 30m, separated by commas, or none.")
        minutes.append(int(number) * unit)
    longest = LONGEST_REMINDER // timedelta(minutes=1)
    if not all(1 <= m <= longest for m in minutes) or len(minutes) > 5:
        raise BadSetting("Up to five reminders, each between 1m and 7d before the session.")
    return sorted(set(minutes), reverse=True)


def parse_timezone(raw: str, _: Content | None = None) -> str:
    name = raw.strip()
    try:
        if len(name) > 64:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise BadSetting(
            f"Unknown time zone {name[:60]!r}. Use an IANA name such as Europe/Berlin."
        ) from None
    return name


RULES: dict[str, HouseRule] = {
    rule.key: rule
    for rule in (
        HouseRule("min_players", "fewest dreamers to start (2-8)", _integer(2, 8)),
        HouseRule("max_players", "most dreamers in a session (2-8)", _integer(2, 8)),
        HouseRule("rounds", "rounds per session (1-20)", _integer(1, 20)),
        HouseRule("lobby_minutes", "lobby time-out in minutes", _integer(1, 1440)),
        HouseRule("round_minutes", "round time-out in minutes", _integer(1, 1440)),
        HouseRule("confession_minutes", "confession time-out in minutes", _integer(1, 1440)),
        HouseRule(
            "resonance_minutes", "time to resonate after a reveal, in minutes", _integer(1, 1440)
        ),
        HouseRule("glitch_chance", "chance of a glitch per round when unstable (0-1)", _chance),
        HouseRule("named_reveals", "show authors' names in reveals (on/off)", _switch),
        HouseRule("keep_confessions", "keep shared confessions in the chronicle (on/off)", _switch),
        HouseRule("rating_ceiling", "most intense prompts allowed", _rating),
        HouseRule("excluded_topics", "topics no prompt may touch, comma-separated", _topics),
        HouseRule(
            "builtin_prompts",
            "deal the built-in prompts besides the campaign's own (on/off)",
            _switch,
        ),
        HouseRule("host_role", "a role that may run sessions besides Manage Server", _role),
        HouseRule("reminders", "reminders before a session, like 24h, 1h (or none)", _reminders),
        HouseRule("reminder_role", "a role the reminders ping (or none)", _role),
        HouseRule("timezone", "the campaign's time zone (IANA)", parse_timezone),
    )
}
SESSION_RULES = set(SessionRules.model_fields) & set(RULES)


def change(content: Content, settings: dict[str, Any], key: str, raw: str) -> dict[str, Any]:
    """The campaign's settings with one changed, checked as a whole; or a BadSetting."""
    rule = RULES.get(key.strip().lower())
    if rule is None:
        raise BadSetting(f"There is no setting called {key[:40]!r}. See /bedtime config.")
    updated = {**settings, rule.key: rule.parse(raw[:500], content)}
    if rule.key in ("host_role", "reminder_role", "timezone") and updated[rule.key] is None:
        updated.pop(rule.key)
    effective = SessionRules.from_rules(content.rules, session_overrides(updated))
    if effective.min_players > effective.max_players:
        raise BadSetting(
            f"min_players ({effective.min_players}) can't be above "
            f"max_players ({effective.max_players})."
        )
    return updated


def session_overrides(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in settings.items() if k in SESSION_RULES}


def current(content: Content, settings: dict[str, Any]) -> dict[str, Any]:
    """Every setting's value now, defaults included."""
    try:
        effective = SessionRules.from_rules(content.rules, session_overrides(settings))
    except ValidationError:
        effective = SessionRules.from_rules(content.rules)
    values = effective.model_dump(mode="json") | {"reminders": DEFAULT_REMINDERS}
    return {key: settings.get(key, values.get(key)) for key in RULES}


DEFAULT_REMINDERS = [24 * 60, 60]
LONGEST_REMINDER = timedelta(days=7)


def reminders(settings: dict[str, Any]) -> list[int]:
    value = settings.get("reminders", DEFAULT_REMINDERS)
    return [int(m) for m in value]
