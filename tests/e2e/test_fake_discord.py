"""The fake itself: its checks must be able to fail, or a clean run would prove nothing."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from fakecord import DEADLINE, FakeDiscord, Sent, User, limits
from fakecord.gateway import INVALID_SHARD, SHARDING_REQUIRED, guild_on_shard
from fakecord.schema import OpenApi

SPEC = OpenApi()
needs_spec = pytest.mark.skipif(
    not SPEC.available, reason="../shared/discord-api-spec/openapi.json is not beside the project"
)


def test_message_limits_are_enforced() -> None:
    assert limits.message({"content": "x" * 2000}) == []
    assert limits.message({"content": "x" * 2001})
    embed = {"title": "t" * 257}
    assert any("title" in p for p in limits.message({"embeds": [embed]}))
    big = [{"description": "d" * 4000} for _ in range(2)]
    assert any("6000" in p for p in limits.message({"embeds": big}))
    row = {
        "type": 1,
        "components": [{"type": 2, "custom_id": f"b{n}", "label": "x"} for n in range(6)],
    }
    assert any("max 5" in p for p in limits.message({"components": [row]}))
    twice = {
        "type": 1,
        "components": [{"type": 2, "custom_id": "same"}, {"type": 2, "custom_id": "same"}],
    }
    assert any("twice" in p for p in limits.message({"components": [twice]}))


def test_modal_and_command_limits_are_enforced() -> None:
    assert limits.modal({"title": "x" * 46, "components": []})
    commands = [{"name": "Dream", "description": "ok"}]
    assert limits.commands(commands)
    ordered = [
        {
            "name": "x",
            "description": "d",
            "options": [
                {"name": "a", "description": "d", "type": 3},
                {"name": "b", "description": "d", "type": 3, "required": True},
            ],
        }
    ]
    assert any("required option after" in p for p in limits.commands(ordered))


@needs_spec
def test_bodies_that_break_discords_schema_are_refused() -> None:
    good = {"type": 4, "data": {"content": "hello"}}
    assert SPEC.problems("POST", "/api/v10/interactions/1/tok/callback", good) == []
    bad = {"type": 4, "data": {"content": 12, "embeds": "not a list"}}
    assert SPEC.problems("POST", "/api/v10/interactions/1/tok/callback", bad)
    assert SPEC.problems("POST", "/api/v10/channels/1/messages", {"embeds": [{"title": 5}]})


async def _identify(fake: FakeDiscord, shard: list[int] | None) -> tuple[int | None, list[str]]:
    """IDENTIFY on a connection of its own: (the close code, if it was closed; the events)."""
    events: list[str] = []
    async with aiohttp.ClientSession() as client, client.ws_connect(fake.gateway_url) as ws:
        await ws.receive_json()  # HELLO
        d: dict[str, object] = {"token": "t", "intents": 1, "properties": {}}
        if shard is not None:
            d["shard"] = shard
        await ws.send_json({"op": 2, "d": d})
        while True:
            frame = await ws.receive(timeout=2)
            if frame.type is not aiohttp.WSMsgType.TEXT:
                return ws.close_code, events
            payload = json.loads(frame.data)
            events.append(payload["t"])
            if payload["t"] == "READY" and not payload["d"]["guilds"]:
                return None, events
            if payload["t"] == "GUILD_CREATE":
                return None, events


async def test_the_gateway_refuses_a_bad_shard_and_too_few_shards() -> None:
    fake = FakeDiscord(shards=4)
    await fake.start()
    try:
        assert (await _identify(fake, [4, 4]))[0] == INVALID_SHARD
        assert (await _identify(fake, None))[0] == SHARDING_REQUIRED
        assert (await _identify(fake, [0, 2]))[0] == SHARDING_REQUIRED
        assert (await _identify(fake, [1, 4])) == (None, ["READY"])  # no guild on shard 1
    finally:
        await fake.stop()


async def test_guilds_go_to_their_shard_and_session_starts_are_counted() -> None:
    guilds = {guild_on_shard(s, 3, n): (950 + s * 10 + n,) for s in range(3) for n in range(2)}
    fake = FakeDiscord(guilds=guilds, shards=3, max_concurrency=2, identify_interval=60)
    await fake.start()
    try:
        async with aiohttp.ClientSession() as client:
            before = await (await client.get(f"{fake.api_url}/gateway/bot")).json()
            for shard in range(3):
                assert (await _identify(fake, [shard, 3]))[0] is None
            after = await (await client.get(f"{fake.api_url}/gateway/bot")).json()
        assert before["shards"] == 3
        assert before["session_start_limit"]["max_concurrency"] == 2
        left = (
            before["session_start_limit"]["remaining"] - after["session_start_limit"]["remaining"]
        )
        assert left == 3
        for guild in guilds:
            session = fake.session_of(guild)
            assert session is not None
            assert session.shard == (guild >> 22) % 3
        # Shards 0 and 2 share a bucket of max_concurrency 2, and came closer than 60 s.
        assert fake.violations == [fake.violations[0]]
        assert "bucket 0" in fake.violations[0]
    finally:
        await fake.stop()


async def test_callbacks_answer_as_discord_does_and_forget_a_late_interaction() -> None:
    """A callback's response carries the message only when one is sent or updated now, and
    once the first answer came after 3 seconds every later one is refused as unknown."""
    fake = FakeDiscord()
    await fake.start()
    try:
        message = int(fake._store(fake.channels[0], {"content": "round"})["id"])
        now = time.perf_counter()
        for n in (1, 2):
            fake.interactions[n] = Sent(n, 3, User(n, "Ada"), now, message_id=message)
        deferred = json.loads(fake._callback(1, {"type": 6}, with_response=True).body)
        assert deferred["resource"] == {"type": 6}  # no message to parse
        updated = json.loads(fake._callback(2, {"type": 7, "data": {}}, with_response=True).body)
        assert updated["resource"]["message"]["id"] == str(message)

        late = Sent(3, 3, User(3, "Bo"), time.perf_counter() - DEADLINE - 1, message_id=message)
        fake.interactions[late.id] = late
        assert fake._callback(3, {"type": 6}, with_response=True).status == 404  # too late
        refused = fake._callback(3, {"type": 7, "data": {}}, with_response=True)
        assert json.loads(refused.body)["code"] == 10062  # not "answered twice"
        assert late.refused == [{"type": 7, "data": {}}]
        assert fake.violations == []
    finally:
        await fake.stop()
