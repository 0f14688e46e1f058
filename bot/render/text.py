"""Plain-text rendering for the terminal: one function per event kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.content.models import Content
from bot.core.events import Event
from bot.core.models import ChronicleEntry, Circle

LEFT = "a dreamer who has left"
BAR = 20


def when(iso: str | None) -> str:
    if not iso:
        return "—"
    return datetime.fromisoformat(iso).strftime("%a %d %b %Y, %H:%M %Z").strip()


@dataclass(frozen=True, slots=True)
class Cast:
    """What a renderer needs to put names and words to ids."""

    content: Content
    circle: Circle
    escape: Callable[[str], str] = str  # markup escaping, for renderers that need it
    moment: Callable[[str | None], str] = when  # how a timestamp is shown

    def name(self, character_id: str | None) -> str:
        character = self.circle.characters.get(character_id or "")
        return self.escape(character.name) if character else LEFT

    def names(self, ids: list[str]) -> str:
        names = [self.name(i) for i in ids]
        if len(names) <= 1:
            return "".join(names)
        return ", ".join(names[:-1]) + " and " + names[-1]

    def archetype(self, character_id: str) -> str:
        character = self.circle.characters.get(character_id)
        if character is None:
            return ""
        return self.content.archetype_by_key[character.archetype].name


def stability_bar(value: int, maximum: int = 100) -> str:
    filled = round(BAR * max(0, min(value, maximum)) / maximum)
    return "█" * filled + "░" * (BAR - filled) + f" {value}"


Renderer = Callable[[Event, Cast], list[str]]
_RENDERERS: dict[str, Renderer] = {}


def renders(kind: str) -> Callable[[Renderer], Renderer]:
    def register(function: Renderer) -> Renderer:
        _RENDERERS[kind] = function
        return function

    return register


def plural(count: int, one: str, many: str | None = None) -> str:
    """ "1 night", "2 nights"."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def render(event: Event, cast: Cast) -> list[str]:
    renderer = _RENDERERS.get(event.kind)
    return renderer(event, cast) if renderer else []


@renders("lobby_opened")
def _lobby(event: Event, cast: Cast) -> list[str]:
    d = event.data
    return [
        f"🌙 Bedtime is here — session {d['number']}. "
        f"The lobby is open until {cast.moment(d['deadline'])}.",
        f"   {d['min_players']}–{d['max_players']} dreamers can join.",
    ]


@renders("previously")
def _previously(event: Event, cast: Cast) -> list[str]:
    entry = ChronicleEntry.model_validate(event.data["entry"])
    return ["", "Previously at Bedtime…", *["   " + line for line in previously(entry, cast)], ""]


def previously(entry: ChronicleEntry, cast: Cast) -> list[str]:
    """A short recap of the last chronicle entry."""
    place = cast.content.dreamscape_by_key[entry.dreamscape].name
    lines = [f"Session {entry.number}: {cast.names(entry.dreamers)} dreamed in {place}."]
    shared = sum(len(g.shared) for g in entry.glitches)
    dark = sum(g.dark for g in entry.glitches)
    if entry.glitches:
        lines.append(
            f"The Mesh glitched {plural(len(entry.glitches), 'time')}: "
            f"{plural(shared, 'confession')} {'was' if shared == 1 else 'were'} shared, "
            f"{dark} stayed in the dark."
        )
    for moment in entry.moments:
        line = _moment(moment, cast)
        if line and moment["kind"] in ("rescue", "adrift", "reset", "arc"):
            lines.append(line)
    adrift = [c.id for c in cast.circle.characters.values() if c.adrift]
    if adrift:
        lines.append(f"{cast.names(adrift)} is still lost in the dream. Bring them back.")
    return lines


@renders("character_created")
def _created(event: Event, cast: Cast) -> list[str]:
    cid = event.data["character"]
    return [f"   (new character: {cast.name(cid)}, {cast.archetype(cid)})"]


@renders("joined")
def _joined(event: Event, cast: Cast) -> list[str]:
    d = event.data
    cid = d["character"]
    who = f"{cast.name(cid)} ({cast.archetype(cid)})"
    if d["late"]:
        return [f"➕ {who} slips into the dream; they enter at the next round."]
    if d["returning"]:
        extra = " — still adrift, lost in the dream" if d["adrift"] else ""
        return [f"➕ {who} returns to the circle{extra}. [{d['count']} dreaming]"]
    return [f"➕ {who} joins the circle for the first time. [{d['count']} dreaming]"]


@renders("left")
def _left(event: Event, cast: Cast) -> list[str]:
    verb = "was removed from" if event.data["kicked"] else "steps out of"
    return [f"➖ {cast.name(event.data['character'])} {verb} the session."]


@renders("postponed")
def _postponed(event: Event, cast: Cast) -> list[str]:
    d = event.data
    return [
        f"⏸ Only {d['joined']} of the {d['needed']} dreamers needed came. "
        f"Session {d['number']} is postponed to {cast.moment(d['until'])}."
    ]


