-- 002: daily check-ins, shares and responses, comfort levels.
-- Scores are 0-10 or NULL (pass / no chance to tell). Words are ciphertext.

CREATE TABLE checkins (
    dyad_id          TEXT NOT NULL REFERENCES dyads(id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day              INTEGER NOT NULL,          -- days since 1970-01-01, the member's date
    closeness        INTEGER CHECK (closeness BETWEEN 0 AND 10),
    closeness_wanted INTEGER CHECK (closeness_wanted BETWEEN 0 AND 10),
    opened_up        INTEGER CHECK (opened_up BETWEEN 0 AND 10),
    understood       INTEGER CHECK (understood BETWEEN 0 AND 10),
    safety           INTEGER CHECK (safety BETWEEN 0 AND 10),
    affection        INTEGER CHECK (affection BETWEEN 0 AND 10),
    sexual           INTEGER CHECK (sexual BETWEEN 0 AND 10),
    emotions         INTEGER NOT NULL DEFAULT 0, -- bit per feeling
    wordless         INTEGER CHECK (wordless IN (0, 1)),
    note             BLOB,                       -- under the author's personal key
    show_mask        INTEGER NOT NULL DEFAULT 0, -- items the partner may see
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (dyad_id, user_id, day)
);

CREATE TABLE shares (
    id          TEXT PRIMARY KEY,                -- made by the client, bound in the AD
    dyad_id     TEXT NOT NULL REFERENCES dyads(id) ON DELETE CASCADE,
    author_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic       INTEGER NOT NULL,
    depth       INTEGER NOT NULL CHECK (depth BETWEEN 1 AND 5),
    prompt_id   TEXT,
    reveal      INTEGER NOT NULL DEFAULT 0,      -- 0 now, 1 mutual
    body        BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX shares_dyad ON shares(dyad_id, created_at);

CREATE TABLE responses (
    id          TEXT PRIMARY KEY,
    share_id    TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
    dyad_id     TEXT NOT NULL REFERENCES dyads(id) ON DELETE CASCADE,
    author_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind        INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 2), -- understood, makes_sense, with_you
    body        BLOB,
    created_at  INTEGER NOT NULL
);
CREATE INDEX responses_share ON responses(share_id);

CREATE TABLE comfort (
    dyad_id   TEXT NOT NULL REFERENCES dyads(id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic     INTEGER NOT NULL,
    level     INTEGER NOT NULL CHECK (level BETWEEN 0 AND 5),
    set_at    INTEGER NOT NULL                   -- every change is kept: one's own history
);
CREATE INDEX comfort_member ON comfort(dyad_id, user_id, topic, set_at);
