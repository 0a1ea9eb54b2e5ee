-- 013: a fourth response kind, 3 = in_person ("can we talk about this in
-- person?"; enum vocab_response in src/core/vocab.h).
ALTER TABLE responses DROP CONSTRAINT responses_kind_check;
ALTER TABLE responses ADD CONSTRAINT responses_kind_check CHECK (kind BETWEEN 0 AND 3);
