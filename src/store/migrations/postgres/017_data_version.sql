-- 017 (PostgreSQL twin of ../017_data_version.sql): a counter per dyad
-- that every change to what its insights read moves forward.
ALTER TABLE dyads ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0;
