-- A campaign's live session is loaded with the keys of its last moves, so that a repeated
-- interaction is known without a read on every move; and deleting a campaign cascades to its
-- moves. Both looked moves up by campaign with no index for it.

CREATE INDEX moves_by_campaign ON moves (campaign_id, at);
