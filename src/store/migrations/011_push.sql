-- 011: Web Push subscriptions: where a browser that asked for reminders is
-- reached (the push service's endpoint URL) and the keys its messages are
-- encrypted for. No reminder text is kept: it is the same for everyone.

CREATE TABLE push_subscriptions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    endpoint   TEXT NOT NULL UNIQUE,           -- https URL of the browser's push service
    p256dh     BLOB NOT NULL,                  -- the browser's P-256 public key (65 bytes)
    auth       BLOB NOT NULL,                  -- the browser's auth secret (16 bytes)
    created_at INTEGER NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions(user_id);
