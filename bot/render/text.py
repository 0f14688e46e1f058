"""Plain text for each kind of event, found by its class: the terminal's words, and the lines
of the Discord embeds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.content.models import Content, Dreamscape
from bot.core.events import (
    Abandoned,
    Acted,
    Answered,
    Archived,
    Beat,
    CharacterCreated,
    Confessing,
    ConfessionSettled,
    Dawn,
    Event,
    GlitchBegan,
    Hidden,
    Joined,
    Kicked,
    Left,
    LobbyOpened,
    Passed,
    Postponed,
    Previously,
    PromptDealt,
    Ready,
    Recovered,
    Reminder,
    Renamed,
    Rescued,
    Reset,
    ResonanceOpen,
    Resonated,
    Retired,
    Revealed,
    RoundResolved,
    RoundResumed,
    RoundStarted,
    ScheduleSet,
    SessionStarted,
    Skipped,
    Softened,
    SoftenSpent,
)
from bot.core.models import (
    AdriftMoment,
    ArcMoment,
    ChronicleEntry,
    Circle,
    GlitchMoment,
    Moment,
    RescueMoment,
    ResetMoment,
    SignatureMoment,
)
from bot.render.registry import Presenters

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

    def says(self, key: str, **slots: object) -> str:
        """A line of the dream's own voice (data/narration.toml)."""
        return self.content.says(key, **slots)

    def stability(self, value: int) -> str:
        return stability_bar(value, self.content.rules.stability.max)

    def signature_of(self, character_id: str) -> str:
        character = self.circle.characters.get(character_id)
        if character is None:
            return "signature"
        return self.content.archetype_by_key[character.archetype].signature.label

    def archetype(self, character_id: str) -> str:
        character = self.circle.characters.get(character_id)
        if character is None:
            return ""
        return self.content.archetype_by_key[character.archetype].name


def stability_bar(value: int, maximum: int) -> str:
    filled = round(BAR * max(0, min(value, maximum)) / maximum)
    return "█" * filled + "░" * (BAR - filled) + f" {value}"


# Every event class has a text presenter, if only to say it shows nothing.
presents: Presenters[list[str]] = Presenters("text")


