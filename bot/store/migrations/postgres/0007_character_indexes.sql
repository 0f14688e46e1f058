-- As SQLite's 0007: a circle's characters by campaign, a player's by player.

CREATE INDEX characters_by_campaign ON characters (campaign_id);
CREATE INDEX characters_by_player ON characters (player_id);
