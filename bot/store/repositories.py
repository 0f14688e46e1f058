"""Repositories: one per aggregate, each reading and writing its own tables, in SQL that both
stores read (see sql.py).

Writes run inside a unit of work, which the services open once per move.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.content.models import Prompt
from bot.core.characters import name_key
from bot.core.models import (
    Boundaries,
    Campaign,
    Character,
    ChronicleEntry,
    Circle,
    Player,
    Session,
)
from bot.core.phases import Phase
from bot.store.seal import PLAIN, Sealer
from bot.store.shards import EVERY_GUILD, Shards
from bot.store.sql import Sql

_CLOSED = (Phase.ARCHIVED.value, Phase.CANCELLED.value)


def stamp(moment: datetime) -> str:
    """Timestamps are stored as UTC ISO text, which sorts in time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def unstamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


class CampaignCache:
    """Campaigns by channel, as committed: every interaction starts by looking its channel's
    campaign up. A unit of work tells the cache what it wrote once it has committed, so the
    cache never holds what a rolled-back change wrote. This process is the store's only writer
    (see lock.py), so nothing else can make it stale."""

    def __init__(self) -> None:
        # (guild, channel) -> (campaign id, the campaign as stored); each get is a fresh copy
        self._by_channel: dict[tuple[int, int], tuple[str, str]] = {}

    def get(self, guild_id: int, channel_id: int) -> Campaign | None:
        found = self._by_channel.get((guild_id, channel_id))
        return Campaign.model_validate_json(found[1]) if found is not None else None

    def put(self, guild_id: int, channel_id: int, campaign_id: str, text: str) -> None:
        self._by_channel[(guild_id, channel_id)] = (campaign_id, text)

    def committed(self, written: Written) -> None:
        for (guild_id, channel_id, campaign_id), text in written.saved.items():
            self.put(guild_id, channel_id, campaign_id, text)
        if written.deleted:
            self._by_channel = {
                key: value
                for key, value in self._by_channel.items()
                if value[0] not in written.deleted
            }


class Written:
    """What one unit of work wrote to campaigns, for the cache once it commits."""

    def __init__(self) -> None:
        self.saved: dict[tuple[int, int, str], str] = {}  # (guild, channel, id) -> JSON
        self.deleted: set[str] = set()


