"""Discord embeds: a frame per phase around the same words the text renderer writes."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.core.events import Event, GlitchBegan
from bot.core.models import Character, ChronicleEntry, Circle, ConfessionStatus, Session
from bot.core.phases import Phase
from bot.render.text import Cast, recap, render

COLOURS = {
    Phase.SCHEDULED: 0x5865F2,
    Phase.LOBBY: 0x5865F2,
    Phase.POSTPONED: 0x95A5A6,
    Phase.CANCELLED: 0x95A5A6,
    Phase.DREAMING: 0x8E7CC3,
    Phase.DEALING: 0xE91E63,
    Phase.CONFESSING: 0xE91E63,
    Phase.REVEALED: 0xE91E63,
    Phase.RESONANCE: 0xC2185B,
    Phase.DAWN: 0xF5B041,
    Phase.ARCHIVED: 0xF5B041,
}
TITLE, DESCRIPTION, FIELD, FOOTER, TOTAL = 256, 4096, 1024, 2048, 6000


def fit(text: str, limit: int) -> str:
    """Text cut to a Discord limit, with an ellipsis where it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def timestamp(moment: datetime | str | None, style: str = "R") -> str:
    if moment is None:
        return "—"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return discord.utils.format_dt(moment, style)  # type: ignore[arg-type]


def cast_for(content: object, circle: Circle) -> Cast:
    return Cast(
        content,  # type: ignore[arg-type]
        circle,
        escape=lambda text: discord.utils.escape_mentions(discord.utils.escape_markdown(text)),
        moment=lambda iso: timestamp(iso, "f") + f" ({timestamp(iso)})",
    )


def bar(value: int, maximum: int, width: int = 12) -> str:
    filled = round(width * max(0, min(value, maximum)) / maximum)
    return "▰" * filled + "▱" * (width - filled) + f" **{value}**"


def frame(phase: Phase, title: str, lines: list[str]) -> discord.Embed:
    text = "\n".join(line.strip() if line.startswith("   ") else line for line in lines).strip()
    return discord.Embed(
        title=fit(title, TITLE), description=fit(text, DESCRIPTION) or None, colour=COLOURS[phase]
    )


def events_embed(cast: Cast, phase: Phase, title: str, events: list[Event]) -> discord.Embed | None:
    lines = [line for event in events for line in render(event, cast)]
    return frame(phase, title, lines) if lines else None


def lobby_embed(cast: Cast, session: Session, previously: list[str]) -> discord.Embed:
    names = [
        f"• {cast.name(d.character_id)} — {cast.archetype(d.character_id)}"
        for d in session.present()
    ]
    embed = frame(
        Phase.LOBBY,
        f"🌙 Bedtime is here — session {session.number}",
        [
            "The Mesh hums. Press **Join** to dream with the circle tonight.",
            *(["", "**Previously at Bedtime…**", *previously] if previously else []),
        ],
    )
    embed.add_field(
        name=f"Dreamers ({len(names)}/{session.rules.max_players})",
        value=fit("\n".join(names) or "Nobody yet.", FIELD),
        inline=False,
    )
    embed.add_field(name="Lobby closes", value=timestamp(session.deadline), inline=True)
    embed.add_field(name="Needed", value=str(session.rules.min_players), inline=True)
    return embed


def round_embed(cast: Cast, session: Session) -> discord.Embed:
    scape = cast.content.dreamscape_by_key[session.dreamscape]
    scene = scape.scenes[(session.round - 1) % len(scape.scenes)]
    embed = frame(
        Phase.DREAMING, f"{scape.name} — round {session.round} of {session.rules.rounds}", [scene]
    )
    embed.add_field(
        name="Stability",
        value=bar(session.stability, cast.content.rules.stability.max),
        inline=False,
    )
    dreamers = []
    for dreamer in session.acting():
        mark = "✅" if dreamer.character_id in session.choices else "💭"
        adrift = " (adrift)" if cast.circle.characters[dreamer.character_id].adrift else ""
        dreamers.append(f"{mark} {cast.name(dreamer.character_id)}{adrift}")
    embed.add_field(name="Dreamers", value=fit("\n".join(dreamers) or "—", FIELD), inline=True)
    embed.add_field(name="Round ends", value=timestamp(session.deadline), inline=True)
    return embed


def glitch_embed(cast: Cast, session: Session, events: list[Event]) -> discord.Embed:
    glitch = session.glitches[-1]
    lines = [line for e in events if isinstance(e, GlitchBegan) for line in render(e, cast)]
    embed = frame(
        Phase.CONFESSING, "⚡ The Mesh has fractured", lines[1:] or ["The Mesh glitches."]
    )
    settled = sum(c.status is not ConfessionStatus.DEALT for c in glitch.confessions.values())
    embed.add_field(name="Faced", value=f"{settled}/{len(glitch.confessions)}", inline=True)
    embed.add_field(name="Deadline", value=timestamp(session.deadline), inline=True)
    embed.set_footer(
        text="Your prompt is private. Answer and share, keep it private, or pass: "
        "a pass looks exactly like a private answer. X asks for gentler prompts "
        "for everyone, and nobody learns who pressed it."
    )
    return embed


