"""House rules: the settings an admin can change for a campaign, each parsed and checked.

Which rules there are, and their bounds, come from data/house_rules.toml; how a value is read
is the rule's kind. They apply from the next session: a session copies them when it opens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from bot.content.models import Content, HouseRuleSpec, Rating, RuleKind
from bot.core.errors import GameError
from bot.core.models import HouseRules, SessionRules


class BadSetting(GameError):
    """An unknown setting, or a value it can't take."""


Parse = Callable[[str], Any]


@dataclass(frozen=True, slots=True)
class HouseRule:
    key: str
    description: str
    kind: RuleKind
    parse: Parse
    default: Any = None


def _ascii_digits(text: str) -> bool:
    """Plain 0-9 only: str.isdigit() also takes "²" or "¹¹", which int() then refuses."""
    return text.isascii() and text.isdigit()


def _whole(low: int, high: int) -> Parse:
    def parse(raw: str) -> int:
        text = raw.strip().removeprefix("-")
        if not _ascii_digits(text) or len(text) > 9:
            raise BadSetting(f"Expected a whole number from {low} to {high}.")
        value = int(raw.strip())
        if not low <= value <= high:
            raise BadSetting(f"Expected a whole number from {low} to {high}.")
        return value

    return parse


def _chance(raw: str) -> float:
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


def _switch(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("on", "yes", "true", "1"):
        return True
    if value in ("off", "no", "false", "0"):
        return False
    raise BadSetting("Expected on or off.")


def _rating(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {r.value for r in Rating}:
        raise BadSetting("Expected gentle, moderate or intense.")
    return value


def _topics(content: Content) -> Parse:
    known = {t.key for t in content.topics}

    def parse(raw: str) -> list[str]:
        chosen = [t.strip().lower() for t in raw.split(",") if t.strip()]
        if raw.strip().lower() in ("", "none"):
            return []
        unknown = [t for t in chosen if t not in known]
        if unknown:
            listed = ", ".join(sorted(known))
            raise BadSetting(f"Unknown topic {unknown[0][:40]!r}. Topics: {listed}.")
        return sorted(set(chosen))

    return parse


def _role(raw: str) -> int | None:
    text = raw.strip()
    if text.lower() in ("", "none", "off"):
        return None
    digits = text.removeprefix("<@&").removesuffix(">")
    if not _ascii_digits(digits) or not 15 <= len(digits) <= 21:
        raise BadSetting("Expected a role mention or id, or none.")
    return int(digits)


def _reminders(content: Content) -> Parse:
    longest = content.rules.calendar.longest_reminder_days

    def parse(raw: str) -> list[int]:
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
                raise BadSetting(
                    "Expected times like 24h, 1h or 30m, separated by commas, or none."
                )
            minutes.append(int(number) * unit)
        if not all(1 <= m <= longest * 1440 for m in minutes) or len(minutes) > 5:
            raise BadSetting(
                f"Up to five reminders, each between 1m and {longest}d before the session."
            )
        return sorted(set(minutes), reverse=True)

    return parse


def parse_timezone(raw: str) -> str:
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


def _reader(spec: HouseRuleSpec, content: Content) -> Parse:
    match spec.kind:
        case RuleKind.WHOLE:
            low, high = spec.min or 0, spec.max or 0  # the content makes sure both are set
            return _whole(low, high)
        case RuleKind.CHANCE:
            return _chance
        case RuleKind.SWITCH:
            return _switch
        case RuleKind.RATING:
            return _rating
        case RuleKind.TOPICS:
            return _topics(content)
        case RuleKind.ROLE:
            return _role
        case RuleKind.REMINDERS:
            return _reminders(content)
        case RuleKind.ZONE:
            return parse_timezone


def rules(content: Content) -> dict[str, HouseRule]:
    """Every house rule the content declares, by key, in its order."""
    return {
        spec.key: HouseRule(
            spec.key, spec.description, spec.kind, _reader(spec, content), spec.default
        )
        for spec in content.house_rules
    }


SESSION_RULES = set(SessionRules.model_fields)


def change(content: Content, settings: HouseRules, key: str, raw: str) -> HouseRules:
    """The campaign's settings with one changed, checked as a whole; or a BadSetting."""
    rule = rules(content).get(key.strip().lower())
    if rule is None:
        raise BadSetting(f"There is no setting called {key[:40]!r}. See /bedtime config.")
    updated = settings.with_value(rule.key, rule.parse(raw[:500]))
    effective = SessionRules.from_rules(content.rules, updated.changed())
    if effective.min_players > effective.max_players:
        raise BadSetting(
            f"min_players ({effective.min_players}) can't be above "
            f"max_players ({effective.max_players})."
        )
    return updated


def current(content: Content, settings: HouseRules) -> dict[str, Any]:
    """Every setting's value now, defaults included."""
    try:
        effective = SessionRules.from_rules(content.rules, settings.changed())
    except ValidationError:
        effective = SessionRules.from_rules(content.rules)
    defaults = effective.model_dump(mode="json") | {"reminders": content.rules.calendar.reminders}
    changed = settings.changed()
    return {
        key: changed.get(key, defaults.get(key, rule.default))
        for key, rule in rules(content).items()
    }


def reminders(content: Content, settings: HouseRules) -> list[int]:
    """Minutes before a session that its reminders go out."""
    chosen = settings.reminders
    return list(content.rules.calendar.reminders if chosen is None else chosen)


def longest_reminder(content: Content) -> timedelta:
    return timedelta(days=content.rules.calendar.longest_reminder_days)
