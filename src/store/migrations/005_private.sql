-- 005: a therapist's private check-ins with one member, and entries a member
-- re-shares with the therapist. Both hold only ciphertext sealed in the
-- member's browser to the therapist's box key.

CREATE TABLE private_checkins (
    id            TEXT PRIMARY KEY,
    dyad_id       TEXT NOT NULL REFERENCES dyads(id) ON DELETE CASCADE,
    therapist_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    questionnaire TEXT NOT NULL,
    assigned_at   INTEGER NOT NULL,
    answered_at   INTEGER NOT NULL DEFAULT 0,
    sealed        BLOB
);
CREATE INDEX private_checkins_user ON private_checkins(user_id);
CREATE INDEX private_checkins_dyad ON private_checkins(dyad_id, therapist_id);

CREATE TABLE reshares (
    id           TEXT PRIMARY KEY,
    dyad_id      TEXT NOT NULL REFERENCES dyads(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    therapist_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    entry_id     TEXT NOT NULL,
    entry_kind   TEXT NOT NULL,
    sealed       BLOB NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX reshares_dyad ON reshares(dyad_id, therapist_id);
