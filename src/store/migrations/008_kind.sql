-- 008: what each member says about themselves in a dyad.
-- family_role: in a family dyad, who is who (0 not said, 1 parent, 2 child,
--   3 sibling, 4 grandparent, 5 grandchild, 6 other; enum kind_role in
--   src/core/kind.h). The creator says it at pairing; the one who joins gets
--   the counterpart (a parent's invitee is the child).
-- show_comfort: 1 when the member lets the other member (and a linked
--   therapist) see their comfort levels, which the comfort_gap finding needs.
ALTER TABLE dyad_members ADD COLUMN family_role INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dyad_members ADD COLUMN show_comfort INTEGER NOT NULL DEFAULT 0;
