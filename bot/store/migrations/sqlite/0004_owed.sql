-- Posts a move owes the circle while an interaction is answering it. The move writes them in
-- its own transaction, held by its key; the answer deletes them once sent. If the bot dies
-- first, they are released at the next start and the scheduler posts them to the channel.

ALTER TABLE outbox ADD COLUMN held_by TEXT;
CREATE INDEX outbox_held ON outbox (held_by) WHERE held_by IS NOT NULL;