class Campaigns:
    def __init__(
        self,
        db: Sql,
        written: Written | None = None,
        cache: CampaignCache | None = None,
    ) -> None:
        self.db = db
        self.written = written  # a unit of work's record of its writes
        self.cache = cache  # for reads outside any change

    async def by_channel(
        self, guild_id: int, channel_id: int, *, lock: bool = False
    ) -> Campaign | None:
        """The channel's campaign; with `lock`, its row is locked until the transaction ends."""
        if self.cache is not None and (cached := self.cache.get(guild_id, channel_id)):
            return cached
        sql = "SELECT state FROM campaigns WHERE guild_id = ? AND channel_id = ?"
        if lock and self.db.locks_rows:
            sql += " FOR UPDATE"
        row = await self.db.first(sql, (guild_id, channel_id))
        if row is None:
            return None
        campaign = Campaign.model_validate_json(row[0])
        if self.cache is not None:
            self.cache.put(guild_id, channel_id, campaign.id, row[0])
        return campaign

    async def lock(self, campaign_ids: Iterable[str]) -> None:
        """Lock these campaigns' rows until the transaction ends, in id order, so that two
        changes that each touch several campaigns never wait for each other in a circle."""
        ids = sorted(set(campaign_ids))
        if ids and self.db.locks_rows:
            marks = ",".join("?" * len(ids))
            sql = f"SELECT id FROM campaigns WHERE id IN ({marks}) ORDER BY id FOR UPDATE"
            await self.db.fetch(sql, ids)

    async def lock_of_player(self, player_id: str) -> None:
        """Lock, in id order, every campaign where the player has a character."""
        if self.db.locks_rows:
            await self.db.fetch(
                "SELECT id FROM campaigns WHERE id IN "
                "(SELECT campaign_id FROM characters WHERE player_id = ?) ORDER BY id FOR UPDATE",
                (player_id,),
            )

    async def in_guild(self, guild_id: int) -> list[Campaign]:
        sql = "SELECT state FROM campaigns WHERE guild_id = ? ORDER BY rowid"
        rows = await self.db.fetch(sql, (guild_id,))
        return [Campaign.model_validate_json(row[0]) for row in rows]

    async def save(self, campaign: Campaign, text: str | None = None) -> None:
        """Write the campaign (`text`: its JSON, if the caller has it already)."""
        next_at = stamp(campaign.next_at) if campaign.next_at else None
        text = text or campaign.model_dump_json()
        await self.db.execute(
            "UPDATE campaigns SET state = ?, next_at = ? WHERE id = ?",
            (text, next_at, campaign.id),
        )
        self._wrote(campaign, text)

    def _wrote(self, campaign: Campaign, text: str) -> None:
        if self.written is not None:
            where = (campaign.guild_id, campaign.channel_id, campaign.id)
            self.written.saved[where] = text

    async def by_id(self, campaign_id: str) -> Campaign | None:
        row = await self.db.first("SELECT state FROM campaigns WHERE id = ?", (campaign_id,))
        return Campaign.model_validate_json(row[0]) if row else None

    async def scheduled_before(
        self, moment: datetime, shards: Shards = EVERY_GUILD, limit: int = 100
    ) -> list[str]:
        """Campaigns of owned guilds whose next scheduled session is at or before `moment`."""
        owned, guilds = shards.where("guild_id")
        sql = (
            f"SELECT id FROM campaigns WHERE next_at IS NOT NULL AND next_at <= ? AND {owned} "
            "ORDER BY next_at LIMIT ?"
        )
        return [row[0] for row in await self.db.fetch(sql, (stamp(moment), *guilds, limit))]

    async def with_generation(self, campaign_id: str) -> tuple[Campaign | None, int]:
        """The campaign, and how many changes it has had from outside its live session."""
        sql = "SELECT state, generation FROM campaigns WHERE id = ?"
        row = await self.db.first(sql, (campaign_id,))
        return (Campaign.model_validate_json(row[0]), int(row[1])) if row else (None, 0)

    async def unchanged_since(self, campaign_id: str, generation: int) -> None:
        """Fail the transaction (Changed) if the campaign was changed from outside its live
        session after that session loaded it at `generation`."""
        await self.db.require(
            "UPDATE campaigns SET generation = generation WHERE id = ? AND generation = ?",
            (campaign_id, generation),
        )

    async def touched(self, campaign_ids: Iterable[str]) -> None:
        """A change from outside their live sessions: whoever holds them must load them again
        before writing their circles (see `unchanged_since`)."""
        await self.db.executemany(
            "UPDATE campaigns SET generation = generation + 1 WHERE id = ?",
            [(i,) for i in sorted(campaign_ids)],
        )

    async def delete(self, campaign_id: str) -> None:
        await self.db.execute("DELETE FROM campaigns WHERE id = ?", (campaign_id,))
        if self.written is not None:
            self.written.deleted.add(campaign_id)

    async def guilds(self) -> set[int]:
        """Every server that has a campaign."""
        return {row[0] for row in await self.db.fetch("SELECT DISTINCT guild_id FROM campaigns")}

    async def add(self, campaign: Campaign) -> None:
        text = campaign.model_dump_json()
        await self.db.execute(
            "INSERT INTO campaigns (id, guild_id, channel_id, state) VALUES (?, ?, ?, ?)",
            (campaign.id, campaign.guild_id, campaign.channel_id, text),
        )
        self._wrote(campaign, text)


