"""Safety and privacy: boundaries, the campaign's prompts, retention, moderation, and a player's
own data. Beside the game's moves, on the same store and clock, each change one transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.content.models import Prompt
from bot.core import prompts, protocols
from bot.core.errors import BadBoundaries, NotFound, SessionInProgress
from bot.core.events import Event
from bot.core.models import Boundaries, Campaign, Session
from bot.core.phases import Phase
from bot.services.live import Widen
from bot.services.results import MoveResult
from bot.services.work import Context
from bot.store import Unit


class Safety:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.store = context.store
        self.content = context.content
        self.clock = context.clock

    # --- boundaries ---

    async def boundaries(self, campaign: Campaign, user_id: int) -> Boundaries:
        player = await self.store.read.players.by_user(user_id)
        if player is None:
            return Boundaries()
        circle = await self.store.read.circles.load(campaign)
        return circle.boundaries.get(player.id, Boundaries())

    async def set_boundaries(
        self,
        campaign: Campaign,
        user_id: int,
        *,
        lines: list[str] | None = None,
        veils: list[str] | None = None,
        key: str | None = None,
    ) -> Boundaries:
        """Replace the player's lines or veils (or both). A topic that is a line is not also a
        veil: a line is the stronger promise."""
        known = {t.key for t in self.content.topics}
        for asked in (lines or [], veils or []):
            unknown = [t for t in asked if t not in known]
            if unknown:
                raise BadBoundaries(f"There is no topic called {unknown[0][:40]!r}.")
        async with self.context.live.around([campaign.id]), self.store.work() as unit:
            player = await unit.player(user_id, "", self.context.ids)
            circle = await unit.circles.load(await unit.fresh(campaign))
            now = circle.boundaries.get(player.id, Boundaries())
            new_lines = frozenset(lines) if lines is not None else now.lines
            new_veils = (frozenset(veils) if veils is not None else now.veils) - new_lines
            chosen = Boundaries(lines=new_lines, veils=new_veils)
            await unit.players.set_boundaries(circle.campaign.id, player.id, chosen)
            await unit.record(key, circle.campaign.id, self.clock())
        return chosen

    # --- the campaign's prompts ---

    async def prompts(self, campaign: Campaign) -> list[Prompt]:
        return (await self.store.read.circles.load(campaign)).prompts

    async def add_prompt(
        self, campaign: Campaign, fields: dict[str, Any], key: str | None = None
    ) -> Prompt:
        added = await self._add(
            campaign, lambda ids: [prompts.make(self.content, next(ids), fields)], key
        )
        return added[0]

    async def import_prompts(
        self, campaign: Campaign, data: bytes, filename: str, key: str | None = None
    ) -> list[Prompt]:
        """All of the pack, or none of it."""
        return await self._add(
            campaign, lambda ids: prompts.parse_pack(self.content, data, filename, ids), key
        )

    async def _add(self, campaign: Campaign, build: Any, key: str | None) -> list[Prompt]:
        async with self.context.live.around([campaign.id]), self.store.work() as unit:
            circle = await unit.circles.load(await unit.fresh(campaign))
            ids = (f"{prompts.CUSTOM_PREFIX}{self.context.ids()}" for _ in iter(int, 1))
            made: list[Prompt] = build(ids)
            prompts.check_room(circle, made)
            await unit.prompts.add(circle.campaign.id, made, self.clock())
            await unit.record(key, circle.campaign.id, self.clock())
        return made

    async def remove_prompt(
        self, campaign: Campaign, prompt_id: str, key: str | None = None
    ) -> Prompt:
        async with self.context.live.around([campaign.id]), self.store.work() as unit:
            circle = await unit.circles.load(await unit.fresh(campaign))
            session = await unit.sessions.current(circle.campaign.id)
            prompt = prompts.check_removable(circle, session, prompt_id)
            await unit.prompts.remove(circle.campaign.id, prompt.id)
            await unit.record(key, circle.campaign.id, self.clock())
        return prompt

    # --- retention and moderation ---

    async def remember_reveal(
        self, session_id: str, glitch: int, channel_id: int, message_id: int
    ) -> None:
        async with self.store.work() as unit:
            await unit.reveals.add(session_id, glitch, channel_id, message_id)

    async def reveal_messages(self, session_id: str) -> list[tuple[int, int, int]]:
        return await self.store.read.reveals.of_session(session_id)

    async def faded(self) -> list[Session]:
        """Archived sessions whose reveal messages still need their text removed."""
        out = []
        for session_id in await self.store.read.reveals.unsettled(Phase.ARCHIVED):
            session = await self.store.read.sessions.by_id(session_id)
            if session is not None:
                out.append(session)
        return out

    async def reveals_done(self, session: Session) -> None:
        """The session's reveals are edited after dawn: forgotten if no text is left, or kept
        (settled) so that a host can still hide a kept confession."""
        async with self.store.work() as unit:
            reveals = unit.reveals
            await (reveals.settle(session.id) if session.texts else reveals.forget(session.id))

    async def hide(
        self, campaign: Campaign, session_id: str, card: str, key: str | None = None
    ) -> MoveResult:
        """An admin hides a revealed confession: its text goes, and its author stays unknown."""
        async with self.context.live.around([campaign.id]), self.store.work() as unit:
            fresh = await unit.fresh(campaign)
            session = await unit.sessions.by_id(session_id)
            if session is None or session.campaign_id != fresh.id:
                raise NotFound("That session is gone.")
            events: list[Event] = protocols.hide(session, card)
            await unit.sessions.save(session)
            await unit.record(key, fresh.id, self.clock())
            circle = await unit.circles.load(fresh)
        await self.store.scrub()
        return MoveResult(events, circle, session)

    # --- a player's own data ---

    async def export(self, user_id: int) -> dict[str, Any] | None:
        player = await self.store.read.players.by_user(user_id)
        if player is None:
            return None
        return await self.store.read.players.everything(player)

    async def forget(
        self,
        user_id: int,
        guild_id: int | None = None,
        only: set[str] | None = None,
        key: str | None = None,
    ) -> bool:
        """Delete what is stored about a user, for real: everywhere, or (for a server's admin)
        in that server's campaigns, or (for a host) in `only` the campaigns they host. False
        if there was nothing to delete.

        Their characters go, with others' bonds to them; past chronicle entries then speak of
        "a dreamer who has left". The player record itself (the user id, rest log) goes once
        no character is left. Refused while a character is in a session under way, so that
        the session stays whole.
        """
        forgot = await self.context.live.across_player(
            user_id, lambda unit, waited: self._forget(unit, waited, user_id, guild_id, only, key)
        )
        if forgot:
            await self.store.scrub()
        return forgot

    async def _forget(
        self,
        unit: Unit,
        waited: set[str],
        user_id: int,
        guild_id: int | None,
        only: set[str] | None,
        key: str | None,
    ) -> bool:
        player = await unit.players.by_user(user_id, lock=True)
        if player is None:
            return False
        await unit.campaigns.lock_of_player(player.id)  # before their characters are read
        self.context.live.check(waited, await unit.players.campaigns(player.id))
        mine = [
            row
            for row in await unit.characters.everywhere(player.id)
            if guild_id in (None, row[2]) and (only is None or row[1] in only)
        ]
        for character_id, campaign_id, _ in mine:
            session = await unit.sessions.current(campaign_id)
            if session is not None and character_id in session.dreamers:
                raise SessionInProgress(
                    "That character is in a session under way. Leave it (or ask the host to "
                    "end it), and after dawn ask again: everything will then be deleted."
                )
        if guild_id is None:
            await unit.players.delete(player.id)
        else:
            campaigns = {c.id for c in await unit.campaigns.in_guild(guild_id)}
            await unit.players.forget_in(player.id, campaigns if only is None else campaigns & only)
            if player.id in await unit.players.orphans():
                await unit.players.delete(player.id)
            elif not mine:
                return False
        await unit.record(key, None, self.clock())
        return True

    # --- servers the bot has left ---

    async def left_guild(self, guild_id: int) -> None:
        async with self.store.work() as unit:
            await unit.departures.left(guild_id, self.clock())

    async def returned(self, guild_id: int) -> None:
        async with self.store.work() as unit:
            await unit.departures.returned(guild_id)

    async def reconcile(self, present: set[int]) -> None:
        """At start-up: servers with data that the bot is no longer in count as left from now
        (an earlier departure keeps its date); servers it is in are not departures."""
        known = await self.store.read.campaigns.guilds()
        async with self.store.work() as unit:
            departures = unit.departures
            for guild_id in known - present:
                await departures.left(guild_id, self.clock())
            for guild_id in present:
                await departures.returned(guild_id)

    async def scrub_pending(self) -> bool:
        """Each tick: empty the WAL of deleted text, if an outside reader kept it there."""
        return await self.store.scrub_pending()

    async def purge_departed(self, now: datetime | None = None) -> list[int]:
        """Delete the data of servers the bot left more than the grace period ago."""
        grace = timedelta(days=self.content.rules.privacy.grace_days)
        cutoff = (now or self.clock()) - grace
        if not await self.store.read.departures.before(cutoff):
            return []  # the usual case, every tick: no write transaction
        waiting: set[str] = set()
        while True:
            try:
                async with self.context.live.around(waiting), self.store.work() as unit:
                    gone = await self._purge(unit, waiting, cutoff)
                break
            except Widen as wider:
                waiting = wider.campaign_ids
            finally:
                self.context.live.players.clear()  # orphaned players were deleted
        await self.store.scrub()
        return gone

    async def _purge(self, unit: Unit, waited: set[str], cutoff: datetime) -> list[int]:
        departures = unit.departures
        gone = await departures.before(cutoff)
        for guild_id in gone:
            campaigns = await unit.campaigns.in_guild(guild_id)
            self.context.live.check(waited, (c.id for c in campaigns))
            await unit.campaigns.lock(c.id for c in campaigns)  # in id order
            for campaign in campaigns:
                await unit.campaigns.delete(campaign.id)
            await departures.returned(guild_id)
        for player_id in await unit.players.orphans():
            await unit.players.delete(player_id)
        return gone
