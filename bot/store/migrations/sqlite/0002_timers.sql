-- Timers: when each campaign's next scheduled session is due, the posts that timers owe the
-- circle (written in the same transaction as the move that made them), and reminders sent.

ALTER TABLE campaigns ADD COLUMN next_at TEXT;
CREATE INDEX campaigns_next ON campaigns (next_at) WHERE next_at IS NOT NULL;

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: ids make post nonces
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    session_id   TEXT,
    events       TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE reminders (
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    session_at   TEXT NOT NULL,
    before_min   INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, session_at, before_min)
);
