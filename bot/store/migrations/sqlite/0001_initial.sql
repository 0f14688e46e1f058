-- The first schema. Aggregates keep their state as JSON beside the columns that are queried;
-- confession text lives in its own table so that it can be deleted for real.

CREATE TABLE campaigns (
    id          TEXT PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    state       TEXT NOT NULL,
    UNIQUE (guild_id, channel_id)
);

CREATE TABLE players (
    id            TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL UNIQUE,
    display_name  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE characters (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    player_id    TEXT NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    name_key     TEXT NOT NULL,
    retired      INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL
);
-- One live character per player per campaign, and live names unique regardless of case.
CREATE UNIQUE INDEX characters_live_player ON characters (campaign_id, player_id) WHERE retired = 0;
CREATE UNIQUE INDEX characters_live_name ON characters (campaign_id, name_key) WHERE retired = 0;

CREATE TABLE bonds (
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    a            TEXT NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
    b            TEXT NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
    value        INTEGER NOT NULL,
    PRIMARY KEY (a, b),
    CHECK (a < b)
);
CREATE INDEX bonds_by_campaign ON bonds (campaign_id);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    phase        TEXT NOT NULL,
    deadline     TEXT,
    state        TEXT NOT NULL,
    UNIQUE (campaign_id, number)
);
CREATE INDEX sessions_open ON sessions (campaign_id) WHERE phase NOT IN ('archived', 'cancelled');
CREATE INDEX sessions_due ON sessions (deadline) WHERE deadline IS NOT NULL;

CREATE TABLE confessions (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    author_id   TEXT NOT NULL REFERENCES characters (id) ON DELETE CASCADE,
    text        TEXT NOT NULL
);
CREATE INDEX confessions_by_session ON confessions (session_id);

CREATE TABLE chronicle (
    session_id   TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    entry        TEXT NOT NULL
);
CREATE INDEX chronicle_by_campaign ON chronicle (campaign_id, number);

CREATE TABLE rests (
    player_id  TEXT NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    at         TEXT NOT NULL
);
CREATE INDEX rests_by_player ON rests (player_id, at);

-- Every applied move's idempotency key, so a repeated one changes nothing.
CREATE TABLE moves (
    key          TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    at           TEXT NOT NULL
);