class Players:
    def __init__(self, db: Sql, sealer: Sealer = PLAIN) -> None:
        self.db = db
        self.sealer = sealer

    async def by_user(self, user_id: int, *, lock: bool = False) -> Player | None:
        """The user's player; with `lock`, its row is locked until the transaction ends (a
        change to what is theirs across campaigns: rest, forget-me)."""
        sql = "SELECT id, user_id, display_name FROM players WHERE user_id = ?"
        if lock and self.db.locks_rows:
            sql += " FOR UPDATE"
        row = await self.db.first(sql, (user_id,))
        return Player(id=row[0], user_id=row[1], display_name=row[2]) if row else None

    async def add(self, player: Player) -> None:
        await self.db.execute(
            "INSERT INTO players (id, user_id, display_name) VALUES (?, ?, ?)",
            (player.id, player.user_id, player.display_name),
        )

    async def rests(self, player_id: str) -> list[datetime]:
        sql = "SELECT at FROM rests WHERE player_id = ? ORDER BY at"
        rows = await self.db.fetch(sql, (player_id,))
        return [unstamp(row[0]) for row in rows]

    async def add_rest(self, player_id: str, at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO rests (player_id, at) VALUES (?, ?)", (player_id, stamp(at))
        )

    async def set_boundaries(self, campaign_id: str, player_id: str, chosen: Boundaries) -> None:
        await self.db.execute(
            """
            INSERT INTO boundaries (campaign_id, player_id, lines, veils) VALUES (?, ?, ?, ?)
            ON CONFLICT (campaign_id, player_id) DO UPDATE SET
                lines = excluded.lines, veils = excluded.veils
            """,
            (
                campaign_id,
                player_id,
                json.dumps(sorted(chosen.lines)),
                json.dumps(sorted(chosen.veils)),
            ),
        )

    async def delete(self, player_id: str) -> None:
        """The player and, by cascade, their characters, bonds, confessions, rests and
        boundaries."""
        await self.db.execute("DELETE FROM players WHERE id = ?", (player_id,))

    async def everything(self, player: Player) -> dict[str, Any]:
        """All that is stored about one player, for them to take away."""
        out: dict[str, Any] = {"player": player.model_dump(mode="json")}
        characters = []
        sql = "SELECT state FROM characters WHERE player_id = ? ORDER BY rowid"
        for row in await self.db.fetch(sql, (player.id,)):
            characters.append(json.loads(row[0]))
        ids = [c["id"] for c in characters]
        marks = ",".join("?" * len(ids))
        bonds, confessions = [], []
        if ids:
            sql = (
                f"SELECT campaign_id, a, b, value FROM bonds WHERE a IN ({marks}) OR b IN ({marks})"
            )
            bonds = [
                {"campaign": r[0], "between": [r[1], r[2]], "value": r[3]}
                for r in await self.db.fetch(sql, (*ids, *ids))
            ]
            sql = (
                f"SELECT session_id, author_id, text FROM confessions WHERE author_id IN ({marks})"
            )
            confessions = [
                {"session": r[0], "character": r[1], "text": self.sealer.open(r[2])}
                for r in await self.db.fetch(sql, ids)
            ]
        sql = "SELECT campaign_id, lines, veils FROM boundaries WHERE player_id = ?"
        boundaries = [
            {"campaign": r[0], "lines": json.loads(r[1]), "veils": json.loads(r[2])}
            for r in await self.db.fetch(sql, (player.id,))
        ]
        out |= {
            "characters": characters,
            "bonds": bonds,
            "rest_log": [stamp(at) for at in await self.rests(player.id)],
            "boundaries": boundaries,
            "confessions": confessions,
        }
        return out

    async def campaigns(self, player_id: str) -> set[str]:
        """Every campaign holding something of the player's: a character or boundaries."""
        sql = (
            "SELECT campaign_id FROM characters WHERE player_id = ? "
            "UNION SELECT campaign_id FROM boundaries WHERE player_id = ?"
        )
        return {row[0] for row in await self.db.fetch(sql, (player_id, player_id))}

    async def forget_in(self, player_id: str, campaign_ids: Iterable[str]) -> None:
        """The player's characters and boundaries in these campaigns only."""
        for campaign_id in campaign_ids:
            for table in ("characters", "boundaries"):
                await self.db.execute(
                    f"DELETE FROM {table} WHERE player_id = ? AND campaign_id = ?",
                    (player_id, campaign_id),
                )

    async def orphans(self) -> list[str]:
        """Players with no character anywhere."""
        sql = (
            "SELECT id FROM players WHERE NOT EXISTS "
            "(SELECT 1 FROM characters WHERE characters.player_id = players.id)"
        )
        return [row[0] for row in await self.db.fetch(sql)]


