-- 013: a fourth response kind, 3 = in_person ("can we talk about this in
-- person?"; enum vocab_response in src/core/vocab.h). SQLite cannot change
-- a CHECK constraint in place, so the table is rebuilt with its rows, their
-- rowids (the order of responses) and its index.
CREATE TABLE responses_new (
    id          TEXT PRIMARY KEY,
    share_id    TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
    dyad_id     TEXT NOT NULL REFERENCES dyads(id) ON DELETE CASCADE,
    author_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 3), -- understood, makes_sense, with_you, in_person
    body        BLOB,
    created_at  INTEGER NOT NULL
);
INSERT INTO responses_new (rowid, id, share_id, dyad_id, author_id, kind, body, created_at)
    SELECT rowid, id, share_id, dyad_id, author_id, kind, body, created_at FROM responses;
DROP TABLE responses;
ALTER TABLE responses_new RENAME TO responses;
CREATE INDEX responses_share ON responses(share_id);
