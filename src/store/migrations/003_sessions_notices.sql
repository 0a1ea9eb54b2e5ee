-- 003: browsers a person has logged in from (hashed), and notices to them.

CREATE TABLE known_browsers (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ua_hash    BLOB NOT NULL,                 -- BLAKE2b of the User-Agent
    first_seen INTEGER NOT NULL,
    PRIMARY KEY (user_id, ua_hash)
);

CREATE TABLE notices (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,                 -- new_browser
    detail     TEXT NOT NULL DEFAULT '',      -- the browser's User-Agent
    created_at INTEGER NOT NULL
);
CREATE INDEX notices_user ON notices(user_id);