class Circles:
    """A campaign with its characters and bonds, loaded and saved as one."""

    def __init__(self, db: Sql, written: Written | None = None) -> None:
        self.db = db
        self.written = written

    async def load(self, campaign: Campaign) -> Circle:
        circle = Circle(campaign=campaign)
        sql = "SELECT state FROM characters WHERE campaign_id = ?"
        for row in await self.db.fetch(sql, (campaign.id,)):
            character = Character.model_validate_json(row[0])
            circle.characters[character.id] = character
        sql = "SELECT a, b, value FROM bonds WHERE campaign_id = ?"
        for a, b, value in await self.db.fetch(sql, (campaign.id,)):
            circle.bonds[f"{a}|{b}"] = value
        sql = "SELECT player_id, lines, veils FROM boundaries WHERE campaign_id = ?"
        for player_id, lines, veils in await self.db.fetch(sql, (campaign.id,)):
            circle.boundaries[player_id] = Boundaries(
                lines=frozenset(json.loads(lines)), veils=frozenset(json.loads(veils))
            )
        circle.prompts = await Prompts(self.db).of_campaign(campaign.id)
        return circle

    async def save(self, circle: Circle, before: CircleRows | None = None) -> CircleRows:
        """Write the circle's campaign, characters and bonds: only the rows that differ from
        `before` (what an owned session last wrote), or all of them. Returns what is stored."""
        campaign = circle.campaign
        rows = CircleRows.of(circle)
        if before is None or rows.campaign != before.campaign:
            await Campaigns(self.db, self.written).save(campaign, rows.campaign)
        changed = [
            row
            for cid, row in rows.characters.items()
            if before is None or before.characters.get(cid) != row
        ]
        if changed:
            await self.db.executemany(
                """
                INSERT INTO characters (id, campaign_id, player_id, name_key, retired, state)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    name_key = excluded.name_key, retired = excluded.retired,
                    state = excluded.state
                """,
                # A retirement frees a name before the character who takes it is written.
                sorted(changed, key=lambda row: not row[4]),
            )
        bonds = [
            (campaign.id, *key.split("|"), value)
            for key, value in circle.bonds.items()
            if before is None or before.bonds.get(key) != value
        ]
        if bonds:
            await self.db.executemany(
                """
                INSERT INTO bonds (campaign_id, a, b, value) VALUES (?, ?, ?, ?)
                ON CONFLICT (a, b) DO UPDATE SET value = excluded.value
                """,
                bonds,
            )
        return rows


