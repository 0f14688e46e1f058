-- As SQLite's 0009: owed posts name their guild and carry a claim with a lease; a campaign's
-- generation counts changes made to it from outside its live session.

ALTER TABLE outbox ADD COLUMN guild_id BIGINT;
UPDATE outbox SET guild_id = (SELECT guild_id FROM campaigns WHERE campaigns.id = outbox.campaign_id);
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
ALTER TABLE campaigns ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
