-- As SQLite's 0005: keys of changes not bound to one campaign, and lobby messages.

CREATE TABLE interactions (
    key  TEXT PRIMARY KEY,
    at   TEXT NOT NULL
);
CREATE INDEX moves_by_time ON moves (at);
CREATE INDEX interactions_by_time ON interactions (at);

CREATE TABLE lobby_messages (
    session_id  TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    channel_id  BIGINT NOT NULL,
    message_id  BIGINT NOT NULL
);