class CircleRows:
    """A circle as its rows: what a save compares against to write only what changed."""

    __slots__ = ("bonds", "campaign", "characters")

    def __init__(
        self,
        campaign: str,
        characters: dict[str, tuple[str, str, str, str, int, str]],
        bonds: dict[str, int],
    ) -> None:
        self.campaign = campaign
        self.characters = characters
        self.bonds = bonds

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CircleRows):
            return NotImplemented
        return (self.campaign, self.characters, self.bonds) == (
            other.campaign,
            other.characters,
            other.bonds,
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def of(cls, circle: Circle) -> CircleRows:
        return cls(
            circle.campaign.model_dump_json(),
            {c.id: _character_row(c) for c in circle.characters.values()},
            dict(circle.bonds),
        )


def _character_row(c: Character) -> tuple[str, str, str, str, int, str]:
    return (
        c.id,
        c.campaign_id,
        c.player_id,
        name_key(c.name),
        int(c.retired),
        c.model_dump_json(),
    )


class Sessions:
    def __init__(self, db: Sql, sealer: Sealer = PLAIN) -> None:
        self.db = db
        self.sealer = sealer

    async def current(self, campaign_id: str) -> Session | None:
        """The campaign's session that is not yet archived or cancelled, if any."""
        sql = (
            "SELECT id, state FROM sessions WHERE campaign_id = ? AND phase NOT IN (?, ?) "
            "ORDER BY number DESC LIMIT 1"
        )
        row = await self.db.first(sql, (campaign_id, *_CLOSED))
        return await self._with_texts(row[0], row[1]) if row else None

    async def by_id(self, session_id: str) -> Session | None:
        sql = "SELECT id, state FROM sessions WHERE id = ?"
        row = await self.db.first(sql, (session_id,))
        return await self._with_texts(row[0], row[1]) if row else None

    async def _with_texts(self, session_id: str, state: str) -> Session:
        session = Session.model_validate_json(state)
        sql = "SELECT id, text FROM confessions WHERE session_id = ?"
        rows = await self.db.fetch(sql, (session_id,))
        session.texts = {row[0]: self.sealer.open(row[1]) for row in rows}
        return session

    async def due(
        self, now: datetime, shards: Shards = EVERY_GUILD, limit: int = 100
    ) -> list[tuple[str, str]]:
        """(campaign id, session id) of sessions of owned guilds whose deadline has passed."""
        owned, guilds = shards.where("campaigns.guild_id")
        sql = (
            "SELECT sessions.campaign_id, sessions.id FROM sessions "
            "JOIN campaigns ON campaigns.id = sessions.campaign_id "
            f"WHERE sessions.deadline IS NOT NULL AND sessions.deadline <= ? AND {owned} "
            "ORDER BY sessions.deadline LIMIT ?"
        )
        rows = await self.db.fetch(sql, (stamp(now), *guilds, limit))
        return [(row[0], row[1]) for row in rows]

    async def save(
        self, session: Session, stored: set[str] | None = None, text: str | None = None
    ) -> set[str]:
        """Write the session (`text`: its JSON, if the caller has it already), and its
        confession texts that are not `stored` yet (read from the database when not given).
        Returns the ids of the texts stored now."""
        deadline = stamp(session.deadline) if session.deadline else None
        await self.db.execute(
            """
            INSERT INTO sessions (id, campaign_id, number, phase, deadline, state)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET
                phase = excluded.phase, deadline = excluded.deadline, state = excluded.state
            """,
            (
                session.id,
                session.campaign_id,
                session.number,
                session.phase.value,
                deadline,
                text or session.model_dump_json(),
            ),
        )
        return await self._save_texts(session, stored)

    async def _save_texts(self, session: Session, stored: set[str] | None) -> set[str]:
        """A text is written once, sealed (see seal.py), and deleted when the session drops it."""
        if not session.glitches:
            return set()  # texts answer a glitch's prompts: before the first, there are none
        if stored is None:
            sql = "SELECT id FROM confessions WHERE session_id = ?"
            stored = {row[0] for row in await self.db.fetch(sql, (session.id,))}
        authors = {c.id: c.author for g in session.glitches for c in g.confessions.values()}
        new = [
            (cid, session.id, authors[cid], self.sealer.seal(text))
            for cid, text in session.texts.items()
            if cid not in stored
        ]
        if new:
            await self.db.executemany(
                "INSERT INTO confessions (id, session_id, author_id, text) VALUES (?, ?, ?, ?)",
                new,
            )
        dropped = sorted(stored - set(session.texts))
        if dropped:
            marks = ",".join("?" * len(dropped))
            await self.db.execute(
                f"DELETE FROM confessions WHERE session_id = ? AND id IN ({marks})",
                (session.id, *dropped),
            )
        return set(session.texts)


class Chronicle:
    def __init__(self, db: Sql, sealer: Sealer = PLAIN) -> None:
        self.db = db
        self.sealer = sealer

    async def add(self, campaign_id: str, entry: ChronicleEntry) -> None:
        await self.db.execute(
            "INSERT INTO chronicle (session_id, campaign_id, number, entry) VALUES (?, ?, ?, ?)",
            (entry.session_id, campaign_id, entry.number, entry.model_dump_json()),
        )

    async def latest(self, campaign_id: str) -> ChronicleEntry | None:
        sql = "SELECT entry FROM chronicle WHERE campaign_id = ? ORDER BY number DESC LIMIT 1"
        row = await self.db.first(sql, (campaign_id,))
        return ChronicleEntry.model_validate_json(row[0]) if row else None

    async def by_number(self, campaign_id: str, number: int) -> ChronicleEntry | None:
        sql = "SELECT entry FROM chronicle WHERE campaign_id = ? AND number = ?"
        row = await self.db.first(sql, (campaign_id, number))
        return ChronicleEntry.model_validate_json(row[0]) if row else None

    async def texts(self, entry: ChronicleEntry) -> dict[str, str]:
        """Shared confession texts the campaign kept for this entry (none by default)."""
        sql = "SELECT id, text FROM confessions WHERE session_id = ?"
        rows = await self.db.fetch(sql, (entry.session_id,))
        return {row[0]: self.sealer.open(row[1]) for row in rows}


class Moves:
    """Idempotency keys of the moves and other changes already applied."""

    def __init__(self, db: Sql) -> None:
        self.db = db

    async def seen(self, key: str) -> bool:
        sql = "SELECT 1 FROM moves WHERE key = ? UNION ALL SELECT 1 FROM interactions WHERE key = ?"
        return await self.db.first(sql, (key, key)) is not None

    async def record(self, key: str, campaign_id: str | None, at: datetime) -> None:
        """A key for a campaign's move, or (None) for a change that is not one campaign's."""
        if campaign_id is None:
            sql = "INSERT INTO interactions (key, at) VALUES (?, ?)"
            await self.db.execute(sql, (key, stamp(at)))
            return
        await self.db.execute(
            "INSERT INTO moves (key, campaign_id, at) VALUES (?, ?, ?)",
            (key, campaign_id, stamp(at)),
        )

    async def latest(self, campaign_id: str, limit: int) -> list[str]:
        """The keys of the campaign's last `limit` moves, oldest first."""
        sql = "SELECT key FROM moves WHERE campaign_id = ? ORDER BY at DESC LIMIT ?"
        return [row[0] for row in reversed(await self.db.fetch(sql, (campaign_id, limit)))]

    async def since(self, moment: datetime) -> list[str]:
        """Keys recorded at or after `moment`: a restart still knows recent interactions."""
        sql = (
            "SELECT key FROM moves WHERE at >= ? "
            "UNION ALL SELECT key FROM interactions WHERE at >= ?"
        )
        return [row[0] for row in await self.db.fetch(sql, (stamp(moment), stamp(moment)))]


class Characters:
    """Characters across campaigns, for what belongs to the player rather than a circle."""

    def __init__(self, db: Sql) -> None:
        self.db = db

    async def everywhere(self, player_id: str) -> list[tuple[str, str, int]]:
        """(character id, campaign id, guild id) of all the player's characters, retired too."""
        sql = (
            "SELECT characters.id, campaign_id, guild_id FROM characters "
            "JOIN campaigns ON campaigns.id = characters.campaign_id WHERE player_id = ?"
        )
        return [(row[0], row[1], row[2]) for row in await self.db.fetch(sql, (player_id,))]

    async def of_player(self, player_id: str) -> list[Character]:
        sql = "SELECT state FROM characters WHERE player_id = ? AND retired = 0 ORDER BY rowid"
        return [
            Character.model_validate_json(row[0]) for row in await self.db.fetch(sql, (player_id,))
        ]

    async def save(self, character: Character) -> None:
        await self.db.execute(
            "UPDATE characters SET state = ? WHERE id = ?",
            (character.model_dump_json(), character.id),
        )


# An owed post nobody holds or claims, or whose hold or claim ran out before `?` (now).
_CLAIMABLE = "((held_by IS NULL AND claimed_until IS NULL) OR claimed_until < ?)"


class Outbox:
    """Posts owed to the circle, written with the move that made them: a timer's, for the
    scheduler to send; a player's, held while the interaction answers it. Posts that show
    confession text are sealed like the text itself.

    A post is sent by the process that owns its guild: it claims the post for a lease
    (`claim`), and deletes it once sent (`done`) or gives it back (`unclaim`). A held post is
    a claim too, for as long as an interaction's token lives. A process gives back only its own
    claims; others' come back when their lease runs out, or when a process takes over their
    guilds' shards (`recover`), which it can only do once their owner is gone."""

    def __init__(self, db: Sql, sealer: Sealer = PLAIN) -> None:
        self.db = db
        self.sealer = sealer

    async def add(
        self,
        campaign_id: str,
        guild_id: int,
        session_id: str | None,
        events: str,
        at: datetime,
        held: tuple[str, str, datetime] | None = None,
        *,
        secret: bool = False,
    ) -> None:
        """`held` is (the move's key, this process, until when) while an interaction tells
        the circle itself."""
        stored = self.sealer.seal(events) if secret else events
        key, holder, until = held if held is not None else (None, None, None)
        await self.db.execute(
            "INSERT INTO outbox (campaign_id, guild_id, session_id, events, created_at, "
            "held_by, claimed_by, claimed_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                campaign_id,
                guild_id,
                session_id,
                stored,
                stamp(at),
                key,
                holder,
                stamp(until) if until else None,
            ),
        )

    async def claimable(self, now: datetime, shards: Shards) -> bool:
        """Whether `claim` would find anything: a read, so that an idle tick writes nothing."""
        owned, guilds = shards.where("guild_id")
        sql = f"SELECT 1 FROM outbox WHERE {_CLAIMABLE} AND {owned} LIMIT 1"
        return await self.db.first(sql, (stamp(now), *guilds)) is not None

    async def claim(
        self, holder: str, now: datetime, until: datetime, shards: Shards, limit: int = 50
    ) -> list[tuple[int, str, str | None, str]]:
        """Claim, until `until`, owed posts of owned guilds that nobody holds (or whose claim
        ran out), oldest first: (row id, campaign id, session id, events). On PostgreSQL,
        rows another process is claiming at this moment are skipped, not waited for."""
        owned, guilds = shards.where("guild_id")
        skip = " FOR UPDATE SKIP LOCKED" if self.db.locks_rows else ""
        sql = (
            "UPDATE outbox SET held_by = NULL, claimed_by = ?, claimed_until = ? WHERE id IN ("
            f"SELECT id FROM outbox WHERE {_CLAIMABLE} AND {owned} ORDER BY id LIMIT ?{skip}) "
            "RETURNING id, campaign_id, session_id, events"
        )
        parameters = (holder, stamp(until), stamp(now), *guilds, limit)
        rows = sorted(await self.db.fetch(sql, parameters), key=lambda row: int(row[0]))
        return [(int(row[0]), row[1], row[2], self.sealer.open(row[3])) for row in rows]

    async def pending(self, limit: int = 50) -> list[tuple[int, str, str | None, str]]:
        """Owed posts nobody holds, without claiming them (for tools and tests)."""
        sql = (
            "SELECT id, campaign_id, session_id, events FROM outbox "
            "WHERE held_by IS NULL AND claimed_by IS NULL ORDER BY id LIMIT ?"
        )
        rows = await self.db.fetch(sql, (limit,))
        return [(row[0], row[1], row[2], self.sealer.open(row[3])) for row in rows]

    async def done(self, row_id: int, holder: str) -> None:
        """Sent: unless the claim ran out and another process has it now."""
        await self.db.execute(
            "DELETE FROM outbox WHERE id = ? AND (claimed_by = ? OR claimed_by IS NULL)",
            (row_id, holder),
        )

    async def unclaim(self, row_ids: Iterable[int], holder: str) -> None:
        """Give back claims this process could not use now (the next tick tries again)."""
        await self.db.executemany(
            "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL "
            "WHERE id = ? AND claimed_by = ?",
            [(row_id, holder) for row_id in row_ids],
        )

    async def answered(self, key: str) -> None:
        """The interaction that made the move has told the circle: nothing is owed."""
        await self.db.execute("DELETE FROM outbox WHERE held_by = ?", (key,))

    async def release(self, key: str) -> int:
        """Hand one move's held posts to the scheduler: its interaction failed partway."""
        return await self.db.execute(
            "UPDATE outbox SET held_by = NULL, claimed_by = NULL, claimed_until = NULL "
            "WHERE held_by = ?",
            (key,),
        )

    async def recover(self, shards: Shards) -> int:
        """At start-up, with the shards' leases taken: posts of owned guilds held or claimed
        by a process that has stopped are the scheduler's to send."""
        owned, guilds = shards.where("guild_id")
        return await self.db.execute(
            "UPDATE outbox SET held_by = NULL, claimed_by = NULL, claimed_until = NULL "
            f"WHERE (held_by IS NOT NULL OR claimed_by IS NOT NULL) AND {owned}",
            guilds,
        )


