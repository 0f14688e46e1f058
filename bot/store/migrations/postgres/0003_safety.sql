-- As SQLite's 0003: boundaries, a campaign's prompts, reveal messages, departures.

CREATE TABLE boundaries (
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    player_id    TEXT NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    lines        TEXT NOT NULL,
    veils        TEXT NOT NULL,
    PRIMARY KEY (campaign_id, player_id)
);

CREATE TABLE prompts (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    state        TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX prompts_by_campaign ON prompts (campaign_id, created_at, id);

CREATE TABLE reveal_messages (
    session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    glitch       INTEGER NOT NULL,
    channel_id   BIGINT NOT NULL,
    message_id   BIGINT NOT NULL,
    settled      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, message_id)
);

CREATE TABLE departures (
    guild_id  BIGINT PRIMARY KEY,
    left_at   TEXT NOT NULL
);
