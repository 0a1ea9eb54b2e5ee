-- 001: accounts, sessions, throttling, dyads and pairing.
-- Binary values are BLOBs; times are Unix seconds (UTC).

CREATE TABLE users (
    id                    TEXT PRIMARY KEY,
    email                 TEXT NOT NULL UNIQUE,
    display_name          TEXT NOT NULL,
    role                  INTEGER NOT NULL DEFAULT 0,   -- 0 member, 1 therapist
    kdf_salt              BLOB NOT NULL CHECK (length(kdf_salt) = 16),
    auth_hash             TEXT NOT NULL,                 -- crypto_pwhash_str(auth_key)
    box_pk                BLOB NOT NULL CHECK (length(box_pk) = 32),
    sign_pk               BLOB NOT NULL CHECK (length(sign_pk) = 32),
    wrapped_keys          BLOB NOT NULL,
    recovery_wrapped_keys BLOB NOT NULL,
    created_at            INTEGER NOT NULL
);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash    BLOB NOT NULL UNIQUE,                 -- BLAKE2b(cookie value)
    csrf_token    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE throttle (
    key_hash      BLOB PRIMARY KEY,                     -- keyed BLAKE2b, never an address
    failures      INTEGER NOT NULL,
    blocked_until INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE dyads (
    id         TEXT PRIMARY KEY,
    kind       INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 2), -- couple, friends, family
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    ended_at   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE dyad_members (
    dyad_id           TEXT NOT NULL REFERENCES dyads(id) ON DELETE CASCADE,
    user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key_proof         BLOB NOT NULL CHECK (length(key_proof) = 32),
    invite_secret_box BLOB NOT NULL,
    wrapped_key       BLOB,
    wrap_signature    BLOB,
    wrap_signer       TEXT,
    track_sexual      INTEGER NOT NULL DEFAULT 0,
    joined_at         INTEGER NOT NULL,
    left_at           INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (dyad_id, user_id)
);
CREATE INDEX dyad_members_user ON dyad_members(user_id);

CREATE TABLE invites (
    code       TEXT PRIMARY KEY,
    dyad_id    TEXT NOT NULL REFERENCES dyads(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX invites_dyad ON invites(dyad_id);