class Reminders:
    def __init__(self, db: Sql) -> None:
        self.db = db

    async def claim(self, campaign_id: str, session_at: datetime, before_min: int) -> bool:
        """Record a reminder as sent; False if it already was."""
        added = await self.db.execute(
            "INSERT INTO reminders (campaign_id, session_at, before_min) "
            "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (campaign_id, stamp(session_at), before_min),
        )
        return added == 1


class Prompts:
    """A campaign's own prompts."""

    def __init__(self, db: Sql) -> None:
        self.db = db

    async def of_campaign(self, campaign_id: str) -> list[Prompt]:
        sql = "SELECT state FROM prompts WHERE campaign_id = ? ORDER BY created_at, id"
        return [
            Prompt.model_validate_json(row[0]) for row in await self.db.fetch(sql, (campaign_id,))
        ]

    async def add(self, campaign_id: str, prompts: Iterable[Prompt], at: datetime) -> None:
        await self.db.executemany(
            "INSERT INTO prompts (id, campaign_id, state, created_at) VALUES (?, ?, ?, ?)",
            [(p.id, campaign_id, p.model_dump_json(), stamp(at)) for p in prompts],
        )

    async def remove(self, campaign_id: str, prompt_id: str) -> None:
        await self.db.execute(
            "DELETE FROM prompts WHERE campaign_id = ? AND id = ?", (campaign_id, prompt_id)
        )


