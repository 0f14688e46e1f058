-- Beyond one process (on PostgreSQL; the same columns here, so the stores stay twins):
-- - an owed post names its guild, so that only the process owning the guild's shard claims it,
--   and a claim names the process and how long it holds (a lease), so that a process releases
--   only its own claims, or claims whose lease ran out;
-- - a campaign's generation counts the changes made to it from outside its live session (a
--   player's rest or forget-me, handled by whichever process the player used): a live session
--   held by another process writes its circle only if the generation it loaded is current.

ALTER TABLE outbox ADD COLUMN guild_id INTEGER;
UPDATE outbox SET guild_id = (SELECT guild_id FROM campaigns WHERE campaigns.id = outbox.campaign_id);
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
ALTER TABLE campaigns ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
