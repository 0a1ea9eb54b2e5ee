-- 006: a share recorded from a guided conversation, where both spoke aloud
-- on one device. It counts as disclosure by both and as answered: the
-- conversation was the response.
ALTER TABLE shares ADD COLUMN together INTEGER NOT NULL DEFAULT 0;
