-- Idempotency keys of interactions whose change is not bound to one campaign, or deletes it
-- (setup, teardown, forget, boundaries): a repeated interaction then changes nothing. Keys of
-- moves inside a campaign stay in `moves`. A key is an interaction id, never a person's data.

CREATE TABLE interactions (
    key  TEXT PRIMARY KEY,
    at   TEXT NOT NULL
);
CREATE INDEX moves_by_time ON moves (at);
CREATE INDEX interactions_by_time ON interactions (at);

-- Where each session's lobby message is, so that a join or a leave by slash command redraws it.
CREATE TABLE lobby_messages (
    session_id  TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    channel_id  INTEGER NOT NULL,
    message_id  INTEGER NOT NULL
);
