-- 010: measures a linked therapist asks both members to answer on a
-- schedule (questionnaires with "answered_by": "each_member"), and the
-- answers: choice indexes, never words. Scores are not stored; the pure
-- core computes them from the answers and the definition on each read.
CREATE TABLE measures (
    id            TEXT PRIMARY KEY,
    dyad_id       TEXT NOT NULL REFERENCES dyads(id) ON DELETE CASCADE,
    therapist_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    questionnaire TEXT NOT NULL,
    every_days    INTEGER NOT NULL,
    starts_on     TEXT NOT NULL,    -- YYYY-MM-DD, the server's day it was assigned
    assigned_at   INTEGER NOT NULL,
    ended_at      INTEGER           -- NULL while it runs
);
CREATE INDEX measures_dyad ON measures (dyad_id);

CREATE TABLE measure_answers (
    measure_id   TEXT NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    period       INTEGER NOT NULL,  -- 0 for the first every_days from starts_on, 1 …
    day          TEXT NOT NULL,     -- YYYY-MM-DD answered
    answers      TEXT NOT NULL,     -- JSON array of choice indexes, -1 unanswered
    show_partner INTEGER NOT NULL DEFAULT 0,
    answered_at  INTEGER NOT NULL,
    PRIMARY KEY (measure_id, user_id, period)
);

-- A private check-in's danger signal: one byte ("D" danger, "N" none)
-- sealed in the member's browser to the therapist's key, beside the sealed
-- answers, so the caseload can flag danger without the therapist opening
-- the answers — and without the server (or its operator) learning which.
ALTER TABLE private_checkins ADD COLUMN signal BLOB;

-- Homework followed: when each member was first shown an assignment (on
-- their dyad page, with their note). Whether they answered a prompt from
-- it is read from their shares on its topic during it.
CREATE TABLE assignment_opens (
    assignment_id TEXT NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    opened_at     INTEGER NOT NULL,
    PRIMARY KEY (assignment_id, user_id)
);

-- Research, consented apart from therapy: a linked therapist asks a dyad
-- to take part in a study; each member consents (or not) for themselves,
-- and may include the check-in items they hide from the other. A consent
-- is withdrawn by deleting it. A new request replaces the old one and
-- needs both consents again.
CREATE TABLE research_requests (
    dyad_id      TEXT PRIMARY KEY REFERENCES dyads(id) ON DELETE CASCADE,
    requested_by TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    study        TEXT NOT NULL,
    requested_at INTEGER NOT NULL
);
CREATE TABLE research_consents (
    dyad_id        TEXT NOT NULL REFERENCES dyads(id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    include_hidden INTEGER NOT NULL DEFAULT 0,
    given_at       INTEGER NOT NULL,
    PRIMARY KEY (dyad_id, user_id)
);