@renders("session_started")
def _started(event: Event, cast: Cast) -> list[str]:
    d = event.data
    scape = cast.content.dreamscape_by_key[d["dreamscape"]]
    lines = ["", f"✦ {scape.name} ✦", scape.intro]
    if d["rested"]:
        arrive = "arrives" if len(d["rested"]) == 1 else "arrive"
        lines.append(f"{cast.names(d['rested'])} {arrive} Rested: the Mesh is steadier for it.")
    if d["adrift"]:
        lines.append(
            f"{cast.names(d['adrift'])} is adrift somewhere in the dream. "
            "Share with them to bring them back."
        )
    lines.append(f"Stability {stability_bar(d['stability'])}")
    return lines


@renders("round_started")
def _round(event: Event, cast: Cast) -> list[str]:
    d = event.data
    scape = cast.content.dreamscape_by_key[d["dreamscape"]]
    lines = ["", f"— Round {d['round']} of {d['rounds']} —", scape.scenes[d["scene"]]]
    if d["entered"]:
        enter = "enters" if len(d["entered"]) == 1 else "enter"
        lines.append(f"{cast.names(d['entered'])} {enter} the dream.")
    lines.append(f"Stability {stability_bar(d['stability'])}")
    return lines


@renders("acted")
def _acted(event: Event, cast: Cast) -> list[str]:
    d = event.data
    return [f"   {cast.name(d['character'])} has chosen. ({d['acted']}/{d['of']})"]


@renders("round_resolved")
def _resolved(event: Event, cast: Cast) -> list[str]:
    d = event.data
    scape = cast.content.dreamscape_by_key[d["dreamscape"]]
    lines = []
    for beat in d["beats"]:
        name, action, target = cast.name(beat["character"]), beat["action"], beat["target"]
        if action == "signature":
            character = cast.circle.characters.get(beat["character"])
            archetype = cast.content.archetype_by_key[character.archetype] if character else None
            template = archetype.signature.narration if archetype else "{name} does something."
        else:
            template = scape.narration.lines(action)[beat["line"]]
        lines.append("   " + template.format(name=name, target=cast.name(target)))
    delta = d["stability"] - d["stability_before"]
    lines.append(f"Stability {stability_bar(d['stability'])} ({delta:+d})")
    return lines


@renders("rescued")
def _rescued(event: Event, cast: Cast) -> list[str]:
    d = event.data
    return [f"💫 {cast.names(d['by'])} reach {cast.name(d['character'])} and pull them home!"]


@renders("glitch_began")
def _glitch(event: Event, cast: Cast) -> list[str]:
    d = event.data
    scape = cast.content.dreamscape_by_key[d["dreamscape"]]
    why = {
        "collapse": "Stability has run out.",
        "chance": "The Mesh shudders without warning.",
        "forced": "The host pulls the plug on reality.",
        "last_round": "The dream will not end without it.",
    }.get(d["trigger"], "")
    return [
        "",
        f"⚡ THE MESH HAS FRACTURED ⚡ {why}",
        scape.glitch,
        f"Stability {stability_bar(d['stability'])}",
        "Every dreamer is pressed to confess.",
    ]


@renders("confessing")
def _confessing(event: Event, cast: Cast) -> list[str]:
    return [f"   Face your prompt before {cast.moment(event.data['deadline'])}."]


@renders("confession_settled")
def _settled(event: Event, cast: Cast) -> list[str]:
    return [f"   A dreamer has faced their prompt. ({event.data['settled']}/{event.data['of']})"]


@renders("softened")
def _softened(event: Event, cast: Cast) -> list[str]:
    return [
        "   ✕ Someone asked for softer ground. "
        "Unanswered prompts are gentler now, and there is more time."
    ]


@renders("revealed")
def _revealed(event: Event, cast: Cast) -> list[str]:
    d = event.data
    lines = ["", "The collective consciousness opens."]
    for n, item in enumerate(d["items"], start=1):
        author = f" — {cast.name(item['author'])}" if "author" in item else ""
        lines.append(f"  {n}. [{item['category']}] “{cast.escape(item['text'])}”{author}")
    for _ in range(d["dark"]):
        lines.append("  ·  a confession stayed in the dark")
    return lines


@renders("resonated")
def _resonated(event: Event, cast: Cast) -> list[str]:
    total = event.data["total"]
    return [f"   The Mesh hears it. ({total} resonance{'s' if total != 1 else ''} so far)"]


@renders("recovered")
def _recovered(event: Event, cast: Cast) -> list[str]:
    d = event.data
    lines = [
        f"The Mesh recovers +{d['recovered']} ({plural(d['resonances'], 'resonance')}). "
        f"Stability {stability_bar(d['stability'])}"
    ]
    if d["adrift"]:
        lines.append(f"🌫 The glitch claims {cast.name(d['adrift'])}. They are Adrift.")
    return lines


@renders("round_resumed")
def _resumed(event: Event, cast: Cast) -> list[str]:
    d = event.data
    return [f"The dream knits itself back together. Round {d['round']} goes on."]