def plural(count: int, one: str, many: str | None = None) -> str:
    """ "1 night", "2 nights"."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def render(event: Event, cast: Cast) -> list[str]:
    return presents.find(event)(event, cast)


@presents(
    Kicked,
    PromptDealt,
    Answered,
    Passed,
    SoftenSpent,
    ResonanceOpen,
    Ready,
    Abandoned,
    Hidden,
    Archived,
)
def _silent(event: Event, cast: Cast) -> list[str]:
    """Told to one dreamer or an admin in an answer of its own, or not told at all."""
    return []


@presents(LobbyOpened)
def _lobby(event: LobbyOpened, cast: Cast) -> list[str]:
    return [
        f"🌙 Bedtime is here — session {event.number}. "
        f"The lobby is open until {cast.moment(event.deadline)}.",
        f"   {event.min_players}–{event.max_players} dreamers can join.",
    ]


@presents(Previously)
def _previously(event: Previously, cast: Cast) -> list[str]:
    entry = event.entry
    recap = ["   " + line for line in previously(entry, cast)]
    return ["", cast.says("lobby.previously"), *recap, ""]


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
        if line and not isinstance(moment, SignatureMoment | GlitchMoment):
            lines.append(line)
    adrift = [c.id for c in cast.circle.characters.values() if c.adrift]
    if adrift:
        lines.append(cast.says("lobby.still_lost", names=cast.names(adrift)))
    return lines


@presents(CharacterCreated)
def _created(event: CharacterCreated, cast: Cast) -> list[str]:
    cid = event.character
    return [f"   (new character: {cast.name(cid)}, {cast.archetype(cid)})"]


@presents(Joined)
def _joined(event: Joined, cast: Cast) -> list[str]:
    cid = event.character
    who = f"{cast.name(cid)} ({cast.archetype(cid)})"
    if event.late:
        return [cast.says("circle.slips_in", who=who)]
    if event.returning:
        extra = cast.says("circle.returns_adrift") if event.adrift else ""
        return [cast.says("circle.returns", who=who, adrift=extra, count=event.count)]
    return [cast.says("circle.joins", who=who, count=event.count)]


@presents(Left)
def _left(event: Left, cast: Cast) -> list[str]:
    line = "circle.removed" if event.kicked else "circle.steps_out"
    return [cast.says(line, name=cast.name(event.character))]


@presents(Postponed)
def _postponed(event: Postponed, cast: Cast) -> list[str]:
    return [
        f"⏸ Only {event.joined} of the {event.needed} dreamers needed came. "
        f"Session {event.number} is postponed to {cast.moment(event.until)}."
    ]


@presents(SessionStarted)
def _started(event: SessionStarted, cast: Cast) -> list[str]:
    scape = cast.content.dreamscape_by_key[event.dreamscape]
    lines = ["", f"✦ {scape.name} ✦", scape.intro]
    if event.rested:
        arrive = "arrives" if len(event.rested) == 1 else "arrive"
        lines.append(cast.says("start.rested", names=cast.names(event.rested), arrive=arrive))
    if event.adrift:
        lines.append(cast.says("start.adrift", names=cast.names(event.adrift), **_rescue(cast)))
    lines.append(f"Stability {cast.stability(event.stability)}")
    return lines


@presents(RoundStarted)
def _round(event: RoundStarted, cast: Cast) -> list[str]:
    scape = cast.content.dreamscape_by_key[event.dreamscape]
    lines = ["", f"— Round {event.round} of {event.rounds} —", scape.scenes[event.scene]]
    if event.entered:
        enter = "enters" if len(event.entered) == 1 else "enter"
        lines.append(f"{cast.names(event.entered)} {enter} the dream.")
    lines.append(f"Stability {cast.stability(event.stability)}")
    return lines


@presents(Acted)
def _acted(event: Acted, cast: Cast) -> list[str]:
    return [f"   {cast.name(event.character)} has chosen. ({event.acted}/{event.of})"]


@presents(RoundResolved)
def _resolved(event: RoundResolved, cast: Cast) -> list[str]:
    scape = cast.content.dreamscape_by_key[event.dreamscape]
    lines = []
    for beat in event.beats:
        lines += ["   " + line for line in _beat(beat, scape, cast)]
    for character, count in event.reaching.items():
        reached = cast.says(
            "rescue.reaching", count=count, of=event.needed, name=cast.name(character)
        )
        lines.append("   " + reached)
    delta = event.stability - event.stability_before
    lines.append(f"Stability {cast.stability(event.stability)} ({delta:+d}{_causes(event, cast)})")
    return lines


def _beat(beat: Beat, scape: Dreamscape, cast: Cast) -> list[str]:
    name, action = cast.name(beat.character), beat.action
    if action == "signature":
        character = cast.circle.characters.get(beat.character)
        archetype = cast.content.archetype_by_key[character.archetype] if character else None
        told = archetype.signature.narration if archetype else ["{name} does something."]
        template = told[beat.line % len(told)]
        return [template.format(name=name, target=cast.name(beat.target))]
    pool = cast.content.beat_pool(scape, action, beat.variant, beat.flavour)
    template = pool[beat.line % len(pool)]
    found = scape.finds[beat.find % len(scape.finds)] if beat.find is not None else ""
    detail = scape.details[beat.detail % len(scape.details)] if beat.detail is not None else ""
    slots = {"name": name, "target": cast.name(beat.target), "find": found, "detail": detail}
    told = [template.format(**slots)]
    if found and "{find}" not in template:
        told.append(cast.says("round.brings_back", name=name, find=found))
    return told


def _causes(event: RoundResolved, cast: Cast) -> str:
    """ ": −6 drift, +8 Ada's Anchor, −12 Bo's Dive" (nothing for rounds stored without)."""
    parts = []
    for cause in event.causes:
        if cause.character is None:
            parts.append(cast.says("round.drift", amount=f"{cause.amount:+d}"))
            continue
        known = cast.content.action_by_key.get(cause.action or "")
        what = known.label if known else cast.signature_of(cause.character)
        parts.append(f"{cause.amount:+d} {cast.name(cause.character)}'s {what}")
    return ": " + ", ".join(parts) if parts else ""


@presents(Rescued)
def _rescued(event: Rescued, cast: Cast) -> list[str]:
    return [cast.says("rescue.home", names=cast.names(event.by), name=cast.name(event.character))]


@presents(GlitchBegan)
def _glitch(event: GlitchBegan, cast: Cast) -> list[str]:
    scape = cast.content.dreamscape_by_key[event.dreamscape]
    trigger = f"glitch.{event.trigger}"
    why = cast.says(trigger) if trigger in cast.content.narration else ""
    return [
        "",
        cast.says("glitch.fractured", why=why),
        scape.glitch,
        f"Stability {cast.stability(event.stability)}",
        cast.says("glitch.pressed"),
    ]


@presents(Confessing)
def _confessing(event: Confessing, cast: Cast) -> list[str]:
    return [f"   Face your prompt before {cast.moment(event.deadline)}."]


@presents(ConfessionSettled)
def _settled(event: ConfessionSettled, cast: Cast) -> list[str]:
    return [f"   A dreamer has faced their prompt. ({event.settled}/{event.of})"]


@presents(Softened)
def _softened(event: Softened, cast: Cast) -> list[str]:
    return [
        "   ✕ Someone asked for softer ground. "
        "Unanswered prompts are gentler now, and there is more time."
    ]


@presents(Revealed)
def _revealed(event: Revealed, cast: Cast) -> list[str]:
    lines = ["", cast.says("reveal.opens")]
    for n, item in enumerate(event.items, start=1):
        author = f" — {cast.name(item.author)}" if item.author else ""
        lines.append(f"  {n}. [{item.category}] “{cast.escape(item.text)}”{author}")
    for _ in range(event.dark):
        lines.append("  ·  " + cast.says("reveal.dark"))
    return lines


@presents(Resonated)
def _resonated(event: Resonated, cast: Cast) -> list[str]:
    total = event.total
    return [f"   The Mesh hears it. ({total} resonance{'s' if total != 1 else ''} so far)"]


@presents(Recovered)
def _recovered(event: Recovered, cast: Cast) -> list[str]:
    if not event.dreamers:  # stored before the sum was told
        lines = [
            f"The Mesh recovers +{event.recovered} ({plural(event.resonances, 'resonance')}). "
            f"Stability {cast.stability(event.stability)}"
        ]
    else:
        lines = _recovery_sum(event, cast)
    if event.adrift:
        lines.append(cast.says("recovery.claims", name=cast.name(event.adrift)))
        lines.append("   " + adrift_rule(cast))
    return lines


def _recovery_sum(event: Recovered, cast: Cast) -> list[str]:
    """The fracture's cost, then the recovery's whole sum, to the stability it leaves."""
    rules = cast.content.rules.stability
    before = event.fractured_from if event.fractured_from is not None else event.stability
    after = max(rules.min, before - event.fracture)
    owed = cast.says("recovery.owed", owed=event.owed) if event.owed else ""
    paid = min(event.owed, event.recovered)
    parts = [f"{plural(event.dreamers, 'dreamer')} × {event.per_dreamer}"]
    if event.resonances:
        parts.append(f"{plural(event.resonances, 'resonance')} × {event.per_resonance}")
    if before <= rules.min:
        fracture = cast.says("recovery.fracture_at_zero", cost=event.fracture, owed=event.owed)
    else:
        fracture = cast.says(
            "recovery.fracture", cost=event.fracture, before=before, after=after, owed=owed
        )
    return [
        fracture,
        cast.says(
            "recovery.sum",
            recovered=event.recovered,
            parts=", ".join(parts),
            paid=cast.says("recovery.paid", paid=paid) if paid else "",
            stability=cast.stability(event.stability),
        ),
    ]


def adrift_rule(cast: Cast) -> str:
    """What an Adrift dreamer may do, and what brings them back."""
    return cast.says("rescue.rule", **_rescue(cast))


def _rescue(cast: Cast) -> dict[str, object]:
    actions = cast.content.actions
    return {
        "actions": " or ".join(a.label for a in actions if a.while_adrift),
        "needed": cast.content.rules.rescue.shares,
        "rescuing": " or ".join(a.label for a in actions if a.rule == "rescue") or "Share",
    }


@presents(RoundResumed)
def _resumed(event: RoundResumed, cast: Cast) -> list[str]:
    return [cast.says("recovery.resumes", round=event.round)]


@presents(Reset)
def _reset(event: Reset, cast: Cast) -> list[str]:
    lines = [
        cast.says("reset.protocol"),
        cast.says("reset.price", loss=event.lucidity_loss, baseline=event.baseline),
    ]
    if event.freed:
        snap = "snaps" if len(event.freed) == 1 else "snap"
        lines.append(cast.says("reset.freed", names=cast.names(event.freed), snap=snap))
    return lines


@presents(Renamed)
def _renamed(event: Renamed, cast: Cast) -> list[str]:
    old = cast.escape(event.old)
    return [f"{old} is now called {cast.name(event.character)}."]


@presents(Retired)
def _retired(event: Retired, cast: Cast) -> list[str]:
    return [f"{cast.name(event.character)} retires from the dream."]


@presents(Dawn)
def _dawn(event: Dawn, cast: Cast) -> list[str]:
    return ["", *recap(event.entry, cast), "", see_you(event, cast)]


def see_you(event: Dawn, cast: Cast) -> str:
    if event.next_at:
        return cast.says("dawn.see_you", when=cast.moment(event.next_at))
    return cast.says("dawn.see_you_someday")


@presents(Reminder)
def _reminder(event: Reminder, cast: Cast) -> list[str]:
    return [cast.says("calendar.reminder", when=cast.moment(event.at))]


@presents(ScheduleSet)
def _schedule_set(event: ScheduleSet, cast: Cast) -> list[str]:
    return [
        f"🗓 Bedtime meets on the {event.week} {event.weekday.capitalize()} of each month at "
        f"{event.time} ({event.timezone}).",
        f"Next session: {cast.moment(event.next_at)}.",
    ]


@presents(Skipped)
def _skipped(event: Skipped, cast: Cast) -> list[str]:
    return [
        f"⏭ The session of {cast.moment(event.skipped)} is skipped.",
        f"Next session: {cast.moment(event.next_at)}.",
    ]


def recap(entry: ChronicleEntry, cast: Cast, texts: dict[str, str] | None = None) -> list[str]:
    """The dawn recap, rendered from a chronicle entry with today's names."""
    scape = cast.content.dreamscape_by_key[entry.dreamscape]
    lines = [f"🌅 Dawn — session {entry.number}, {scape.name}", scape.dawn, ""]
    lines.append(f"Who dreamed: {cast.names(entry.dreamers)}.")
    if entry.slept:
        lines.append(f"Slept through it: {cast.names(entry.slept)}.")
    finds = [scape.finds[i] for i in entry.collected if 0 <= i < len(scape.finds)]
    if finds:
        lines.append(cast.says("round.found_tonight", finds="; ".join(finds)))
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
    fade = cast.content.rules.lucidity
    if fade.fade and entry.outcomes:
        lines.append("   " + cast.says("dawn.fades", start=fade.start, share=fade.fade))
    before, after = entry.baseline
    lines.append(f"The Mesh's baseline for next month: {before} → {after}.")
    if entry.unlocked:
        lines.append(
            f"A new dreamscape opens: {cast.content.dreamscape_by_key[entry.unlocked].name}."
        )
    return lines


def _moment(moment: Moment, cast: Cast) -> str:
    match moment:
        case SignatureMoment():
            character = cast.circle.characters.get(moment.character)
            if character is None:
                return f"{LEFT} used a signature move."
            move = cast.content.archetype_by_key[character.archetype].signature.label
            return f"{character.name} used {move} in round {moment.round}."
        case RescueMoment():
            return f"{cast.names(moment.by)} rescued {cast.name(moment.character)}."
        case AdriftMoment():
            return f"{cast.name(moment.character)} was left adrift by the glitch."
        case ResetMoment():
            return "The host triggered the emergency protocol."
        case ArcMoment():
            return f"{cast.name(moment.character)} reached “{moment.step}” on their arc."
    return ""
