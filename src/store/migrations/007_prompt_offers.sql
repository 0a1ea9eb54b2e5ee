-- 007: which prompt the dyad was offered on which day, so the pacing engine
-- does not offer one again within 180 days while others that fit remain.
-- No words and no member: only the prompt id and the day.
CREATE TABLE prompt_offers (
    dyad_id   TEXT NOT NULL REFERENCES dyads(id) ON DELETE CASCADE,
    prompt_id TEXT NOT NULL,
    day       INTEGER NOT NULL,                  -- days since 1970-01-01, UTC
    PRIMARY KEY (dyad_id, day, prompt_id)
);
