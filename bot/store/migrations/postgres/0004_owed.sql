-- As SQLite's 0004: posts held by the interaction answering their move.

ALTER TABLE outbox ADD COLUMN held_by TEXT;
CREATE INDEX outbox_held ON outbox (held_by) WHERE held_by IS NOT NULL;