def reveal_embed(cast: Cast, session: Session, number: int | None = None) -> discord.Embed:
    """A glitch's reveal (the latest by default). Text that is gone shows as gone."""
    glitch = session.glitches[-1] if number is None else session.glitches[number - 1]
    open_now = session.phase is Phase.RESONANCE and session.glitch is glitch
    embed = frame(Phase.RESONANCE, "The collective consciousness opens", [])
    budget = TOTAL - 400
    shown = glitch.revealed()
    for n, confession in enumerate(shown, start=1):
        if confession.status is ConfessionStatus.HIDDEN:
            text = "*hidden by the host*"
        elif confession.id in session.texts:
            text = "“" + cast.escape(session.texts[confession.id]) + "”"
        else:
            text = "*the words faded at dawn*"
        author = ""
        if session.rules.named_reveals:
            author = f" — {cast.name(confession.author)}"
        value = fit(text + author, min(FIELD, max(budget // max(1, len(shown)), 40)))
        embed.add_field(name=f"{n}. {confession.category.value}", value=value, inline=False)
    dark = len(glitch.confessions) - len(glitch.reveal_order)
    if dark:
        embed.add_field(
            name="In the dark",
            value=f"{dark} confession{'s' if dark != 1 else ''} stayed in the dark.",
            inline=False,
        )
    # Only the circle's total is shown: a count per card would tell who heard which.
    heard = len(glitch.resonances)
    if heard:
        embed.description = f"💜 Heard {heard} time{'s' if heard != 1 else ''} by the circle."
    if open_now:
        embed.set_footer(
            text="Press “I hear you” for the ones that reach you, your own too, then return "
            "to the dream. Each author alone learns how many heard them."
        )
    return embed


def recap_embed(
    cast: Cast, entry: ChronicleEntry, texts: dict[str, str] | None = None, closing: str = ""
) -> discord.Embed:
    lines = recap(entry, cast, texts) + (["", closing] if closing else [])
    embed = frame(Phase.DAWN, lines[0], lines[1:])
    embed.timestamp = entry.ended_at
    return embed


def sheet_embed(cast: Cast, character: Character) -> discord.Embed:
    archetype = cast.content.archetype_by_key[character.archetype]
    embed = frame(
        Phase.DREAMING, cast.name(character.id), [f"*{archetype.name}* — {archetype.theme}"]
    )
    embed.add_field(
        name="Lucidity", value=bar(character.lucidity, cast.content.rules.lucidity.max, 10)
    )
    conditions = ", ".join(sorted(c.value.capitalize() for c in character.conditions)) or "—"
    embed.add_field(name="Conditions", value=conditions)
    embed.add_field(name="Sessions", value=str(character.sessions))
    arc = []
    for n, step in enumerate(archetype.arc):
        mark = "●" if n < character.arc_step else "○"
        arc.append(f"{mark} **{step.name}** — {step.description}")
    embed.add_field(name="Arc", value=fit("\n".join(arc), FIELD), inline=False)
    bonds = []
    for other in cast.circle.active_characters():
        if other.id != character.id:
            value = cast.circle.bond(character.id, other.id)
            if value:
                bonds.append((value, f"{cast.name(other.id)} {value:+d}"))
    text = "\n".join(b for _, b in sorted(bonds, reverse=True)) or "No bonds yet."
    embed.add_field(name="Bonds", value=fit(text, FIELD), inline=False)
    signature = archetype.signature
    embed.set_footer(text=fit(f"Signature: {signature.label} — {signature.description}", FOOTER))
    return embed


def status_embed(cast: Cast, session: Session | None) -> discord.Embed:
    if session is None:
        return frame(
            Phase.ARCHIVED, "No session right now", ["Admins open one with /bedtime open."]
        )
    embed = frame(session.phase, f"Session {session.number}: {session.phase.value}", [])
    if session.dreamscape:
        embed.add_field(
            name="Dreamscape", value=cast.content.dreamscape_by_key[session.dreamscape].name
        )
    if session.round:
        embed.add_field(name="Round", value=f"{session.round} of {session.rules.rounds}")
    if session.phase is not Phase.LOBBY:
        embed.add_field(
            name="Stability",
            value=bar(session.stability, cast.content.rules.stability.max),
            inline=False,
        )
    dreamers = []
    for dreamer in session.present():
        acted = " ✅" if dreamer.character_id in session.choices else ""
        dreamers.append(f"{cast.name(dreamer.character_id)}{acted}")
    embed.add_field(name="Dreamers", value=fit(", ".join(dreamers) or "—", FIELD), inline=False)
    if session.deadline:
        embed.add_field(name="Next deadline", value=timestamp(session.deadline))
    return embed