class RevealMessages:
    """The bot's messages that show a session's confession text, to edit when it is deleted."""

    def __init__(self, db: Sql) -> None:
        self.db = db

    async def add(self, session_id: str, glitch: int, channel_id: int, message_id: int) -> None:
        await self.db.execute(
            "INSERT INTO reveal_messages (session_id, glitch, channel_id, message_id) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (session_id, glitch, channel_id, message_id),
        )

    async def of_session(self, session_id: str) -> list[tuple[int, int, int]]:
        """(glitch number, channel id, message id) of each message revealing the session."""
        sql = "SELECT glitch, channel_id, message_id FROM reveal_messages WHERE session_id = ?"
        return [(row[0], row[1], row[2]) for row in await self.db.fetch(sql, (session_id,))]

    async def forget(self, session_id: str) -> None:
        await self.db.execute("DELETE FROM reveal_messages WHERE session_id = ?", (session_id,))

    async def unsettled(self, phase: Phase) -> list[str]:
        """Sessions in this phase with reveal messages not yet edited to match."""
        sql = (
            "SELECT DISTINCT session_id FROM reveal_messages JOIN sessions "
            "ON sessions.id = reveal_messages.session_id WHERE sessions.phase = ? AND settled = 0"
        )
        return [row[0] for row in await self.db.fetch(sql, (phase.value,))]

    async def settle(self, session_id: str) -> None:
        """Edited after dawn, with kept texts still shown: remembered for a later Hide."""
        await self.db.execute(
            "UPDATE reveal_messages SET settled = 1 WHERE session_id = ?", (session_id,)
        )


