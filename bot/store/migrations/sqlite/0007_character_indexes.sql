-- Every move loads its circle's characters by campaign, and rest, forget-me and the purge find
-- a player's characters in every campaign. The only indexes on characters were partial (live
-- characters only), so both were whole-table scans: 0.2 ms at 4,000 characters, 8.5 ms at
-- 40,000, on every move.

CREATE INDEX characters_by_campaign ON characters (campaign_id);
CREATE INDEX characters_by_player ON characters (player_id);
