-- Safety and privacy: each player's lines and veils in a campaign, the campaign's own prompts,
-- the bot's messages that show confession text (edited when the text is deleted), and servers
-- the bot has left (purged after a grace period unless it comes back).

CREATE TABLE boundaries (
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    player_id    TEXT NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    lines        TEXT NOT NULL,  -- JSON lists of topic keys
    veils        TEXT NOT NULL,
    PRIMARY KEY (campaign_id, player_id)
);

CREATE TABLE prompts (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    state        TEXT NOT NULL,  -- the validated prompt as JSON
    created_at   TEXT NOT NULL
);
CREATE INDEX prompts_by_campaign ON prompts (campaign_id, created_at, id);

CREATE TABLE reveal_messages (
    session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    glitch       INTEGER NOT NULL,  -- which of the session's glitches the message reveals
    channel_id   INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    settled      INTEGER NOT NULL DEFAULT 0,  -- edited after the session ended; texts kept
    PRIMARY KEY (session_id, message_id)
);

CREATE TABLE departures (
    guild_id  INTEGER PRIMARY KEY,
    left_at   TEXT NOT NULL
);
