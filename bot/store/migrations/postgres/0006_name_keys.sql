-- As SQLite's 0006, whose Python step renamed colliding live characters and rewrote every
-- name key in NFKC casefolded form. No PostgreSQL database existed before this release, so
-- there are no old keys to rewrite here: only the index is made again, as SQLite's is.

DROP INDEX characters_live_name;
CREATE UNIQUE INDEX characters_live_name ON characters (campaign_id, name_key) WHERE retired = 0;
