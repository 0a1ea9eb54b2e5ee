-- 016: which browser a push subscription was made in, so that it ends
-- with that browser (docs/security.md#push-subscriptions-end-with-their-browser).
-- device_id: the device (one's own browser, unlocked with a PIN) the
--            subscribing session belonged to; the subscription goes when
--            the device goes (forgotten, five wrong PINs, signed out of,
--            ended by a password change, past its 30 days).
-- session_id: the session that subscribed, or subscribed again last; a
--            sign-out (or quick exit) of that session, or ending it from
--            "Where you are signed in", removes it.
-- No foreign keys, as for sessions.device_id: store.c clears them.
-- Subscriptions made before this migration belong to no browser the
-- server knows of: only their browser (Settings, sign-out) or the push
-- service's "gone" answer removes them.
ALTER TABLE push_subscriptions ADD COLUMN device_id TEXT;
ALTER TABLE push_subscriptions ADD COLUMN session_id TEXT;
CREATE INDEX push_subscriptions_device ON push_subscriptions (device_id);
CREATE INDEX push_subscriptions_session ON push_subscriptions (session_id);
