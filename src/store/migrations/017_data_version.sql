-- 017: a counter per dyad that every change to what its insights read
-- moves forward (check-ins, shares, responses, comfort, the therapist link,
-- a member leaving), in the same transaction as the change. The server
-- keeps computed insights in memory keyed by it (src/web/insights_cache.c),
-- so several servers over one database never answer from a stale copy.
ALTER TABLE dyads ADD COLUMN data_version INTEGER NOT NULL DEFAULT 0;
