-- 004: therapists, consented links, homework, and the audit log.

CREATE TABLE therapist_invites (
    token_hash BLOB PRIMARY KEY,              -- BLAKE2b of the one-time setup token
    email      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE therapist_codes (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    code_id TEXT NOT NULL UNIQUE                -- the lookup half of the therapist code
);

CREATE TABLE therapist_links (
    dyad_id      TEXT PRIMARY KEY REFERENCES dyads(id) ON DELETE CASCADE,
    therapist_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL
);

CREATE TABLE therapist_consents (
    dyad_id      TEXT NOT NULL REFERENCES therapist_links(dyad_id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    consented_at INTEGER NOT NULL,
    PRIMARY KEY (dyad_id, user_id)
);

CREATE TABLE assignments (
    id           TEXT PRIMARY KEY,
    dyad_id      TEXT NOT NULL REFERENCES dyads(id) ON DELETE CASCADE,
    therapist_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic        INTEGER NOT NULL,
    depth        INTEGER NOT NULL CHECK (depth BETWEEN 1 AND 5),
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX assignments_dyad ON assignments(dyad_id, ends_at);

-- the therapist's note, sealed to each member's box key in the browser
CREATE TABLE assignment_notes (
    assignment_id TEXT NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    sealed        BLOB NOT NULL,
    PRIMARY KEY (assignment_id, user_id)
);

CREATE TABLE audit (
    id           INTEGER PRIMARY KEY,
    dyad_id      TEXT NOT NULL REFERENCES dyads(id) ON DELETE CASCADE,
    actor_id     TEXT NOT NULL,                 -- who acted (a therapist, or a member)
    action       TEXT NOT NULL,                 -- view_dyad, view_caseload, link, consent, revoke, assign
    subject_user TEXT,                          -- set when it concerns one member's own data only
    at           INTEGER NOT NULL
);
CREATE INDEX audit_dyad ON audit(dyad_id, at);

-- a member may let the linked therapist see their sexual-connection scores
ALTER TABLE dyad_members ADD COLUMN therapist_sexual INTEGER NOT NULL DEFAULT 0;