class LobbyMessages:
    """The message that shows each session's lobby, to redraw when someone joins or leaves."""

    def __init__(self, db: Sql) -> None:
        self.db = db

    async def set(self, session_id: str, channel_id: int, message_id: int) -> None:
        await self.db.execute(
            """
            INSERT INTO lobby_messages (session_id, channel_id, message_id) VALUES (?, ?, ?)
            ON CONFLICT (session_id) DO UPDATE SET
                channel_id = excluded.channel_id, message_id = excluded.message_id
            """,
            (session_id, channel_id, message_id),
        )

    async def of_session(self, session_id: str) -> tuple[int, int] | None:
        sql = "SELECT channel_id, message_id FROM lobby_messages WHERE session_id = ?"
        row = await self.db.first(sql, (session_id,))
        return (row[0], row[1]) if row else None


class Departures:
    """Servers the bot has left, and when."""

    def __init__(self, db: Sql) -> None:
        self.db = db

    async def left(self, guild_id: int, at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO departures (guild_id, left_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (guild_id, stamp(at)),
        )

    async def returned(self, guild_id: int) -> None:
        await self.db.execute("DELETE FROM departures WHERE guild_id = ?", (guild_id,))

    async def before(self, moment: datetime) -> list[int]:
        sql = "SELECT guild_id FROM departures WHERE left_at <= ?"
        return [row[0] for row in await self.db.fetch(sql, (stamp(moment),))]
