-- 012: browsers a person marked as their own, unlocked with a PIN
-- (docs/security.md#unlocking-with-a-pin). The server never sees the PIN
-- nor the sealed keys the browser keeps; it holds what decides whether a
-- PIN proof is right and the seed of the device value it releases then.
-- verifier: keyed BLAKE2b (server secret) of the device id and the PIN proof.
-- seed:     32 random bytes; the device value is a keyed BLAKE2b of it under
--           the server secret, so the database alone does not hold it.
-- failures: wrong proofs in a row; the 5th deletes the row.
-- expires_at: the end of the 30 days from the password sign-in.
CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    verifier    BLOB NOT NULL CHECK (length(verifier) = 32),
    seed        BLOB NOT NULL CHECK (length(seed) = 32),
    failures    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    used_at     INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    user_agent  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX devices_user ON devices(user_id);

-- A session of a device's family (the enrolling session and each one a PIN
-- unlock starts) names the device and ends at the device's expires_at
-- rather than 12 hours after login. No foreign key: store.c clears both
-- when the device goes.
ALTER TABLE sessions ADD COLUMN device_id TEXT;
ALTER TABLE sessions ADD COLUMN expires_at INTEGER;
