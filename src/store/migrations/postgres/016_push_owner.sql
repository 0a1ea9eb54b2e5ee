-- 016 (PostgreSQL twin of ../016_push_owner.sql): which browser a push
-- subscription was made in (its device, its session).
ALTER TABLE push_subscriptions ADD COLUMN device_id TEXT;
ALTER TABLE push_subscriptions ADD COLUMN session_id TEXT;
CREATE INDEX push_subscriptions_device ON push_subscriptions (device_id);
CREATE INDEX push_subscriptions_session ON push_subscriptions (session_id);
