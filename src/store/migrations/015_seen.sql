-- 015: what each member has seen of the dyad's shares and responses, so
-- that their own pages can say "something new to read". Only its owner
-- ever reads a row: no API gives it to the other member (no read receipts).
-- A share or response is new to user_id when it was written after seen_at,
-- or in that same second after the row shares_upto / responses_upto.
CREATE TABLE seen (
    dyad_id        TEXT NOT NULL REFERENCES dyads(id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    seen_at        INTEGER NOT NULL,
    shares_upto    INTEGER NOT NULL,
    responses_upto INTEGER NOT NULL,
    PRIMARY KEY (dyad_id, user_id)
);

-- Members of existing dyads have seen what is there today: the count
-- starts from the upgrade, not from the dyad's first share.
INSERT INTO seen (dyad_id, user_id, seen_at, shares_upto, responses_upto)
SELECT m.dyad_id, m.user_id, CAST(strftime('%s', 'now') AS INTEGER),
       (SELECT COALESCE(MAX(rowid), 0) FROM shares s WHERE s.dyad_id = m.dyad_id),
       (SELECT COALESCE(MAX(rowid), 0) FROM responses r WHERE r.dyad_id = m.dyad_id)
FROM dyad_members m;
