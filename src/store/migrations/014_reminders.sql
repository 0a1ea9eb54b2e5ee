-- 014: reminders a person asked for, and the sends waiting for a channel.
-- Nothing here says what anyone did or wrote: a schedule (weekdays, a local
-- time, a time zone), the channels, and when the next one falls.
CREATE TABLE reminders (
    user_id    TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    enabled    INTEGER NOT NULL DEFAULT 0,
    days       INTEGER NOT NULL,  -- bit 0 Monday … bit 6 Sunday
    minute     INTEGER NOT NULL,  -- minutes after local midnight
    zone       TEXT NOT NULL,     -- IANA time zone, e.g. Europe/Berlin
    channels   TEXT NOT NULL,     -- channel names separated by spaces: "email push"
    next_at    INTEGER,           -- the next one (Unix seconds); NULL while off
    updated_at INTEGER NOT NULL
);
CREATE INDEX reminders_next ON reminders (next_at);

-- One send of one reminder on one channel: claimed by a server by moving
-- try_at forward (compare-and-set), deleted once the channel took it,
-- tried again after a failure, dropped when given up.
CREATE TABLE reminder_sends (
    id       TEXT PRIMARY KEY,
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    channel  TEXT NOT NULL,       -- "email", "push"
    purpose  TEXT NOT NULL,       -- "checkin", "measure"
    due_at   INTEGER NOT NULL,
    tries    INTEGER NOT NULL DEFAULT 0,
    try_at   INTEGER NOT NULL
);
CREATE INDEX reminder_sends_try ON reminder_sends (try_at);
CREATE INDEX reminder_sends_user ON reminder_sends (user_id);
