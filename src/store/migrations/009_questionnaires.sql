-- 009: questionnaires an operator added with `dyad questionnaire add FILE`
-- (licensed instruments). The definition is kept as given, checked before
-- it was stored and again at each start. An id is never reused: answers
-- refer to it.
CREATE TABLE questionnaires (
    id TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    added_at INTEGER NOT NULL
);