@renders("reset")
def _reset(event: Event, cast: Cast) -> list[str]:
    d = event.data
    lines = [
        "🛑 EMERGENCY PROTOCOL. The Mesh is hard-reset.",
        f"   Everyone loses {d['lucidity_loss']} lucidity; "
        f"next month's baseline drops to {d['baseline']}.",
    ]
    if d["freed"]:
        snap = "snaps" if len(d["freed"]) == 1 else "snap"
        lines.append(f"   {cast.names(d['freed'])} {snap} back from being adrift.")
    return lines


@renders("renamed")
def _renamed(event: Event, cast: Cast) -> list[str]:
    old = cast.escape(event.data["old"])
    return [f"{old} is now called {cast.name(event.data['character'])}."]


@renders("retired")
def _retired(event: Event, cast: Cast) -> list[str]:
    return [f"{cast.name(event.data['character'])} retires from the dream."]


@renders("dawn")
def _dawn(event: Event, cast: Cast) -> list[str]:
    entry = ChronicleEntry.model_validate(event.data["entry"])
    return ["", *recap(entry, cast), "", see_you(event, cast)]


def see_you(event: Event, cast: Cast) -> str:
    next_at = event.data.get("next_at")
    return f"See you next Bedtime: {cast.moment(next_at)}." if next_at else "See you next Bedtime."


@renders("reminder")
def _reminder(event: Event, cast: Cast) -> list[str]:
    return [f"🌙 Bedtime begins {cast.moment(event.data['at'])}. Rest well, and bring your dreams."]


@renders("schedule_set")
def _schedule_set(event: Event, cast: Cast) -> list[str]:
    d = event.data
    return [
        f"🗓 Bedtime meets on the {d['week']} {d['weekday'].capitalize()} of each month at "
        f"{d['time']} ({d['timezone']}).",
        f"Next session: {cast.moment(d['next_at'])}.",
    ]


@renders("skipped")
def _skipped(event: Event, cast: Cast) -> list[str]:
    d = event.data
    return [
        f"⏭ The session of {cast.moment(d['skipped'])} is skipped.",
        f"Next session: {cast.moment(d['next_at'])}.",
    ]


def recap(entry: ChronicleEntry, cast: Cast, texts: dict[str, str] | None = None) -> list[str]:
    """The dawn recap, rendered from a chronicle entry with today's names."""
    scape = cast.content.dreamscape_by_key[entry.dreamscape]
    lines = [f"🌅 Dawn — session {entry.number}, {scape.name}", scape.dawn, ""]
    lines.append(f"Who dreamed: {cast.names(entry.dreamers)}.")
    if entry.slept:
        lines.append(f"Slept through it: {cast.names(entry.slept)}.")
    lines.append("Key moments:")
    for moment in entry.moments:
        line = _moment(moment, cast)
        if line:
            lines.append(f"  • {line}")
    for n, g in enumerate(entry.glitches, start=1):
        how = "ended by the emergency protocol" if g.reset else plural(g.resonances, "resonance")
        lines.append(
            f"  • Glitch {n} (round {g.round}): {len(g.shared)} shared, "
            f"{g.dark} in the dark, {how}."
        )
        for cid in g.shared:
            if texts and cid in texts:
                lines.append(f"      “{cast.escape(texts[cid])}”")
    lines.append("What changed:")
    for outcome in entry.outcomes:
        before, after = outcome.lucidity
        parts = [f"lucidity {before}→{after}"]
        parts += [f"bond with {cast.name(o)} {v:+d}" for o, v in outcome.bonds.items()]
        if outcome.arc_step:
            parts.append(f"arc step “{outcome.arc_step}”")
        parts += [f"now {c.value}" for c in outcome.conditions_set]
        parts += [f"no longer {c.value}" for c in outcome.conditions_cleared]
        lines.append(f"  {cast.name(outcome.character)}: " + ", ".join(parts))
    before, after = entry.baseline
    lines.append(f"The Mesh's baseline for next month: {before} → {after}.")
    if entry.unlocked:
        lines.append(
            f"A new dreamscape opens: {cast.content.dreamscape_by_key[entry.unlocked].name}."
        )
    return lines


def _moment(moment: dict[str, Any], cast: Cast) -> str:
    kind = moment["kind"]
    if kind == "signature":
        character = cast.circle.characters.get(moment["character"])
        if character is None:
            return f"{LEFT} used a signature move."
        move = cast.content.archetype_by_key[character.archetype].signature.label
        return f"{character.name} used {move} in round {moment['round']}."
    if kind == "rescue":
        return f"{cast.names(moment['by'])} rescued {cast.name(moment['character'])}."
    if kind == "adrift":
        return f"{cast.name(moment['character'])} was left adrift by the glitch."
    if kind == "reset":
        return "The host triggered the emergency protocol."
    if kind == "arc":
        return f"{cast.name(moment['character'])} reached “{moment['step']}” on their arc."
    return ""
