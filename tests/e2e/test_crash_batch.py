"""SIGKILL in the middle of a group commit: many sessions' presses in flight at once.

Sessions in their first round are made through the services; `python -m bot` starts on them
and every dreamer of every session presses Anchor at once. The bot is killed a random moment
into the burst, while batches of moves from several sessions are being written, three times
over. After each life:

- every press the bot acknowledged has its move in the store;
- each session's state agrees with the moves recorded for it, press by press: no move is
  half-written (a key without its state, or a state without its key), and none counts twice;
- the store's own checks are clean.

Then the presses that were not acknowledged are made again, as players would, and every round
resolves once.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from pathlib import Path

from bot.content import Content
from bot.services import Bedtime, SimClock
from bot.store import open_store
from fakecord import GUILD_ID, FakeDiscord, Sent, User
from pgtemp import keys_for
from tests.conftest import NIGHT
from tests.e2e.conftest import checks, query
from tests.e2e.test_crash import Crashy

SESSIONS = 8
DREAMERS = 4
FIRST_CHANNEL = 930_000_000_000_000_001
FIRST_USER = 300_000_000_000_000_000


async def _prepare(db: Path | str, content: Content) -> list[tuple[int, str, str, list[User]]]:
    """(channel, campaign id, session id, dreamers) of sessions in their first round."""
    store = await open_store(db, keys_for(db) if isinstance(db, str) else None)
    made = []
    try:
        service = Bedtime(store, content, SimClock(NIGHT), random.Random(5))
        for n in range(SESSIONS):
            channel = FIRST_CHANNEL + n
            campaign = await service.setup(GUILD_ID, channel)
            campaign = await service.configure(campaign, "glitch_chance", "0")
            await service.open(campaign)
            users = [User(FIRST_USER + n * DREAMERS + s, f"D{n}-{s}") for s in range(DREAMERS)]
            for seat, user in enumerate(users):
                archetype = content.archetypes[seat].key
                await service.join(campaign, user.id, archetype=archetype, name=f"D{n}-{seat}")
            result = await service.start(campaign)
            assert result.session is not None
            made.append((channel, campaign.id, result.session.id, users))
    finally:
        await store.close()
    return made


async def _press(fake: FakeDiscord, channel: int, session_id: str, user: User) -> Sent:
    custom_id = f"bt:act:{session_id}:1:anchor"
    button = {"type": 2, "style": 2, "label": "Anchor", "custom_id": custom_id}
    message = int(fake._store(channel, {"components": [{"type": 1, "components": [button]}]})["id"])
    data = {"custom_id": custom_id, "component_type": 2}
    return await fake.send_component(user, message, data, channel)


def _acknowledged(sent: Sent) -> bool:
    """Answered, and not with a private refusal: deferred, or the round redrawn."""
    return bool(sent.responses) and not sent.ephemeral


async def test_sigkill_in_the_middle_of_a_batch_loses_and_doubles_nothing(
    tmp_path: Path, target: Path | str, content: Content
) -> None:
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    table = await _prepare(target, content)
    fake = FakeDiscord(channels=tuple(row[0] for row in table), check_schema=False)
    await fake.start()
    bot = Crashy(fake, target, tmp_path, seed)
    pressed: dict[int, Sent] = {}  # user id -> their acknowledged press
    try:
        await bot.start()
        for life in range(3):
            await asyncio.sleep(0.5)  # the restarted bot's first tick
            waiting = [
                (channel, session_id, user)
                for channel, _, session_id, users in table
                for user in users
                if user.id not in pressed
            ]
            if not waiting:
                break
            presses = [(user, await _press(fake, ch, sid, user)) for ch, sid, user in waiting]
            # Killed once some presses are answered: others are then in batches being written.
            answered = rng.randint(1, max(1, len(presses) // 2))

            def enough(now: list[tuple[User, Sent]] = presses, wanted: int = answered) -> bool:
                return sum(bool(sent.responses) for _, sent in now) >= wanted

            await fake._until(enough, 20)
            await bot.kill()
            await asyncio.sleep(0.1)
            pressed |= {user.id: sent for user, sent in presses if _acknowledged(sent)}
            await _agree(target, table, pressed, f"life {life}, seed {seed}")
            await bot.start()
        # The presses never acknowledged are made again; every round then resolves once.
        await asyncio.sleep(0.5)
        for channel, _, session_id, users in table:
            for user in users:
                if user.id not in pressed:
                    sent = await _press(fake, channel, session_id, user)
                    await asyncio.wait_for(sent.done.wait(), 10)
                    pressed[user.id] = sent
        await fake.settle(quiet=0.3, within=30)
        log = await bot.stop()
    finally:
        await fake.stop()
    assert "Traceback" not in log, log[-3000:]
    for _, campaign_id, session_id, _ in table:
        rows = await query(target, "SELECT state FROM sessions WHERE id = ?", session_id)
        session = json.loads(rows[0][0])
        assert session["round"] == 2, f"{campaign_id}: the first round did not resolve once"
    assert bot.kills >= 1


async def _agree(
    db: Path | str,
    table: list[tuple[int, str, str, list[User]]],
    pressed: dict[int, Sent],
    where: str,
) -> None:
    keys = {row[0] for row in await query(db, "SELECT key FROM moves")}
    lost = [s.id for s in pressed.values() if f"i:{s.id}" not in keys]
    assert lost == [], f"{where}: acknowledged presses lost: {lost}"
    for _, campaign_id, session_id, _ in table:
        recorded = await query(
            db, "SELECT count(*) FROM moves WHERE campaign_id = ? AND key LIKE 'i:%'", campaign_id
        )
        (state,) = (await query(db, "SELECT state FROM sessions WHERE id = ?", session_id))[0]
        session = json.loads(state)
        acted = recorded[0][0]
        if acted < DREAMERS:  # the round waits: one choice a recorded press
            assert (session["round"], len(session["choices"])) == (1, acted), where
        else:  # the fourth press resolved it, once
            assert (acted, session["round"]) == (DREAMERS, 2), where
    integrity, broken = await checks(db)
    assert integrity == "ok", where
    assert broken == [], where
