-- 006 (PostgreSQL twin of ../006_together.sql): a share recorded from a
-- guided conversation.
ALTER TABLE shares ADD COLUMN together BIGINT NOT NULL DEFAULT 0;
