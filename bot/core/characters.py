"""Characters: names, creation, rename and retire."""

from __future__ import annotations

import unicodedata

from bot.core.errors import BadName, UnknownArchetype
from bot.core.events import Event, Renamed, Retired
from bot.core.models import Character, Circle, Player
from bot.core.move import Move


def clean_name(name: str, max_chars: int) -> str:
    """A character name as it will be shown, or a BadName saying what is wrong with it."""
    cleaned = " ".join(name.split())
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in cleaned):
        raise BadName("A name can't contain control or invisible characters.")
    if not cleaned:
        raise BadName("Your character needs a name.")
    if len(cleaned) > max_chars:
        raise BadName(f"A name can be at most {max_chars} characters long.")
    return cleaned


def name_key(name: str) -> str:
    """What makes two names the same name: compatibility forms ("Ａda", full width) and case
    fold together, so that no one can take a name that only looks different."""
    return unicodedata.normalize("NFKC", name).casefold()


def check_name_free(circle: Circle, name: str, except_id: str | None = None) -> None:
    key = name_key(name)
    for character in circle.active_characters():
        if character.id != except_id and name_key(character.name) == key:
            raise BadName(f"“{character.name}” is already a character in this campaign.")


def create(move: Move, circle: Circle, player: Player, archetype: str, name: str) -> Character:
    if archetype not in move.content.archetype_by_key:
        raise UnknownArchetype(f"There is no archetype called “{archetype[:40]}”.")
    name = clean_name(name, move.content.rules.name_max_chars)
    check_name_free(circle, name)
    character = Character(
        id=move.new_id(),
        campaign_id=circle.campaign.id,
        player_id=player.id,
        name=name,
        archetype=archetype,
        lucidity=move.content.rules.lucidity.start,
        created_at=move.now,
    )
    circle.characters[character.id] = character
    return character


def rename(move: Move, circle: Circle, character: Character, name: str) -> list[Event]:
    name = clean_name(name, move.content.rules.name_max_chars)
    check_name_free(circle, name, except_id=character.id)
    old = character.name
    character.name = name
    return [Renamed(character=character.id, old=old)]


def retire(circle: Circle, character: Character) -> list[Event]:
    character.retired = True
    return [Retired(character=character.id)]
